"""The weekly grid (issue 13): it shows what the social worker has already
recorded in the week, takes several topics per row, names the days in German,
never shows catalogue codes, and saves the whole week or nothing, with German
errors that name the row, its day, the field and the reason."""

from __future__ import annotations

import datetime
import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from schulsozial.accounts.models import Role
from schulsozial.accounts.services import role_assign
from schulsozial.activities import services
from schulsozial.activities.models import Activity, CatalogueEntry
from schulsozial.activities.services import records
from schulsozial.activities.tests.factories import activity_input, entry
from schulsozial.core.actors import SYSTEM
from schulsozial.statistics.tests.rollup_checks import assert_rollups_hold_the_records, stored_cells

# German weekday abbreviations, written out here rather than taken from Django.
GERMAN_DAYS = ("Mo", "Di", "Mi", "Do", "Fr", "Sa", "So")
GERMAN_DAY_NAMES = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag")


def _last_monday() -> datetime.date:
    """The Monday two weeks ago: all seven of its days lie in the past, and none is
    yesterday, the factories' default date (on a Monday, yesterday is in last week)."""
    today = timezone.localdate()
    return today - datetime.timedelta(days=today.weekday() + 14)


def _url(monday: datetime.date) -> str:
    return reverse("activities:week") + f"?week={monday.isoformat()}"


def _rows(world, monday: datetime.date, *rows: dict) -> dict:
    """POST data of the grid: one dict per row (day offset, minutes, topics …)."""
    town = world.town
    data: dict[str, Any] = {
        "row-TOTAL_FORMS": str(len(rows)),
        "row-INITIAL_FORMS": "0",
        "week": monday.isoformat(),
    }
    for i, spec in enumerate(rows):
        day = monday + datetime.timedelta(days=spec.get("day", 0))
        data.update(
            {
                f"row-{i}-day": day.isoformat(),
                f"row-{i}-school": world.schools[0].pk,
                f"row-{i}-minutes": spec.get("minutes", "45"),
                f"row-{i}-activity_type": spec.get(
                    "activity_type", entry(town, "activity_type", "open_offer").pk
                ),
                f"row-{i}-target_group": entry(town, "target_group", "group").pk,
            }
        )
        if spec.get("topics"):
            data[f"row-{i}-topics"] = [entry(town, "topic", code).pk for code in spec["topics"]]
        if spec.get("participants"):
            data[f"row-{i}-participants"] = spec["participants"]
            data[f"row-{i}-grade_band"] = entry(town, "grade_band", "primary").pk
    return data


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def _section(html: str, name: str) -> str:
    """The element marked data-week="<name>" (to its closing tag's depth, roughly:
    up to the next data-week marker or the form)."""
    start = html.index(f'data-week="{name}"')
    rest = html[start:]
    ends = [i for i in (rest.find("data-week=", 12), rest.find('data-form="week"')) if i > 0]
    return rest[: min(ends)] if ends else rest


class _FormValues(HTMLParser):
    """What a browser submits for the grid's form as shown: inputs with their
    values (checkboxes only when ticked), each select's selected or first option."""

    def __init__(self) -> None:
        super().__init__()
        self.values: list[tuple[str, str]] = []
        self._select: str | None = None
        self._first: str | None = None
        self._chosen: str | None = None
        self._in_form = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("data-form") == "week":
            self._in_form = True
        if not self._in_form:
            return
        if tag == "input" and a.get("name") and a.get("type") != "submit":
            if a.get("type") != "checkbox" or "checked" in a:
                self.values.append((a["name"], a.get("value") or ""))
        elif tag == "select":
            self._select, self._first, self._chosen = a["name"], None, None
        elif tag == "option" and self._select:
            if self._first is None:
                self._first = a.get("value", "")
            if "selected" in a:
                self._chosen = a.get("value", "")

    def handle_endtag(self, tag):
        if tag == "select" and self._select:
            value = self._chosen if self._chosen is not None else self._first
            self.values.append((self._select, value or ""))
            self._select = None
        if tag == "form":
            self._in_form = False


def _as_shown(html: str, **changes: str) -> dict:
    parser = _FormValues()
    parser.feed(html)
    data: dict = {}
    for name, value in parser.values:
        data.setdefault(name, []).append(value)
    data.update(changes)
    return data


