"""Fuzzing the documentation importer with hypothesis (issue 11, "Fuzzing"):
the CSV/XLSX parser, the row validator and the upload page take arbitrary
text and bytes without a server error or an exception other than the
importer's own report; a rejected file writes nothing (no record, no rollup
cell, no audit entry, no preview on disk); an accepted one writes exactly its
rows, each within the rules; a kept preview reads back as the rows the file
gave, without their raw case codes."""

from __future__ import annotations

import datetime
import io

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from schulsozial.activities.activity_file import open_activity_file, open_pending
from schulsozial.activities.casecode import case_hash
from schulsozial.activities.importing import import_activities
from schulsozial.activities.models import Activity, ParticipantCount
from schulsozial.core.models import AuditEntry
from schulsozial.statistics.models import ROLLUP_MODELS

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
TODAY = timezone.localdate()
HEADERS = [
    "Datum",
    "Minuten",
    "Stunden",
    "Art",
    "Zielgruppe",
    "Schulnummer",
    "Themen",
    "Zugang",
    "Partner",
    "Folgetermin",
    "Stufe",
    "Teilnehmende",
    "weiblich",
    "männlich",
    "divers",
    "keine Angabe",
    "Fallcode",
    "Fachkraft",
    "Bemerkung",
    "",
    "Datum",  # twice: the parser must say so
]


def _day(offset: int) -> str:
    return (TODAY - datetime.timedelta(days=offset)).strftime("%d.%m.%Y")


# Cells that are each valid for some column, invalid for others, or at an edge.
CELLS = st.one_of(
    st.sampled_from(
        [
            "",
            " ",
            _day(1),
            _day(400),
            (TODAY + datetime.timedelta(days=1)).strftime("%d.%m.%Y"),
            "15.01.0001",
            "31.12.9999",
            "1999-12-31",
            "2000-01-01",
            "29.02.2023",
            "45",
            "1:30",
            "0",
            "721",
            "-5",
            "1e9",
            "NaN",
            "1,5",
            "counselling_pupil",
            "Einzelberatung Schüler/in",
            "individual",
            "group",
            "bullying, media",
            "ja",
            "nein",
            "x",
            "primary",
            "199000",
            "199001",
            "12345",
            "K17",
            '=HYPERLINK("x")',
            "Max Mustermann, 7b",
            "a" * 130,
            "\u202e\u200b",
            "\x00",
        ]
    ),
    st.text(max_size=20),
)


def _csv(header: list[str], rows: list[list[str]], delimiter: str = ";") -> bytes:
    lines = [delimiter.join(header)] + [delimiter.join(r) for r in rows]
    return "\n".join(lines).encode("utf-8", "replace")


