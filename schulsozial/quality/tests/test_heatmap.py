"""The overview of the standards (heat map): averages against a hand
computation, scoping per role, the committee's published figures, exports
and the annual-report summary read back, the SVG's accessible cells."""

from __future__ import annotations

import csv
import io
import itertools
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from schulsozial.core.models import AuditEntry
from schulsozial.masterdata.models import SchoolYear
from schulsozial.quality import heatmap, selectors
from schulsozial.quality.models import EvaluationPerspective, Rating, SelfEvaluation

from .factories import framework

pytestmark = pytest.mark.django_db
ST = SelfEvaluation.Status


def build(world, school, values, *, status=ST.CO_SIGNED, year=None, drafts=()):
    """A self-evaluation with ratings written directly: values is
    {perspective: [ST-01, ST-02, ST-03]} (None: not applicable)."""
    version = framework(world)
    evaluation = SelfEvaluation.objects.create(
        school=school, school_year=year or world.year, framework_version=version, status=status
    )
    standards = list(version.standards.order_by("position", "code"))
    for perspective, row in values.items():
        EvaluationPerspective.objects.create(
            evaluation=evaluation,
            perspective=perspective,
            submitted_at=None if perspective in drafts else timezone.now(),
        )
        for standard, value in zip(standards, row, strict=True):
            Rating.objects.create(
                evaluation=evaluation,
                perspective=perspective,
                standard=standard,
                value=value,
                not_applicable=value is None,
                not_applicable_reason="entfällt" if value is None else "",
            )
    return evaluation


def test_pure_averages_and_ranking():
    points = [
        heatmap.Point("A", 1, "2025/26", "worker", 4),
        heatmap.Point("A", 1, "2025/26", "school", 3),
        heatmap.Point("A", 2, "2025/26", "worker", 1),
        heatmap.Point("B", 1, "2025/26", "worker", 2),
    ]
    grid = heatmap.build(points, standards=["A", "B"], schools=[1, 2])
    assert grid.cell("A", 1) == Decimal("3.50")
    assert grid.cell("A", 2) == Decimal("1.00")
    assert grid.cell("B", 2) is None
    # every school weighs the same: (3.5 + 1) / 2, not (4 + 3 + 1) / 3
    assert grid.town == {"A": Decimal("2.25"), "B": Decimal("2.00")}
    assert heatmap.ranked(grid.town, count=1) == ["B"]
    assert heatmap.ranked(grid.town, count=1, weakest=False) == ["A"]
    only_school = heatmap.build(points, standards=["A"], schools=[1, 2], perspective="school")
    assert only_school.town == {"A": Decimal("3.00")}


def test_colour_scale_contrast_and_bands():
    for fill in heatmap.HEAT_COLOURS:
        assert heatmap.contrast(fill, heatmap.text_colour(fill)) >= 4.5
    assert heatmap.fill_for(Decimal(1), 4) == heatmap.HEAT_COLOURS[0]
    assert heatmap.fill_for(Decimal(4), 4) == heatmap.HEAT_COLOURS[-1]
    assert heatmap.fill_for(None, 4) == heatmap.EMPTY_FILL


def test_heatmap_averages_equal_hand_computation(world):
    s0, s1, s2 = world.schools[:3]
    build(world, s0, {"worker": [4, 3, None], "school": [2, 3, 2]})
    build(world, s1, {"worker": [1, 2, 3]})
    # a draft perspective and a draft evaluation never count
    build(
        world,
        s2,
        {"worker": [4, 4, 4], "carrier": [1, 1, 1]},
        drafts=("carrier",),
        status=ST.SUBMITTED,
    )
    build(world, world.schools[3], {"worker": [1, 1, 1]}, status=ST.DRAFT)
    view = selectors.heatmap_view(user=world.users["coordinator"], school_year=world.year)
    cell = view.grid.cell
    assert cell("ST-01", s0.pk) == Decimal("3.00")  # (4 + 2) / 2
    assert cell("ST-03", s0.pk) == Decimal("2.00")  # not applicable left out: only 2
    assert cell("ST-01", s2.pk) == Decimal("4.00")  # carrier draft left out
    assert cell("ST-01", world.schools[3].pk) is None
    # town: mean of the school cells
    assert view.town["ST-01"] == Decimal("2.67")  # (3 + 1 + 4) / 3
    assert view.town["ST-02"] == Decimal("3.00")  # (3 + 2 + 4) / 3
    assert view.town["ST-03"] == Decimal("3.00")  # (2 + 3 + 4) / 3
    assert view.weakest[0] == "ST-01"
    worker_only = selectors.heatmap_view(
        user=world.users["coordinator"], school_year=world.year, perspective="worker"
    )
    assert worker_only.grid.cell("ST-01", s0.pk) == Decimal("4.00")


