"""The OParl import into the database, against the fake OParl server:
first and incremental runs, matching by reference, every quirk at once,
and failures that write nothing (with German messages naming the URL)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.utils import timezone

from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry
from schulsozial.council import services
from schulsozial.council.models import Committee, Consultation, OParlRun, OParlSource, Paper
from schulsozial.council.oparl import importing
from schulsozial.council.oparl.client import OParlClient
from schulsozial.council.tests.oparl_fixtures.server import FakeOParl
from schulsozial.masterdata.models import Municipality

TOLERATED = {
    "v1.0",
    "placeholders",
    "org_string",
    "aux_object",
    "bare_list",
    "empty_bare",
    "body_object",
    "deleted",
    "dangling",
    "consultation_urls",
    "flaky",
    "drop_since",
    "pagination_only",
}


@pytest.fixture
def town(db):
    return Municipality.objects.create(ags="05999001", name="Teststadt")


def fast_client() -> OParlClient:
    return OParlClient(timeout=0.5, retries=2, backoff=0.01)


def import_once(town, url: str, keywords=None, full: bool = False) -> OParlRun:
    run = importing.run_create(
        municipality_id=town.pk, url=url, keywords=keywords, by=SYSTEM, full=full
    )
    return importing.run_import(run.pk, by=SYSTEM, client_factory=fast_client)


def beratungsfolge(paper: Paper) -> list[tuple]:
    return [
        (c.committee.name, c.date, c.role, c.result)
        for c in paper.consultations.select_related("committee").order_by("order")
    ]


def test_first_run_imports_the_matching_papers_with_their_consultations(town):
    with FakeOParl() as server:
        run = import_once(town, server.url("/"))
    assert run.status == OParlRun.Status.DONE, run.error
    assert (run.created, run.updated, run.unchanged, run.seen) == (4, 0, 0, 6)
    papers = Paper.objects.filter(municipality=town).order_by("reference")
    assert [p.reference for p in papers] == ["2024/0417", "2024/0533", "2024/0711", "A 17/2024"]
    paper = papers[0]
    assert paper.title == "Sachstandsbericht Schulsozialarbeit 2023/24"
    assert paper.paper_type.name == "Berichtsvorlage"
    assert paper.date == dt.date(2024, 3, 1)
    assert paper.oparl_id == server.url("/paper/1001")
    assert paper.oparl_modified == dt.datetime(2024, 3, 1, 9, 0, tzinfo=dt.UTC)
    assert paper.web_url == "https://ris.example.org/vo020?VOLFDNR=1001"
    assert paper.lead_department == "Ausschuss für Kinder, Jugend und Familie"
    assert paper.status == Paper.Status.PUBLIC
    assert beratungsfolge(paper) == [
        (
            "Ausschuss für Kinder, Jugend und Familie",
            dt.date(2024, 2, 20),
            Consultation.Role.INFORMATION,
            "zur Kenntnis genommen",
        ),
        (
            "Ausschuss für Haushalt und Finanzen",
            dt.date(2024, 3, 12),
            Consultation.Role.DECISION,
            "einstimmig beschlossen",
        ),
    ]
    assert set(Committee.objects.filter(municipality=town).values_list("name", flat=True)) == {
        "Ausschuss für Kinder, Jugend und Familie",
        "Ausschuss für Haushalt und Finanzen",
    }
    source = OParlSource.objects.get(municipality=town)
    assert source.last_success_at == run.started_at
    assert source.body_name == "Stadt Köln, kreisfreie Stadt"
    entry = AuditEntry.objects.filter(object_type="council.oparlrun").get()
    assert entry.action == AuditEntry.Action.IMPORT
    assert entry.changes["created"] == ["2024/0417", "2024/0533", "A 17/2024", "2024/0711"]


def test_second_run_adds_nothing_and_updates_what_changed(town):
    with FakeOParl() as server:
        first = import_once(town, server.url("/"))
        second = import_once(town, server.url("/"))
        assert second.modified_since == first.started_at
        assert (second.created, second.updated, second.seen) == (0, 0, 0)
        since_requests = [r for r in server.requests if "modified_since=" in r]
        assert since_requests and since_requests[0].startswith("/body/0/papers/?modified_since=")
        server.change_paper(1002, name="Rahmenkonzept Schulsozialarbeit – Fassung 2025")
        server.add_paper(1006, "2024/0800", "Personalbedarf der Schulsozialarbeit")
        third = import_once(town, server.url("/"))
        full = import_once(town, server.url("/"), full=True)
    assert (third.created, third.updated, third.unchanged, third.seen) == (1, 1, 0, 2)
    assert Paper.objects.get(reference="2024/0533").title == (
        "Rahmenkonzept Schulsozialarbeit – Fassung 2025"
    )
    assert (full.created, full.updated, full.unchanged) == (0, 0, 5)
    assert Paper.objects.filter(municipality=town).count() == 5


def test_existing_paper_is_matched_by_reference(town):
    existing = services.paper_create(
        municipality_id=town.pk,
        data={"reference": "2024 / 0417", "title": "Sachstandsbericht (von Hand)"},
        by=SYSTEM,
    )
    with FakeOParl() as server:
        run = import_once(town, server.url("/"))
    assert (run.created, run.updated) == (3, 1)
    existing.refresh_from_db()
    assert existing.oparl_id == server.url("/paper/1001")
    assert existing.title == "Sachstandsbericht Schulsozialarbeit 2023/24"
    assert Paper.objects.filter(municipality=town).count() == 4


def test_every_tolerated_quirk_at_once(town):
    with FakeOParl(quirks=TOLERATED) as server:
        run = import_once(town, server.url("/"))
    assert run.status == OParlRun.Status.DONE, run.error
    assert run.created == 4
    assert run.deleted == 2
    paper = Paper.objects.get(reference="A 17/2024")
    assert paper.paper_type is None and paper.date is None and paper.web_url == ""
    assert beratungsfolge(paper) == [
        (
            "Ausschuss für Kinder, Jugend und Familie",
            dt.date(2024, 2, 20),
            Consultation.Role.HEARING,
            "zur Kenntnis genommen",
        ),
        ("Integrationsrat", None, Consultation.Role.PRELIMINARY, ""),
    ]
    assert run.warnings == [
        f"{server.url('/meeting/404')}: Das verknüpfte Objekt fehlt (HTTP 404); ohne es importiert."
    ]


@pytest.mark.parametrize(
    ("quirk", "message"),
    [
        (
            "broken",
            "{url}: Das Ratsinformationssystem antwortete mit HTTP 500, auch nach 3 Versuchen.",
        ),
        ("invalid_json", "{url}: Die Antwort ist kein gültiges JSON ("),
        ("slow", "{url}: Keine Antwort innerhalb von 0,5 Sekunden (3 Versuche)."),
    ],
)
def test_failures_write_nothing(town, quirk, message):
    with FakeOParl() as server:
        first = import_once(town, server.url("/"))
        server.change_paper(1001, name="Sachstandsbericht Schulsozialarbeit, geändert")
        server.add_paper(1006, "2024/0800", "Personalbedarf der Schulsozialarbeit")
        server.quirks.add(quirk)
        server.page_size = 1  # the changed papers are on page 1, the failure on page 2
        before = list(Paper.objects.values_list("reference", "title", "oparl_modified"))
        failed = import_once(town, server.url("/"), full=True)
    assert failed.status == OParlRun.Status.FAILED
    expected = message.format(url=server.url("/body/0/papers/?page=2"))
    assert failed.error.startswith(expected), failed.error
    assert list(Paper.objects.values_list("reference", "title", "oparl_modified")) == before
    assert (failed.created, failed.updated) == (0, 0)
    assert OParlSource.objects.get().last_success_at == first.started_at


def test_a_failing_write_rolls_back_the_whole_run(town, monkeypatch):
    calls = []
    real = services.paper_upsert

    def upsert(**kwargs):
        calls.append(kwargs["data"]["reference"])
        if len(calls) == 3:
            raise ValidationError({"title": "Der Betreff ist zu lang."})
        return real(**kwargs)

    monkeypatch.setattr(services, "paper_upsert", upsert)
    with FakeOParl() as server:
        run = import_once(town, server.url("/"))
    assert run.status == OParlRun.Status.FAILED
    assert run.error == (
        f"{server.url('/paper/1004')}: Die Vorlage kann nicht gespeichert werden: "
        "Der Betreff ist zu lang."
    )
    assert not Paper.objects.exists()
    assert not Committee.objects.exists()
    assert OParlSource.objects.get().last_success_at is None


def test_unreachable_system(town):
    run = import_once(town, "http://127.0.0.1:9/")
    assert run.status == OParlRun.Status.FAILED
    assert run.error.startswith(
        "http://127.0.0.1:9/: Das Ratsinformationssystem ist nicht erreichbar"
    )


def test_command_imports_and_reports_in_german(town):
    out, err = StringIO(), StringIO()
    with FakeOParl(quirks={"dangling"}) as server:
        call_command(
            "import_oparl",
            server.url("/"),
            "--municipality",
            "05999001",
            "--keyword",
            "Grundschulen",
            "--keyword",
            "Ganztag",
            "--timeout",
            "2",
            stdout=out,
            stderr=err,
        )
        call_command(
            "import_oparl",
            server.url("/"),
            "--municipality=05999001",
            "--keyword=Ganztag",
            "--keyword=Grundschulen",
            stdout=out,
            stderr=err,
        )
    lines = out.getvalue().splitlines()
    assert lines[0] == (
        "Teststadt, Stadt Köln, kreisfreie Stadt: 6 Vorlagen gelesen, 2 neu, "
        "0 geändert, 0 unverändert"
    )
    assert lines[1].startswith("Nur Vorlagen, die seit ")
    assert lines[1].endswith(" geändert wurden (letzter erfolgreicher Lauf).")
    assert lines[2] == (
        "Teststadt, Stadt Köln, kreisfreie Stadt: 0 Vorlagen gelesen, 0 neu, "
        "0 geändert, 0 unverändert"
    )
    assert "Warnung: " in err.getvalue()
    assert sorted(Paper.objects.values_list("reference", flat=True)) == ["2024/0711", "A 17/2024"]


def test_command_failure_in_german(town):
    with FakeOParl(quirks={"invalid_json"}) as server, pytest.raises(CommandError) as caught:
        call_command(
            "import_oparl", server.url("/"), "--municipality", "05999001", stdout=StringIO()
        )
    assert str(caught.value).startswith(
        f"Nichts wurde importiert. {server.url('/body/0/papers/?page=2')}: "
        "Die Antwort ist kein gültiges JSON (Zeile 1, Spalte"
    )
    assert not Paper.objects.exists()
    with pytest.raises(CommandError) as caught:
        call_command("import_oparl", "x.json", "--municipality", "01234567")
    assert str(caught.value) == "Keine Kommune mit dem AGS 01234567."


def test_role_words():
    role = importing.role_code
    assert role("Vorberatung", False) == Consultation.Role.PRELIMINARY
    assert role("Beratung", None) == Consultation.Role.DELIBERATION
    assert role("Beschlussfassung", False) == Consultation.Role.DECISION
    assert role("Entscheidung", None) == Consultation.Role.DECISION
    assert role("Kenntnisnahme", None) == Consultation.Role.INFORMATION
    assert role("Anhörung", None) == Consultation.Role.HEARING
    assert role(None, True) == Consultation.Role.DECISION
    assert role("Zuständig", None) == Consultation.Role.OTHER
    assert role(None, None) == ""


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    return tmp_path


def stored_files(media) -> list[str]:
    return sorted(p.name for p in media.rglob("*") if p.is_file())


def test_files_are_attached_once_and_checked_like_uploads(town, media):
    from schulsozial.council.models import PaperAttachment

    with FakeOParl(quirks={"file_errors"}) as server:
        run = importing.run_create(
            municipality_id=town.pk, url=server.url("/"), keywords=None, by=SYSTEM
        )
        run = importing.run_import(run.pk, by=SYSTEM, client_factory=fast_client, files=True)
        assert run.status == OParlRun.Status.DONE, run.error
        again = importing.run_create(
            municipality_id=town.pk, url=server.url("/"), keywords=None, by=SYSTEM, full=True
        )
        again = importing.run_import(again.pk, by=SYSTEM, client_factory=fast_client, files=True)
    attachments = PaperAttachment.objects.order_by("paper__reference", "name")
    assert [(a.paper.reference, a.name, a.content_type) for a in attachments] == [
        ("2024/0417", "Vorlage 2024/0417", "application/pdf"),
        ("2024/0533", "Anlage 1", "application/pdf"),
        ("2024/0711", "Anlage 1", "application/pdf"),
        ("2024/0711", "Vorlage 2024/0711", "application/pdf"),
        ("A 17/2024", "Anlage 1", "application/pdf"),
        ("A 17/2024", "Vorlage A 17/2024", "application/pdf"),
    ]
    assert attachments[0].oparl_id == server.url("/files/1001")
    assert attachments[0].file.read().startswith(b"%PDF-1.4")
    assert importing.run_files(run) == 6
    assert run.warnings == [
        "Eine Datei der Vorlage 2024/0417 wurde nicht übernommen: "
        f"{server.url('/files/1001-1.pdf')}: Das Ratsinformationssystem antwortete mit HTTP 404.",
        f"{server.url('/files/1002.pdf')}: Die Datei der Vorlage 2024/0533 wurde nicht "
        "übernommen: Der Inhalt von „anlage_1_zur_anfrage.pdf“ ist keine PDF-Datei.",
    ]
    # the second run attaches nothing twice (and tries the failed ones again)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 4)
    assert PaperAttachment.objects.count() == 6
    assert len(stored_files(media)) == 6


def test_a_failed_run_leaves_no_files_behind(town, media, monkeypatch):
    real = services.paper_upsert
    calls = []

    def upsert(**kwargs):
        calls.append(1)
        if len(calls) == 4:
            raise ValidationError("kaputt")
        return real(**kwargs)

    monkeypatch.setattr(services, "paper_upsert", upsert)
    with FakeOParl() as server:
        run = importing.run_create(
            municipality_id=town.pk, url=server.url("/"), keywords=None, by=SYSTEM
        )
        run = importing.run_import(run.pk, by=SYSTEM, client_factory=fast_client, files=True)
    assert run.status == OParlRun.Status.FAILED
    assert not Paper.objects.exists()
    assert stored_files(media) == []


def test_a_paper_deleted_in_the_council_system_is_marked_and_kept(town, client):
    from django.urls import reverse

    from schulsozial.accounts.models import Role
    from schulsozial.testing.personas import make_user

    with FakeOParl() as server:
        import_once(town, server.url("/"))
        paper = Paper.objects.get(municipality=town, reference="2024/0417")
        steps = beratungsfolge(paper)
        kept = dict(server.objects["/paper/1001"])
        server.objects["/paper/1001"] = {
            "id": server.url("/paper/1001"),
            "deleted": True,
            "modified": dt.datetime.now(dt.UTC).isoformat(),
        }
        second = import_once(town, server.url("/"))
        paper.refresh_from_db()
        assert second.status == OParlRun.Status.DONE, second.error
        assert second.deleted == 1
        assert paper.deleted_at_source is not None
        marked_at = paper.deleted_at_source
        assert beratungsfolge(paper) == steps  # nothing local is deleted
        entry = AuditEntry.objects.filter(
            object_type="council.paper", object_id=str(paper.pk), action="update"
        ).latest("pk")
        assert entry.changes == {"deleted_at_source": [None, marked_at.isoformat()]}
        assert importing.run_papers(second) == [("deleted_at_source", "2024/0417", paper)]
        # a later full run keeps the first date
        import_once(town, server.url("/"), full=True)
        paper.refresh_from_db()
        assert paper.deleted_at_source == marked_at

        coordinator = make_user("koordination.oparl", Role.COORDINATION, municipality=town)
        client.force_login(coordinator)
        day = timezone.localtime(marked_at).strftime("%d.%m.%Y")
        page = client.get(reverse("council:paper_detail", args=[paper.pk])).content.decode()
        assert "Das Ratsinformationssystem hat diese Vorlage am" in page
        assert f"im Ratsinformationssystem gelöscht am {day}" in page
        listing = client.get(reverse("council:paper_list")).content.decode()
        assert f"im Ratsinformationssystem gelöscht am {day}" in listing
        assert listing.count("im Ratsinformationssystem gelöscht am") == 1

        # the council system has it again: the mark goes
        kept["modified"] = dt.datetime.now(dt.UTC).isoformat()
        server.objects["/paper/1001"] = kept
        again = import_once(town, server.url("/"))
        paper.refresh_from_db()
        assert paper.deleted_at_source is None
        assert "2024/0417" in [ref for kind, ref, _p in importing.run_papers(again)]
