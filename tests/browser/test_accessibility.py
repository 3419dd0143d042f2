"""Accessibility basics on the main pages of the foundation, the distribution
and the concepts: no serious or critical axe-core finding (WCAG 2.1 A/AA),
one h1 per page, and the skip link is the first stop of the keyboard."""

from __future__ import annotations

from decimal import Decimal

import pytest

from schulsozial.allocation.services import scenario_create
from schulsozial.allocation.templates_rules import base_index_startchancen, pupils_only
from schulsozial.concepts.tests.factories import concept_world
from schulsozial.core.actors import SYSTEM
from schulsozial.testing.personas import build_world

from .conftest import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def problems(page, base: str, paths: list[str]) -> dict[str, object]:
    found: dict[str, object] = {}
    for path in paths:
        response = page.goto(base + path)
        page.wait_for_load_state()
        if response is None or response.status != 200:
            found[path] = f"status {response and response.status}"
            continue
        h1 = page.locator("h1").count()
        page.keyboard.press("Tab")
        first_stop = page.evaluate("() => document.activeElement.className")
        violations = axe_violations(page)
        if h1 != 1 or "skip-link" not in first_stop or violations:
            found[path] = {"h1": h1, "first tab stop": first_stop, "axe": violations}
    return found


def test_main_pages_of_coordination_pass_the_accessibility_scan(live_server, page):
    world = build_world()
    cw = concept_world(world)
    school = world.schools[0]
    first = scenario_create(
        municipality=world.town,
        school_year=world.year,
        name="Schülerzahl",
        rules_toml=pupils_only(Decimal("4")),
        by=SYSTEM,
    )
    second = scenario_create(
        municipality=world.town,
        school_year=world.year,
        name="Index",
        rules_toml=base_index_startchancen(Decimal("4"), Decimal("70000")),
        by=SYSTEM,
    )
    log_in(page, live_server.url, "koordination")
    paths = [
        "/",
        "/about/",
        # master data (issue 2)
        "/stammdaten/municipalities/",
        f"/stammdaten/municipalities/{world.town.pk}/",
        "/stammdaten/school-years/",
        "/stammdaten/schools/",
        "/stammdaten/schools/new/",
        f"/stammdaten/schools/{school.pk}/",
        f"/stammdaten/schools/{school.pk}/figures/",
        "/stammdaten/schools/import/",
        "/stammdaten/carriers/",
        f"/stammdaten/carriers/{world.carrier.pk}/",
        "/stammdaten/staff/",
        "/stammdaten/staff/new/",
        f"/stammdaten/staff/{world.staff[0].pk}/",
        "/stammdaten/positions/",
        f"/stammdaten/positions/{world.positions[0].pk}/",
        f"/stammdaten/positions/{world.positions[0].pk}/assign/",
        "/stammdaten/funding/",
        f"/stammdaten/funding/{world.stream.pk}/",
        f"/stammdaten/funding/{world.stream.pk}/budget/",
        # distribution (issue 3)
        "/verteilung/",
        "/verteilung/new/",
        f"/verteilung/{second.pk}/",
        f"/verteilung/{second.pk}/rules/",
        f"/verteilung/{second.pk}/rules/toml/",
        f"/verteilung/{second.pk}/adopt/",
        f"/verteilung/{second.pk}/schools/{school.school_number}/",
        f"/verteilung/compare/?scenarios={first.pk}&scenarios={second.pk}",
        # concepts (issue 4)
        "/konzepte/",
        "/konzepte/reviews/",
        "/konzepte/framework/",
        f"/konzepte/framework/{cw.adopted.pk}/",
        f"/konzepte/framework/{cw.draft.pk}/",
        f"/konzepte/framework/compare/?a={cw.adopted.pk}&b={cw.draft.pk}",
        f"/konzepte/framework/{cw.draft.pk}/adopt/",
        f"/konzepte/comments/{cw.comment.pk}/answer/",
        "/konzepte/schools/",
        f"/konzepte/school-concepts/{cw.concept.pk}/",
        "/konzepte/goals/",
        "/konzepte/ideas/",
        "/konzepte/linked/",
    ]
    assert problems(page, live_server.url, paths) == {}


def test_main_pages_of_a_social_worker_pass_the_accessibility_scan(live_server, page):
    world = build_world()
    cw = concept_world(world)
    concept = cw.concept
    log_in(page, live_server.url, "fachkraft")
    paths = [
        "/",
        f"/konzepte/framework/{cw.draft.pk}/",
        f"/konzepte/framework/{cw.draft.pk}/comment/",
        f"/konzepte/school-concepts/{concept.pk}/",
        f"/konzepte/school-concepts/{concept.pk}/sections/{concept.sections.first().pk}/edit/",
        f"/konzepte/school-concepts/{concept.pk}/standards/"
        f"{concept.implementations.first().pk}/edit/",
        f"/konzepte/schools/{world.schools[0].pk}/goals/new/",
        f"/konzepte/goals/{cw.goal.pk}/review/",
        "/konzepte/ideas/new/",
    ]
    assert problems(page, live_server.url, paths) == {}