def test_heatmap_scoping_per_role(world):
    s0, s1, s2, s3 = world.schools[:4]
    for school in (s0, s1, s2, s3):
        build(world, school, {"worker": [3, 3, 3]})
    shown = {
        name: {
            s.pk
            for s in selectors.heatmap_view(user=world.users[name], school_year=world.year).schools
        }
        for name in ("coordinator", "carrier", "worker", "worker2", "principal", "committee")
    }
    assert shown["coordinator"] == {s0.pk, s1.pk, s2.pk, s3.pk}
    assert shown["carrier"] == {s0.pk, s1.pk, s2.pk}
    assert shown["worker"] == {s0.pk}
    assert shown["principal"] == {s0.pk}
    assert shown["worker2"] == {s2.pk}
    assert shown["committee"] == set()
    assert selectors.heatmap_view(user=world.users["committee"], school_year=world.year).town


def test_committee_sees_only_published_town_averages(world, client_for):
    s0, s1, s2 = world.schools[:3]
    build(world, s0, {"worker": [4, 2, 3]})
    build(world, s1, {"worker": [2, 2, None]})
    build(world, s2, {"worker": [3, 2, None]}, status=ST.SUBMITTED)  # not published
    committee = world.users["committee"]
    view = selectors.heatmap_view(user=committee, school_year=world.year)
    assert view.published_only and not view.schools
    assert view.town == {}  # only two co-signed schools: below PUBLISHED_MIN_SCHOOLS
    build(world, world.schools[3], {"worker": [1, 2, 3]})
    view = selectors.heatmap_view(user=committee, school_year=world.year)
    assert view.town["ST-01"] == Decimal("2.33")  # (4 + 2 + 1) / 3
    assert "ST-03" in view.withheld  # rated by two co-signed schools only
    html = client_for("committee").get(reverse("quality:heatmap")).content.decode()
    assert "Testschule" not in html
    assert "2,33" in html
    assert 'data-published-only="yes"' in html


def test_heatmap_page_svg_prints_numbers(world, client_for):
    build(world, world.schools[0], {"worker": [4, 3, 1]})
    html = client_for("coordinator").get(reverse("quality:heatmap")).content.decode()
    assert 'role="img"' in html and "<svg" in html
    assert 'data-cell="ST-01"' in html
    assert ">4<" in html and ">1<" in html  # the number inside each cell
    assert 'data-table="heatmap"' in html
    assert "Übersicht der Standards" in html
    assert "Schwächste Standards" in html


def test_trend_over_school_years(world):
    before = (
        SchoolYear.objects.create(
            code=f"{world.year.start.year - 1}/{str(world.year.start.year)[2:]}",
            start=world.year.start.replace(year=world.year.start.year - 1),
            end=world.year.start.replace(day=world.year.start.day) - timezone.timedelta(days=1),
        )
        if not SchoolYear.objects.filter(start__lt=world.year.start).exists()
        else (SchoolYear.objects.filter(start__lt=world.year.start).order_by("-start").first())
    )
    build(world, world.schools[0], {"worker": [2, 2, 2]}, year=before)
    build(world, world.schools[0], {"worker": [3, 1, 2]})
    view = selectors.heatmap_view(user=world.users["coordinator"], school_year=world.year)
    assert view.trend["ST-01"][-2:] == [
        (before.code, Decimal("2.00")),
        (world.year.code, Decimal("3.00")),
    ]
    assert heatmap.change(view.trend["ST-02"]) == Decimal("-1.00")
    summary = selectors.annual_summary(user=world.users["coordinator"], school_year=world.year)
    assert [c for c, _d in summary.improved] == ["ST-01"]
    assert [c for c, _d in summary.declined] == ["ST-02"]


