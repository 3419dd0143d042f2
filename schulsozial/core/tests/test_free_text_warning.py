"""F-19: every free-text field that could carry a pupil's name says, in
German and next to the field, that none may be entered; the activity
documentation has no free text at all."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.db import models
from django.urls import reverse

from schulsozial.core import privacy
from schulsozial.core.actors import SYSTEM

pytestmark = pytest.mark.django_db

GERMAN = "Bitte hier keine Namen oder anderen personenbezogenen Daten von Schülerinnen"


class _Elements(HTMLParser):
    """Every element's attributes and, for elements with an id, their text."""

    def __init__(self) -> None:
        super().__init__()
        self.by_name: dict[str, list[dict[str, str]]] = {}
        self.text_of: dict[str, str] = {}
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag in ("input", "textarea", "select") and "name" in values:
            self.by_name.setdefault(values["name"], []).append(values)
        if tag == "div" and "id" in values:
            self._open.append(values["id"])
            self.text_of[values["id"]] = ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "div" and self._open:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        for element_id in self._open:
            self.text_of[element_id] += data


def _assert_warned(html: str, names: list[str], where: str) -> None:
    page = _Elements()
    page.feed(html)
    for name in names:
        widgets = page.by_name.get(name)
        assert widgets, f"{where}: no field {name!r}"
        for widget in widgets:
            hint = privacy.hint_id(widget["id"])
            assert hint in widget.get("aria-describedby", "").split(), (where, name, widget)
            assert GERMAN in " ".join(page.text_of.get(hint, "").split()), (where, name)


def _cases(world):
    from decimal import Decimal

    from schulsozial.activities.tests.factories import doc_world
    from schulsozial.allocation.services import scenario_create
    from schulsozial.allocation.templates_rules import pupils_only
    from schulsozial.concepts.tests.factories import concept_world

    cw = concept_world(world)
    dw = doc_world(world)
    scenario = scenario_create(
        municipality=world.town,
        school_year=world.year,
        name="Entwurf",
        rules_toml=pupils_only(Decimal("3")),
        by=SYSTEM,
    )
    concept = cw.concept
    goals = cw.draft.sections.get(key="goals")
    return [
        # persona, url, free-text fields on that page
        ("coordinator", reverse("concepts:section_update", args=[cw.draft.pk, goals.pk]), ["text"]),
        ("worker", reverse("concepts:comment_create", args=[cw.draft.pk]), ["text"]),
        ("coordinator", reverse("concepts:comment_answer", args=[cw.comment.pk]), ["reason"]),
        ("worker", reverse("concepts:idea_create"), ["text"]),
        ("coordinator", reverse("concepts:linked_create"), ["description"]),
        ("coordinator", reverse("concepts:linked_update", args=[cw.linked.pk]), ["description"]),
        (
            "worker",
            reverse(
                "concepts:school_section_update", args=[concept.pk, concept.sections.first().pk]
            ),
            ["text"],
        ),
        (
            "worker",
            reverse(
                "concepts:implementation_update",
                args=[concept.pk, concept.implementations.first().pk],
            ),
            ["text", "deviation_reason"],
        ),
        # The approval steps' comment (a hand-written textarea per step).
        ("worker", reverse("concepts:school_concept_detail", args=[concept.pk]), ["comment"]),
        (
            "worker",
            reverse("concepts:goal_create", args=[world.schools[0].pk]),
            ["goal", "measures"],
        ),
        ("worker", reverse("concepts:goal_update", args=[cw.goal.pk]), ["goal", "measures"]),
        ("worker", reverse("concepts:goal_review", args=[cw.goal.pk]), ["review_comment"]),
        ("coordinator", reverse("masterdata:staff_create"), ["label"]),
        ("carrier", reverse("masterdata:staff_update", args=[world.staff[0].pk]), ["label"]),
        ("coordinator", reverse("activities:catalogue_list"), ["label"]),
        (
            "coordinator",
            reverse("activities:catalogue_update", args=[dw.entry("topic", "bullying").pk]),
            ["label"],
        ),
        ("carrier", reverse("activities:token_list"), ["name"]),
        ("admin", reverse("accounts:user_create"), ["display_name"]),
        ("coordinator", reverse("allocation:scenario_edit", args=[scenario.pk]), ["description"]),
        (
            "coordinator",
            reverse("allocation:scenario_edit_toml", args=[scenario.pk]),
            ["description"],
        ),
    ]


def test_every_free_text_field_warns_against_pupils_personal_data(world, client_for):
    for persona, url, names in _cases(world):
        response = client_for(persona).get(url)
        assert response.status_code == 200, (persona, url)
        _assert_warned(response.content.decode(), names, url)


def test_fields_that_hold_no_free_text_carry_no_warning(world, client_for):
    html = client_for("coordinator").get(reverse("masterdata:staff_create")).content.decode()
    page = _Elements()
    page.feed(html)
    for name in ("weekly_hours", "contract_start", "carrier"):
        for widget in page.by_name[name]:
            assert privacy.hint_id(widget["id"]) not in widget.get("aria-describedby", "")
    assert html.count("data-no-personal-data") == 1  # the label only


def test_the_warning_is_one_shared_german_text(world):
    from django.utils import translation

    with translation.override("de"):
        assert str(privacy.FREE_TEXT_WARNING).startswith(GERMAN)


def test_a_form_naming_a_field_it_lacks_fails_loudly():
    from django import forms
    from django.core.exceptions import ImproperlyConfigured

    class Broken(privacy.NoPersonalDataMixin, forms.Form):
        no_personal_data = ("nothing",)

    with pytest.raises(ImproperlyConfigured):
        Broken()


def test_activity_documentation_has_no_free_text_field():
    """A record, its participant counts and anything else hanging on it hold
    only choices, numbers, dates, references and the case code's hash."""
    from schulsozial.activities.models import Activity

    documentation = [Activity] + [
        rel.related_model
        for rel in Activity._meta.related_objects
        if rel.related_model._meta.app_label == "activities"
    ]
    allowed = {(Activity, "case_hash")}  # HMAC hex digest, never a text
    for model in documentation:
        for field in model._meta.get_fields():
            if isinstance(field, models.TextField):
                pytest.fail(f"{model.__name__}.{field.name} is free text")
            if isinstance(field, models.CharField) and not field.choices:
                assert (model, field.name) in allowed, f"{model.__name__}.{field.name}"
    assert Activity._meta.get_field("case_hash").max_length == 64
