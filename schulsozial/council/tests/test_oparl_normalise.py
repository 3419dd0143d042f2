"""Normalising OParl objects as real servers send them (pure, no database)."""

from __future__ import annotations

import datetime as dt

from schulsozial.council.oparl import normalise as n
from schulsozial.council.tests.oparl_fixtures.server import spec, vendor


def no_warn(message: str) -> None:
    raise AssertionError(message)


def test_type_names_of_both_versions_and_the_old_namespace():
    for kind in (
        "https://schema.oparl.org/1.0/Paper",
        "https://schema.oparl.org/1.1/Paper",
        "http://oparl.org/schema/1.0/Paper",
        "https://schema.oparl.org/1.1/Paper/",
    ):
        assert n.type_name({"type": kind}) == "Paper"
    assert n.type_name({"id": "x", "deleted": True}) is None
    assert n.oparl_version(vendor("wuppertal-system")) == "1.0"
    assert n.oparl_version(spec("System-01")) == "1.1"


def test_placeholders_are_null():
    leipzig = vendor("leipzig-system")
    assert n.text(leipzig["name"]) is None  # "N/A"
    assert n.text(leipzig["website"]) is None
    body = n.normalise_body(vendor("leipzig-body"))
    assert body.name == "Stadt Leipzig"
    assert body.short_name is None  # ""
    assert body.version == "1.0"
    assert body.paper_list == "https://ratsinfo.leipzig.de/bi/oparl/1.0/papers.asp?body=2387"
    assert n.parse_datetime(vendor("leipzig-body")["created"]) is None  # created: ""
    assert n.as_list(vendor("wuppertal-body")["equivalent"]) == []  # [""]


def test_single_values_where_lists_are_due():
    assert n.refs("https://x.example/org/1") == ["https://x.example/org/1"]
    assert n.refs(["https://x.example/org/1", ""]) == ["https://x.example/org/1"]
    assert n.refs({"id": "https://x.example/org/1", "name": "Rat"}) == ["https://x.example/org/1"]
    bonn = vendor("bonn-meeting")  # auxiliaryFile is one object, downloadUrl ""
    files = n.paper_files(bonn)
    assert [f.name for f in files] == ["Alle Anlagen öffentlich"]
    assert files[0].download_url is None
    assert files[0].size == 553767
    assert files[0].date == dt.date(2021, 4, 28)  # a date-time where a date is due


def test_dates_and_datetimes():
    assert n.parse_date("2014-04-04") == dt.date(2014, 4, 4)
    # 23:30 UTC on 31 March is 1 April in Germany
    assert n.parse_date("2026-03-31T23:30:00+00:00") == dt.date(2026, 4, 1)
    assert n.parse_date("N/A") is None
    assert n.parse_date("04.04.2014") is None
    naive = n.parse_datetime("2024-01-02T10:00:00")
    assert naive is not None and naive.utcoffset() == dt.timedelta(hours=1)


def test_spec_paper_with_its_meeting_and_organization():
    meeting = spec("Meeting-01")
    organization = spec("Organization-01")
    paper = dict(spec("Paper-01"))
    consultation = dict(paper["consultation"][0])
    consultation["meeting"] = meeting["id"]
    consultation["organization"] = organization["id"]  # one URL (not a list)
    consultation["agendaItem"] = meeting["agendaItem"][0]["id"]
    paper["consultation"] = [consultation]
    result = n.normalise_paper(
        paper,
        meetings={meeting["id"]: meeting},
        organizations={organization["id"]: organization},
        warn=no_warn,
    )
    assert result.oparl_id == "https://oparl.example.org/paper/749"
    assert result.reference == "1234/2014"
    assert result.title == "Antwort auf Anfrage 1200/2014"
    assert result.paper_type == "Beantwortung einer Anfrage"
    assert result.date == dt.date(2014, 4, 4)
    assert result.modified == dt.datetime(2013, 1, 8, 11, 5, 27, tzinfo=dt.UTC)
    (step,) = result.consultations
    assert step.committee == "Ausschuss für Haushalt und Finanzen"
    assert step.committee_short_name == "Finanzausschuss"
    assert step.date == dt.date(2013, 1, 4)  # from the meeting's start
    assert step.role == "Beschlussfassung"
    assert step.result == "Geändert beschlossen"  # the meeting's agenda item
    assert step.authoritative is False
    assert [f.file_name for f in result.files] == ["anlage_1_zur_anfrage.pdf", "anlage.pdf"]
    assert result.files[0].main is True


def test_consultation_without_organization_takes_the_meetings():
    meeting = spec("Meeting-01")
    organization = spec("Organization-01")
    step = n.normalise_consultation(
        {"id": "c1", "meeting": meeting["id"], "organization": ""},
        meetings={meeting["id"]: meeting},
        organizations={organization["id"]: organization},
        warn=no_warn,
    )
    assert step.committee == "Ausschuss für Haushalt und Finanzen"


def test_dangling_links_leave_the_consultation_without_committee():
    wuppertal = vendor("wuppertal-meeting")  # organizations in no list
    step = n.normalise_consultation(
        {"id": "c1", "meeting": wuppertal["id"], "role": "Vorberatung"},
        meetings={wuppertal["id"]: wuppertal},
        organizations={},
        warn=no_warn,
    )
    assert step.committee is None
    assert step.committee_oparl_id == wuppertal["organization"][0]
    assert step.date == dt.date(2020, 9, 29)


def test_lists_pages_and_deleted_objects():
    assert n.list_items([]) == []
    assert n.list_items({"data": [{"id": "a"}], "links": {}}) == [{"id": "a"}]
    assert n.list_items({"id": "a", "type": "https://schema.oparl.org/1.0/Body"}) is None
    assert n.next_page({"data": [], "links": {"next": "https://x/?page=2"}}) == "https://x/?page=2"
    assert n.next_page({"data": [], "links": {"next": ""}}) is None
    assert n.page_numbers({"pagination": {"currentPage": "2", "totalPages": 5}}) == (2, 5)
    assert n.is_deleted({"id": "x", "deleted": True})
    assert not n.is_deleted(vendor("bonn-meeting"))  # deleted: false


def test_keywords_ignore_case():
    assert n.matches_keywords("Ausbau der SCHULSOZIALARBEIT", ["Schulsozialarbeit"])
    assert n.matches_keywords("Ganztag und Jugendhilfe", ["schulsozialarbeit", "ganztag"])
    assert not n.matches_keywords("Haushaltssatzung 2025", ["Schulsozialarbeit"])