def test_heatmap_exports_read_back_and_audited(world, client_for):
    import openpyxl

    build(world, world.schools[0], {"worker": [4, 3, 2], "school": [3, 3, 2]})
    client = client_for("coordinator")
    response = client.get(reverse("quality:heatmap_export", args=["csv"]))
    assert response.status_code == 200
    assert "uebersicht-standards" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    header = next(r for r in rows if r and r[0] == "Schule")
    assert header[1].startswith("ST-01")
    school_row = next(r for r in rows if r and r[0] == "Testschule 0")
    assert school_row[1] in ("3,5", "3,50", "3.50")
    assert AuditEntry.objects.filter(
        action="export", object_type="Übersicht der Standards"
    ).exists()
    response = client.get(reverse("quality:heatmap_export", args=["xlsx"]))
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    values = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    found = next(r for r in values if r and r[0] == "Testschule 0")
    assert Decimal(str(found[1])) == Decimal("3.5")


def test_annual_summary_page_and_docx(world, client_for):
    import docx

    build(world, world.schools[0], {"worker": [4, 3, 1]})
    client = client_for("coordinator")
    html = client.get(reverse("quality:annual_summary")).content.decode()
    assert "Zusammenfassung für den Jahresbericht" in html
    assert "umfasst der Qualitätszyklus 4 Schulen" in html
    assert "Schwächste Standards: ST-03" in html
    assert 'data-step="co_signed"' in html
    response = client.get(reverse("quality:annual_summary_docx"))
    assert response.status_code == 200
    document = docx.Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    assert "Qualitätszyklus" in text and "Schwächste Standards: ST-03" in text
    cells = [c.text for t in document.tables for row in t.rows for c in row.cells]
    assert "ST-01 Erreichbarkeit an der Schule" in cells
    assert "4,00" in cells
    assert AuditEntry.objects.filter(action="export", changes__format="DOCX").exists()
    assert client_for("worker").get(reverse("quality:annual_summary")).status_code == 403


def _earlier_year(world):
    found = SchoolYear.objects.filter(start__lt=world.year.start).order_by("-start").first()
    return found or SchoolYear.objects.create(
        code=f"{world.year.start.year - 1}/{str(world.year.start.year)[2:]}",
        start=world.year.start.replace(year=world.year.start.year - 1),
        end=world.year.start - timezone.timedelta(days=1),
    )


def test_trend_chart_axis_reaches_above_the_highest_average(world, client_for):
    """The y-axis of the trend chart covers every value with round ticks: the
    averages 3,67 and 3,33 lie below the top tick (the old axis ended at 3)."""
    import re

    build(world, world.schools[0], {"worker": [3, 3, 4]}, year=_earlier_year(world))
    build(world, world.schools[0], {"worker": [4, 4, 3]})
    html = client_for("coordinator").get(reverse("quality:heatmap")).content.decode()
    chart = html.split('id="trend-head"', 1)[1].split("</svg>", 1)[0]
    assert "Durchschnitt aller Standards je Schuljahr" in chart
    ticks = [
        (float(y), float(label.replace(",", ".")))
        for y, label in re.findall(
            r'<text x="[\d.]+" y="([\d.]+)"[^>]*text-anchor="end"[^>]*>([\d,]+)</text>', chart
        )
    ]
    points = [float(cy) for cy in re.findall(r'<circle cx="[\d.]+" cy="([\d.]+)"', chart)]
    assert len(points) == 2
    top_y, top_value = min(ticks)
    assert top_value >= 3.67
    assert top_y - 4 <= min(points)  # the label sits 4 px below its grid line
    values = sorted(v for _y, v in ticks)
    steps = {round(b - a, 2) for a, b in itertools.pairwise(values)}
    assert len(steps) == 1 and steps.pop() in (0.5, 1.0)
    # the last school year's label (centred on its point, about 45 px wide at
    # 11 px) is not cut off at the right edge of the chart
    width = float(re.search(r'viewBox="0 0 ([\d.]+) ', chart).group(1))
    labels = re.findall(
        r'<text x="([\d.]+)" y="[\d.]+"[^>]*text-anchor="middle"[^>]*>(\d{4}/\d\d)<', chart
    )
    assert len(labels) == 2
    assert float(labels[-1][0]) + 25 <= width