def test_the_grid_as_shown_has_ten_rows_and_saves_the_one_filled_in(dw, world, client_for):
    """Submitted as the browser shows it (every row with its preselected day
    and school), only the row filled in becomes a record."""
    monday = _last_monday()
    client = client_for("worker")
    html = client.get(_url(monday)).content.decode()
    assert len(re.findall(r'<fieldset class="week-row[" ]', html)) == 10
    assert 'name="row-TOTAL_FORMS" value="10"' in html
    data = _as_shown(
        html,
        **{
            "row-3-minutes": "50",
            "row-3-activity_type": str(entry(world.town, "activity_type", "open_offer").pk),
            "row-3-target_group": str(entry(world.town, "target_group", "group").pk),
        },
    )
    before = Activity.objects.count()
    response = client.post(_url(monday), data)
    assert response.status_code == 302, _text(_section(response.content.decode(), "errors"))
    assert Activity.objects.count() == before + 1
    record = Activity.objects.get(source="week")
    # The row's preselected day: the week's last working day (Friday).
    assert record.minutes == 50 and record.date == monday + datetime.timedelta(days=4)


def test_the_grid_shows_the_weeks_own_entries_per_day_with_links_to_correct_them(
    dw, world, client_for
):
    monday = _last_monday()
    user = world.users["worker"]
    tuesday_entry, _ = services.activity_record(
        data=activity_input(
            world.town,
            world.schools[0],
            date=monday + datetime.timedelta(days=1),
            minutes=35,
            topics=(entry(world.town, "topic", "bullying"), entry(world.town, "topic", "media")),
        ),
        by=user,
    )
    friday_entry, _ = services.activity_record(
        data=activity_input(
            world.town, world.schools[0], date=monday + datetime.timedelta(days=4), minutes=50
        ),
        by=user,
    )
    week_before, _ = services.activity_record(
        data=activity_input(
            world.town, world.schools[0], date=monday - datetime.timedelta(days=1), minutes=25
        ),
        by=user,
    )
    html = client_for("worker").get(_url(monday)).content.decode()
    recorded = _section(html, "recorded")
    text = _text(recorded)
    assert "Schon erfasst in dieser Woche" in text
    for record, day in ((tuesday_entry, 1), (friday_entry, 4)):
        link = reverse("activities:activity_update", args=[record.pk])
        assert f'href="{link}"' in recorded
        # The entry sits under its own day, named in German.
        row = recorded.split(f'data-day="{(monday + datetime.timedelta(days=day)).isoformat()}"')[1]
        row = row.split("data-day=")[0]
        assert GERMAN_DAY_NAMES[day] in _text(row)
        assert f"{record.minutes} Min." in _text(row) and f'href="{link}"' in row
    assert "Einzelberatung Schüler/in" in text  # labels of the records, not codes
    assert "Mobbing" in text and "Medien" in text
    # Another week's record and another worker's records are not shown.
    assert reverse("activities:activity_update", args=[week_before.pk]) not in html
    other, _ = services.activity_record(
        data=activity_input(world.town, world.schools[2], date=monday + datetime.timedelta(days=1)),
        by=world.users["worker2"],
    )
    html = client_for("worker").get(_url(monday)).content.decode()
    assert reverse("activities:activity_update", args=[other.pk]) not in html
    # The week's sums: two records, 85 minutes.
    assert "2 Tätigkeiten, 85 Minuten" in _text(_section(html, "recorded"))


def test_two_topics_in_one_row_are_saved_as_one_record_with_two_topics(dw, world, client_for):
    monday = _last_monday()
    before = Activity.objects.count()
    response = client_for("worker").post(
        _url(monday),
        _rows(world, monday, {"day": 2, "minutes": "40", "topics": ["bullying", "media"]}),
    )
    assert response.status_code == 302
    assert Activity.objects.count() == before + 1
    record = Activity.objects.get(source="week")
    assert record.date == monday + datetime.timedelta(days=2)
    assert sorted(t.code for t in record.topics.all()) == ["bullying", "media"]
    assert_rollups_hold_the_records()


def test_the_grid_offers_the_topics_as_styled_checkboxes_in_every_row(dw, world, client_for):
    html = client_for("worker").get(_url(_last_monday())).content.decode()
    bullying = entry(world.town, "topic", "bullying")
    for row in range(3):
        box = re.search(
            rf'<input[^>]*name="row-{row}-topics"[^>]*value="{bullying.pk}"[^>]*>', html
        ) or re.search(rf'<input[^>]*value="{bullying.pk}"[^>]*name="row-{row}-topics"[^>]*>', html)
        assert box is not None and "kern-form-check__checkbox" in box.group(0)
    # The selects are the platform's (as on the entry form), not bare native ones.
    select = re.search(r'<select[^>]*name="row-0-activity_type"[^>]*>', html).group(0)
    assert "kern-form-input__select" in select