def _xlsx(header: list[str], rows: list[list[str]]) -> bytes:
    book = openpyxl.Workbook()
    sheet = book.active
    for row in [header, *rows]:  # characters a workbook cannot hold are left out
        sheet.append([ILLEGAL_CHARACTERS_RE.sub("", c) for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


TABLES = st.tuples(
    st.lists(st.sampled_from(HEADERS), min_size=1, max_size=8, unique=False),
    st.lists(st.lists(CELLS, min_size=0, max_size=9), max_size=6),
)


def _state() -> tuple[int, ...]:
    """Everything an import may write."""
    return (
        Activity.objects.count(),
        ParticipantCount.objects.count(),
        AuditEntry.objects.filter(action="import").count(),
        *(model.objects.count() for model in ROLLUP_MODELS),
    )


# --------------------------------------------------------------------------- the parser


@FUZZ
@given(data=st.binary(max_size=3000), name=st.sampled_from(["x.csv", "x.xlsx", "x.xls", "x"]))
def test_the_parser_never_raises_on_arbitrary_bytes(data, name):
    stream = open_activity_file(data, filename=name)
    rows = list(stream.rows)
    assert stream.errors or rows
    for error in stream.errors:
        assert isinstance(error.reason, str) and error.reason


@FUZZ
@given(table=TABLES, xlsx=st.booleans(), delimiter=st.sampled_from([";", ",", "\t"]))
def test_parsed_rows_keep_the_rules_whatever_the_cells(table, xlsx, delimiter):
    header, rows = table
    data = _xlsx(header, rows) if xlsx else _csv(header, rows, delimiter)
    stream = open_activity_file(data, filename="x.xlsx" if xlsx else "x.csv")
    for row in stream.rows:
        assert isinstance(row.date, datetime.date)
        assert 1 <= row.minutes <= 720
        assert row.activity_type and row.target_group
        assert len(row.case_code) <= 40 and not row.case_hash
        assert all(0 <= n <= 2000 for n in row.by_gender.values())
        assert row.participants is None or 0 <= row.participants <= 2000
        assert not row.school or (len(row.school) == 6 and row.school.isdigit())


@FUZZ
@given(data=st.binary(max_size=2000))
def test_a_kept_preview_that_is_not_one_never_raises(data):
    stream = open_pending(data)
    list(stream.rows)
    assert stream.errors or stream.columns


# --------------------------------------------------------------------------- the validator


@pytest.mark.django_db
@FUZZ
@given(
    table=TABLES,
    xlsx=st.booleans(),
    carrier=st.booleans(),
)
def test_import_never_raises_and_writes_nothing_on_rejection(dw, world, table, xlsx, carrier):
    header, rows = table
    header = list(header)
    if carrier:
        header.append("Fachkraft")
        rows = [[*r, world.staff[0].label] for r in rows]
    data = _xlsx(header, rows) if xlsx else _csv(header, rows)
    by = world.users["carrier" if carrier else "worker"]
    before = _state()
    report = import_activities(
        data=data, filename="x.xlsx" if xlsx else "x.csv", by=by, dry_run=False
    )
    if not report.ok:
        assert _state() == before
        assert report.created == 0
        assert report.errors or report.unknown
        for error in report.errors:
            assert error.reason
        return
    assert report.created == report.rows
    assert _state()[0] == before[0] + report.created
    for activity in Activity.objects.filter(source="import"):
        assert datetime.date(2000, 1, 1) <= activity.date <= TODAY
        assert 1 <= activity.minutes <= 720


@pytest.mark.django_db
@FUZZ
@given(
    # "Fall-" occurs nowhere else in a preview, so a code found there is the code.
    codes=st.lists(st.text(max_size=35).map(lambda t: "Fall-" + t), min_size=1, max_size=5),
    extra=st.text(max_size=30).map(lambda t: "Bem-" + t),
)
def test_a_kept_preview_reads_back_as_the_rows_without_raw_codes(dw, world, codes, extra):
    def cell(text: str) -> str:
        return '"' + text.replace('"', '""') + '"'

    lines = ["Datum;Minuten;Art;Zielgruppe;Fallcode;Bemerkung"]
    for i, code in enumerate(codes):
        lines.append(
            f"{_day(i + 1)};{30 + i};counselling_pupil;individual;{cell(code)};{cell(extra)}"
        )
    data = "\n".join(lines).encode()
    parsed = list(open_activity_file(data, filename="x.csv").rows)
    if len(parsed) != len(codes):  # a code the parser refuses (e.g. a line break in it)
        return
    before = _state()
    report = import_activities(
        data=data, filename="x.csv", by=world.users["worker"], dry_run=True, keep_pending=True
    )
    assert _state() == before
    assert report.ok and report.pending is not None
    kept = list(open_pending(report.pending).rows)
    school = world.schools[0]
    for row, original in zip(kept, parsed, strict=True):
        assert (row.row, row.date, row.minutes) == (original.row, original.date, original.minutes)
        assert row.school == school.school_number and row.case_code == ""
        expected = case_hash(school_id=school.pk, code=original.case_code)
        assert row.case_hash == expected
    text = report.pending.decode()
    assert "Bemerkung" not in text and "Fall-" not in text and "Bem-" not in text


# --------------------------------------------------------------------------- the page


@pytest.mark.django_db
@FUZZ
@given(
    data=st.one_of(
        st.binary(max_size=2000),
        TABLES.map(lambda t: _csv(*t)),
        TABLES.map(lambda t: _xlsx(*t)),
    ),
    name=st.sampled_from(["doku.csv", "doku.xlsx", "../../etc/passwd", "ä.CSV"]),
)
def test_the_upload_page_never_gives_a_server_error(
    dw, world, client, data, name, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    client.force_login(world.users["worker"])
    upload = io.BytesIO(data)
    upload.name = name
    before = _state()
    response = client.post(reverse("activities:import"), {"file": upload})
    assert response.status_code == 200
    assert _state() == before  # a preview writes no record
    report = response.context.get("report", None)
    stored = [p for p in tmp_path.rglob("*") if p.is_file()]
    if report is None or report.errors:
        assert stored == []  # nothing kept of a rejected file
    else:
        assert len(stored) <= 1