def test_heatmap_tables_align_number_headers_with_their_numbers(world, client_for):
    import re

    build(world, world.schools[0], {"worker": [3, 3, 4]}, year=_earlier_year(world))
    build(world, world.schools[0], {"worker": [4, 4, 3]})
    coordinator = client_for("coordinator")
    html = coordinator.get(reverse("quality:heatmap")).content.decode()
    summary = coordinator.get(reverse("quality:annual_summary")).content.decode()
    tables = re.findall(r"<table.*?</table>", html + summary, re.S)
    assert len(tables) >= 4
    for table in tables:
        heads = re.findall(r'<th scope="col" class="([^"]*)"[^>]*>([^<]*)</th>', table)
        first_row = re.search(r"<tbody[^>]*>\s*<tr[^>]*>(.*?)</tr>", table, re.S).group(1)
        cells = re.findall(r'<t([hd]) (?:scope="row" )?class="([^"]*)"', first_row)
        assert len(heads) == len(cells)
        for (head, text), (_tag, cell) in zip(heads, cells, strict=True):
            if "--numeric" in cell:
                assert "kern-table__header--numeric" in head, text


def test_exports_name_their_school_year_and_what_the_figures_are(world, client_for):
    """Opened (or printed) without its file name, an export must still say
    which school year it shows (the page's school-year filter, also when the
    default year is shown); the heat map holds averages, not a list of
    individual records."""
    import openpyxl

    build(world, world.schools[0], {"worker": [4, 3, 2]})
    client = client_for("coordinator")
    for name, expected in (
        ("heatmap_export", "Übersicht der Standards"),
        ("cycle_export", "QM-Zyklus"),
    ):
        response = client.get(reverse(f"quality:{name}", args=["xlsx"]))
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        notes = {row[0].value: row[1].value for row in book["Hinweise"].iter_rows()}
        assert notes["Titel"] == expected
        assert notes["Filter"].startswith(f"Schuljahr: {world.year.code}")
    response = client.get(reverse("quality:heatmap_export", args=["xlsx"]))
    notes = {
        row[0].value: row[1].value
        for row in openpyxl.load_workbook(io.BytesIO(response.content))["Hinweise"].iter_rows()
    }
    assert notes["Geschützt (Geheimhaltung)"].startswith("nein: genaue Zahlen")


def test_no_standard_is_listed_as_weakest_and_strongest_at_once():
    """Five standards and lists of three overlapped: ST-02 at 3,00 was one of
    the weakest and one of the strongest. Each list takes at most half."""
    town = {
        "ST-01": Decimal("2.71"),
        "ST-02": Decimal("3.00"),
        "ST-03": Decimal("2.43"),
        "ST-04": Decimal("3.00"),
        "ST-05": Decimal("3.43"),
    }
    weakest = heatmap.ranked(town, count=3, weakest=True)
    strongest = heatmap.ranked(town, count=3, weakest=False)
    assert weakest == ["ST-03", "ST-01"]
    assert strongest == ["ST-05", "ST-02"]
    assert heatmap.ranked({"ST-01": Decimal("3")}, count=3) == []