def test_the_days_are_named_in_german(dw, world, client_for):
    monday = _last_monday()
    html = client_for("worker").get(_url(monday)).content.decode()
    options = re.findall(r'<option value="(\d{4}-\d\d-\d\d)"[^>]*>([^<]+)</option>', html)
    labels = dict(options)
    assert len(labels) == 7
    for i in range(7):
        day = monday + datetime.timedelta(days=i)
        assert labels[day.isoformat()].strip() == f"{GERMAN_DAYS[i]}, {day:%d.%m.}"
    assert not re.search(r">\s*(Mon|Tue|Wed|Thu|Fri|Sat|Sun)\b", html)


def test_no_catalogue_code_is_shown(dw, world, client_for):
    monday = _last_monday()
    services.activity_record(
        data=activity_input(world.town, world.schools[0], date=monday), by=world.users["worker"]
    )
    client = client_for("worker")
    pages = [
        client.get(_url(monday)).content.decode(),
        client.post(
            _url(monday), _rows(world, monday, {"minutes": "45", "activity_type": ""})
        ).content.decode(),
    ]
    codes = set(
        CatalogueEntry.objects.filter(municipality=world.town, code__contains="_").values_list(
            "code", flat=True
        )
    )
    assert "counselling_pupil" in codes
    for html in pages:
        assert [code for code in codes if code in html] == []


def test_a_bad_row_saves_nothing_and_the_german_error_names_row_day_and_field(
    dw, world, client_for
):
    monday = _last_monday()
    before = Activity.objects.count()
    cells = stored_cells()
    response = client_for("worker").post(
        _url(monday),
        _rows(
            world,
            monday,
            {"day": 0, "minutes": "60"},
            {"day": 1, "minutes": "30", "activity_type": ""},
        ),
    )
    assert response.status_code == 200
    assert Activity.objects.count() == before and stored_cells() == cells
    errors = _text(_section(response.content.decode(), "errors"))
    tuesday = monday + datetime.timedelta(days=1)
    assert "Es wurde nichts gespeichert" in errors
    assert (
        f"Zeile 2 (Di, {tuesday:%d.%m.}), Art der Tätigkeit: Dieses Feld ist erforderlich."
        in errors
    )
    assert "Zeile 1" not in errors
    # The summary links to the field, so the keyboard gets there in one step.
    assert 'href="#id_row-1-activity_type"' in response.content.decode()


def test_minutes_out_of_range_are_refused_in_german_naming_the_row(dw, world, client_for):
    monday = _last_monday()
    before = Activity.objects.count()
    response = client_for("worker").post(
        _url(monday),
        _rows(world, monday, {"day": 0, "minutes": "60"}, {"day": 3, "minutes": "900"}),
    )
    assert Activity.objects.count() == before
    errors = _text(_section(response.content.decode(), "errors"))
    thursday = monday + datetime.timedelta(days=3)
    assert f"Zeile 2 (Do, {thursday:%d.%m.}), Minuten:" in errors
    assert "720" in errors and "minutes" not in errors


def test_a_row_the_service_refuses_rolls_back_the_rows_already_written(
    dw, world, client_for, monkeypatch
):
    """The service writes row by row; a refusal of the third row must take the
    first two (and their rollup cells) back with it."""
    real = records.record_problems

    def refuse_55_minutes(data, **kwargs):
        problems = real(data, **kwargs)
        if data.minutes == 55:
            problems["minutes"] = "Fünfundfünfzig Minuten gehen nicht."
        return problems

    monkeypatch.setattr(records, "record_problems", refuse_55_minutes)
    monday = _last_monday()
    before = Activity.objects.count()
    cells = stored_cells()
    response = client_for("worker").post(
        _url(monday),
        _rows(
            world,
            monday,
            {"day": 0, "minutes": "60", "topics": ["bullying"]},
            {"day": 1, "minutes": "30", "participants": "4"},
            {"day": 2, "minutes": "55"},
        ),
    )
    assert response.status_code == 200
    assert Activity.objects.count() == before and stored_cells() == cells
    wednesday = monday + datetime.timedelta(days=2)
    errors = _text(_section(response.content.decode(), "errors"))
    assert f"Zeile 3 (Mi, {wednesday:%d.%m.}), Minuten: Fünfundfünfzig Minuten gehen nicht." in (
        errors
    )
    # What was typed stays in the grid.
    assert 'name="row-2-minutes" value="55"' in response.content.decode() or re.search(
        r'name="row-2-minutes"[^>]*value="55"', response.content.decode()
    )


