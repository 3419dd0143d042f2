"""The HTTP client and the walker against the fake OParl server (no database)."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from schulsozial.council.oparl import walker
from schulsozial.council.oparl.client import (
    OParlClient,
    OParlFormatError,
    OParlHTTPError,
    OParlJSONError,
    OParlNotFoundError,
    OParlTimeoutError,
)
from schulsozial.council.tests.oparl_fixtures.server import FakeOParl, vendor

MATCHING = ["2024/0417", "2024/0533", "A 17/2024", "2024/0711"]


@pytest.fixture
def server(request):
    quirks = getattr(request, "param", set())
    with FakeOParl(quirks=quirks) as fake:
        yield fake


def client(**kwargs) -> OParlClient:
    kwargs.setdefault("timeout", 1.0)
    kwargs.setdefault("backoff", 0.01)
    return OParlClient(**kwargs)


def run(server: FakeOParl, source: str | None = None, **kwargs) -> walker.WalkResult:
    with client() as c:
        return walker.walk(source or server.url("/"), client=c, **kwargs)


def references(result: walker.WalkResult) -> list[str]:
    return [p.reference or "" for p in result.papers]


def test_paging_follows_links_next_through_all_pages(server):
    result = run(server)
    assert references(result) == MATCHING
    assert result.seen_papers == 6  # the spec's paper and the budget do not match
    pages = [r for r in server.requests if r.startswith("/body/0/papers/")]
    assert pages == ["/body/0/papers/", "/body/0/papers/?page=2", "/body/0/papers/?page=3"]
    assert result.body.name == "Stadt Köln, kreisfreie Stadt"
    assert result.version == "1.1"
    first = result.papers[0]
    assert [(c.committee, c.date, c.role, c.result) for c in first.consultations] == [
        (
            "Ausschuss für Kinder, Jugend und Familie",
            dt.date(2024, 2, 20),
            "Kenntnisnahme",
            "zur Kenntnis genommen",
        ),
        (
            "Ausschuss für Haushalt und Finanzen",
            dt.date(2024, 3, 12),
            "Beschlussfassung",
            "einstimmig beschlossen",
        ),
    ]
    assert result.warnings == []


def test_several_keywords():
    with FakeOParl() as server:
        result = run(server, keywords=["Haushalt", "Grundschulen"])
    assert references(result) == ["2024/0600", "A 17/2024"]


@pytest.mark.parametrize("server", [{"pagination_only"}, {"relative_next"}], indirect=True)
def test_pagination_numbers_without_links_next(server):
    assert references(run(server)) == MATCHING
    assert "/body/0/papers/?page=3" in server.requests


def test_body_url_as_source(server):
    assert references(run(server, server.url("/body/0"))) == MATCHING
    assert "/" not in server.requests  # no system fetched


@pytest.mark.parametrize("server", [{"body_object"}], indirect=True)
def test_body_list_answering_a_single_body(server):
    assert references(run(server)) == MATCHING


@pytest.mark.parametrize("server", [{"v1.0", "placeholders"}], indirect=True)
def test_oparl_10_types_and_placeholders(server):
    result = run(server)
    assert references(result) == MATCHING
    assert result.version == "1.0"
    assert all(p.paper_type is None and p.date is None and p.web is None for p in result.papers)


@pytest.mark.parametrize("server", [{"org_string", "aux_object"}], indirect=True)
def test_organization_as_one_url_and_auxiliary_file_as_object(server):
    result = run(server)
    first = result.papers[0]
    assert [c.committee for c in first.consultations] == [
        "Ausschuss für Kinder, Jugend und Familie",
        "Ausschuss für Haushalt und Finanzen",
    ]
    assert [f.name for f in first.files] == ["Vorlage 2024/0417", "Anlage 1"]


@pytest.mark.parametrize("server", [{"consultation_urls"}], indirect=True)
def test_consultations_given_as_urls_are_fetched(server):
    result = run(server)
    assert [(c.committee, c.role) for c in result.papers[0].consultations] == [
        ("Ausschuss für Kinder, Jugend und Familie", "Kenntnisnahme"),
        ("Ausschuss für Haushalt und Finanzen", "Beschlussfassung"),
    ]
    assert "/consultation/1001-0" in server.requests


@pytest.mark.parametrize("server", [{"bare_list", "empty_bare"}], indirect=True)
def test_bare_lists(server):
    """Organizations as a bare array, meetings as a bare []: the meetings
    the papers link to are fetched one by one."""
    result = run(server)
    assert result.papers[0].consultations[0].date == dt.date(2024, 2, 20)
    assert "/meeting/282" in server.requests


@pytest.mark.parametrize("server", [{"deleted"}], indirect=True)
def test_deleted_objects_without_type_in_the_list(server):
    result = run(server)
    assert references(result) == MATCHING
    assert sorted(result.deleted) == [server.url("/paper/998"), server.url("/paper/999")]


@pytest.mark.parametrize("server", [{"dangling"}], indirect=True)
def test_links_to_missing_objects_warn_and_go_on(server):
    result = run(server)
    paper = next(p for p in result.papers if p.reference == "A 17/2024")
    assert [c.committee for c in paper.consultations] == [
        "Ausschuss für Kinder, Jugend und Familie",
        "Integrationsrat",  # in no list: fetched by its URL
    ]
    assert paper.consultations[1].date is None  # its meeting answers 404
    assert result.warnings == [
        f"{server.url('/meeting/404')}: Das verknüpfte Objekt fehlt (HTTP 404); ohne es importiert."
    ]


@pytest.mark.parametrize("server", [set(), {"ignore_since"}, {"drop_since"}], indirect=True)
def test_modified_since_is_checked_on_this_side(server):
    since = dt.datetime(2024, 5, 1, tzinfo=dt.UTC)
    result = run(server, modified_since=since)
    assert references(result) == ["A 17/2024", "2024/0711"]
    assert all(
        "modified_since=2024-05-01T00%3A00%3A00%2B00%3A00" in r
        for r in server.requests
        if r.startswith("/body/0/papers/")
    )
    if "ignore_since" in server.quirks:
        assert result.skipped_unmodified == 3  # 749, 1001, 1002


@pytest.mark.parametrize("server", [{"flaky"}], indirect=True)
def test_spurious_500_are_retried(server):
    assert references(run(server)) == MATCHING
    assert server.requests.count("/body/0/papers/") == 3


@pytest.mark.parametrize("server", [{"broken"}], indirect=True)
def test_500_beyond_the_retries_names_the_url(server):
    slept: list[float] = []
    with (
        OParlClient(timeout=1, retries=3, backoff=0.5, sleep=slept.append) as c,
        pytest.raises(OParlHTTPError) as caught,
    ):
        walker.walk(server.url("/"), client=c)
    assert slept == [0.5, 1.0, 2.0]  # exponential backoff
    assert caught.value.status == 500
    assert str(caught.value) == (
        f"{server.url('/body/0/papers/?page=2')}: Das Ratsinformationssystem antwortete mit "
        "HTTP 500, auch nach 4 Versuchen."
    )


@pytest.mark.parametrize("server", [{"invalid_json"}], indirect=True)
def test_invalid_json_names_the_url(server):
    with pytest.raises(OParlJSONError) as caught:
        run(server)
    assert caught.value.url == server.url("/body/0/papers/?page=2")
    assert "Die Antwort ist kein gültiges JSON (Zeile 1, Spalte " in str(caught.value)
    assert server.requests.count("/body/0/papers/?page=2") == 1  # not retried


@pytest.mark.parametrize("server", [{"slow"}], indirect=True)
def test_timeout_names_the_url(server):
    with (
        OParlClient(timeout=0.3, retries=1, backoff=0.01) as c,
        pytest.raises(OParlTimeoutError) as caught,
    ):
        walker.walk(server.url("/"), client=c)
    assert str(caught.value) == (
        f"{server.url('/body/0/papers/?page=2')}: Keine Antwort innerhalb von 0,3 Sekunden "
        "(2 Versuche)."
    )


def test_not_found_and_refused_connections(server):
    with client(retries=0) as c:
        with pytest.raises(OParlNotFoundError):
            c.get(server.url("/nothing"))
        with pytest.raises(OParlFormatError) as caught:
            walker.walk(server.url("/paper/1001"), client=c)
    assert str(caught.value) == (
        f"{server.url('/paper/1001')}: Keine OParl-Antwort wie erwartet: erwartet war ein "
        "OParl-System oder eine Körperschaft (Body), gefunden: Paper"
    )


def test_saved_files(tmp_path, server):
    """A saved Body goes on over HTTP; a saved list of objects is read offline."""
    body = tmp_path / "body.json"
    body.write_text(json.dumps(server.objects["/body/0"]), encoding="utf-8")
    assert references(run(server, str(body))) == MATCHING
    dump = tmp_path / "dump.json"
    objects = [server.objects[p] for kind in server.lists.values() for p in kind]
    dump.write_text(json.dumps({"data": objects}), encoding="utf-8")
    before = len(server.requests)
    result = run(server, str(dump))
    assert references(result) == MATCHING
    assert len(server.requests) == before  # nothing fetched
    broken = tmp_path / "broken.json"
    broken.write_text('{"id": "x", ', encoding="utf-8")
    with pytest.raises(OParlJSONError) as caught:
        run(server, str(broken))
    assert str(broken) in str(caught.value)


def test_several_bodies_are_chosen_by_ags():
    krefeld = vendor("krefeld-body")  # ags "051140000" (nine digits)
    leipzig = vendor("leipzig-body")
    w = walker.Walker(client=client(), ags="05114000")
    assert w.choose_body([leipzig, krefeld], "x")["name"] == "Stadt Krefeld"
    w = walker.Walker(client=client(), ags="05999001")
    with pytest.raises(OParlFormatError) as caught:
        w.choose_body([leipzig, krefeld], "https://ris.example/bodies")
    assert str(caught.value) == (
        "https://ris.example/bodies: Keine OParl-Antwort wie erwartet: das System hat mehrere "
        "Körperschaften (Stadt Krefeld, Stadt Leipzig), keine mit dem AGS 05999001; geben Sie "
        "stattdessen die Adresse der Körperschaft an"
    )
