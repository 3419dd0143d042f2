"""Accessibility of the quality pages (issue 16): no serious or critical axe-core
finding, one h1 per page, the skip link first, for coordination, the social
worker and the principal."""

from __future__ import annotations

import pytest

from schulsozial.quality import services
from schulsozial.quality.services import ParticipantInput
from schulsozial.quality.tests.factories import co_signed
from schulsozial.testing.personas import build_world

from .conftest import log_in
from .test_accessibility import problems

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_quality_pages_pass_the_accessibility_scan(live_server, page):
    world = build_world()
    evaluation = co_signed(world)
    dialogue = services.dialogue_create(
        school=world.schools[0],
        school_year=world.year,
        date=world.year.start,
        participants=[ParticipantInput(role="worker"), ParticipantInput(role="principal")],
        agreements="Vereinbarung",
        evaluation=evaluation,
        by=world.users["coordinator"],
    )
    base = live_server.url
    log_in(page, base, "koordination")
    assert (
        problems(
            page,
            base,
            [
                "/qualitaet/",
                f"/qualitaet/selbstevaluation/{evaluation.pk}/",
                "/qualitaet/zyklus/",
                "/qualitaet/dialoge/",
                "/qualitaet/dialoge/neu/",
                f"/qualitaet/dialoge/neu/?school={world.schools[0].pk}",
                f"/qualitaet/dialoge/{dialogue.pk}/",
                f"/qualitaet/dialoge/{dialogue.pk}/bearbeiten/",
                "/qualitaet/einstellungen/",
            ],
        )
        == {}
    )
    log_in(page, base, "fachkraft")
    assert (
        problems(
            page,
            base,
            [
                f"/qualitaet/selbstevaluation/{evaluation.pk}/",
                f"/qualitaet/selbstevaluation/{evaluation.pk}/abschluss/",
            ],
        )
        == {}
    )
    other = submitted_at_school_2(world)
    log_in(page, base, "fachkraft2")
    assert problems(page, base, [f"/qualitaet/selbstevaluation/{other.pk}/"]) == {}
    log_in(page, base, "schulleitung")
    assert problems(page, base, [f"/qualitaet/selbstevaluation/{evaluation.pk}/"]) == {}


def submitted_at_school_2(world):
    from schulsozial.quality.models import Perspective
    from schulsozial.quality.tests.factories import rate_all, started

    evaluation = started(world, 2)
    rate_all(evaluation, Perspective.WORKER, [2, 3, 4], world.users["worker2"])
    return services.evaluation_submit(evaluation=evaluation, by=world.users["worker2"])