def test_a_row_with_topics_but_no_minutes_is_not_dropped_silently(dw, world, client_for):
    monday = _last_monday()
    before = Activity.objects.count()
    response = client_for("worker").post(
        _url(monday),
        _rows(world, monday, {"minutes": "45"}, {"day": 1, "minutes": "", "topics": ["media"]}),
    )
    assert Activity.objects.count() == before
    errors = _text(_section(response.content.decode(), "errors"))
    assert "Zeile 2" in errors and "Minuten" in errors


def test_a_saved_week_says_how_many_in_german_with_the_right_plural(dw, world, client_for):
    monday = _last_monday()
    client = client_for("worker")
    one = client.post(_url(monday), _rows(world, monday, {"minutes": "45"}), follow=True)
    assert "1 Tätigkeit gespeichert." in _text(one.content.decode())
    two = client.post(
        _url(monday),
        _rows(world, monday, {"minutes": "45"}, {"day": 1, "minutes": "20"}),
        follow=True,
    )
    assert "2 Tätigkeiten gespeichert." in _text(two.content.decode())
    # After saving, the page shows the week with what was just recorded.
    assert _text(_section(two.content.decode(), "recorded")).count(" Min.") >= 3


@pytest.mark.parametrize("who", ["coordinator", "principal"])
def test_only_social_workers_get_the_grid(dw, client_for, who):
    assert client_for(who).get(reverse("activities:week")).status_code in (403, 404)


def test_a_worker_at_two_schools_chooses_the_school_per_row(dw, world, client_for):
    assert world.schools[1].municipality_id == world.town.pk
    role_assign(user=world.users["worker"], role=Role.WORKER, school=world.schools[1], by=SYSTEM)
    monday = _last_monday()
    client = client_for("worker")
    html = client.get(_url(monday)).content.decode()
    select = re.search(r'<select[^>]*name="row-0-school"[^>]*>', html)
    assert select is not None and "kern-form-input__select" in select.group(0)
    data = _rows(world, monday, {"minutes": "30"})
    data["row-0-school"] = world.schools[1].pk
    response = client.post(_url(monday), data, follow=True)
    record = Activity.objects.get(source="week")
    assert record.school == world.schools[1]
    # With several schools, the week's records name theirs.
    assert world.schools[1].name in _text(_section(response.content.decode(), "recorded"))


def test_more_rows_keeps_what_was_typed_adds_ten_rows_and_saves_nothing(dw, world, client_for):
    """A week with more than ten entries: "Weitere Zeilen" returns the rows
    typed so far, unsaved, with ten empty rows more, up to 50."""
    monday = _last_monday()
    client = client_for("worker")
    data = _rows(world, monday, {"minutes": "45"}, {"day": 1, "minutes": "20"})
    data["more_rows"] = "1"
    before = Activity.objects.count()
    response = client.post(_url(monday), data)
    html = response.content.decode()
    assert response.status_code == 200
    assert Activity.objects.count() == before  # nothing saved
    assert 'name="row-TOTAL_FORMS" value="12"' in html
    assert 'name="row-0-minutes" value="45"' in html
    assert 'name="row-1-minutes" value="20"' in html
    assert "Weitere Zeilen" in html
    assert 'data-week="errors"' not in html  # no errors for a request for rows
    assert "week-row--error" not in html
    # Then saving takes the typed rows and skips the empty ones (which the
    # browser sends with their preset day, the week's Friday, and school).
    data = _rows(world, monday, {"minutes": "45"}, {"day": 1, "minutes": "20"})
    data["row-TOTAL_FORMS"] = "12"
    for index in range(2, 12):
        data[f"row-{index}-day"] = (monday + datetime.timedelta(days=4)).isoformat()
        data[f"row-{index}-school"] = str(world.schools[0].pk)
    saved = client.post(_url(monday), data, follow=True)
    assert "2 Tätigkeiten gespeichert." in _text(saved.content.decode())
    # At 50 rows the button is gone and the count stays at 50.
    data = _rows(world, monday, {"minutes": "45"})
    data.update({"row-TOTAL_FORMS": "45", "more_rows": "1"})
    full = client.post(_url(monday), data).content.decode()
    assert 'name="row-TOTAL_FORMS" value="50"' in full
    assert "Weitere Zeilen" not in full
