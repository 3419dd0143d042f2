"""Concept objects on top of the shared test world, built through the services."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from schulsozial.accounts.models import Role
from schulsozial.concepts import services
from schulsozial.concepts.models import (
    ConsultationComment,
    FrameworkVersion,
    Idea,
    LinkedConcept,
    SchoolConcept,
    Standard,
    YearlyGoal,
)
from schulsozial.core.actors import SYSTEM

STANDARDS = [
    ("ST-01", "Erreichbarkeit an der Schule", Standard.Dimension.STRUCTURE, True),
    ("ST-02", "Vertraulichkeit der Beratung", Standard.Dimension.PROCESS, True),
    ("ST-03", "Jährlicher Sachbericht", Standard.Dimension.RESULT, False),
]


def adopted_framework(
    municipality: Any, *, title: str = "Rahmenkonzept Teststadt"
) -> FrameworkVersion:
    """Version 1, adopted (through draft and consultation), with texts and standards."""
    version = services.framework_create(municipality=municipality, title=title, by=SYSTEM)
    for section in version.sections.all():
        services.framework_section_update(
            section=section,
            expected_version=section.lock_version,
            by=SYSTEM,
            text=f"Text zum Abschnitt {section.title}.",
        )
    for code, title_, dimension, binding in STANDARDS:
        services.standard_add(
            version=version,
            by=SYSTEM,
            code=code,
            title=title_,
            description=f"Beschreibung {code}",
            dimension=dimension,
            indicators="Indikator A\nIndikator B",
            binding=binding,
        )
    today = timezone.localdate()
    services.framework_open_consultation(
        version=version,
        opens=today - datetime.timedelta(days=30),
        closes=today - datetime.timedelta(days=1),
        roles=[Role.PRINCIPAL],
        by=SYSTEM,
    )
    return services.framework_adopt(
        version=version,
        decision_body="Jugendhilfeausschuss",
        decision_date=today - datetime.timedelta(days=20),
        paper_number="001/2026",
        by=SYSTEM,
    )


def draft_in_consultation(previous: FrameworkVersion, *, invite: list[Any]) -> FrameworkVersion:
    version = services.framework_new_version(previous=previous, by=SYSTEM)
    today = timezone.localdate()
    return services.framework_open_consultation(
        version=version,
        opens=today - datetime.timedelta(days=1),
        closes=today + datetime.timedelta(days=14),
        users=invite,
        roles=[Role.PRINCIPAL],
        by=SYSTEM,
    )


def fill_concept(concept: SchoolConcept, by: Any) -> SchoolConcept:
    for section in concept.sections.all():
        services.school_section_update(
            section=section,
            text=f"Unsere Umsetzung: {section.title}.",
            expected_version=section.lock_version,
            by=by,
        )
    for entry in concept.implementations.all():
        services.implementation_update(
            entry=entry,
            text=f"So setzen wir {entry.standard_code} um.",
            deviation=False,
            deviation_reason="",
            expected_version=entry.lock_version,
            by=by,
        )
    return concept


@dataclass
class ConceptWorld:
    adopted: FrameworkVersion
    draft: FrameworkVersion
    comment: ConsultationComment
    concept: SchoolConcept
    idea: Idea
    linked: LinkedConcept
    goal: YearlyGoal


def concept_world(world: Any) -> ConceptWorld:
    """Adopted v1 and v2 in consultation in the test town; a comment of the
    worker; a draft concept of school 0; an idea, a linked concept, a goal."""
    cached = getattr(world, "_concept_world", None)
    if cached is not None:
        return cached
    worker = world.users["worker"]
    adopted = adopted_framework(world.town)
    concept = services.school_concept_create(school=world.schools[0], by=worker)
    draft = draft_in_consultation(adopted, invite=[worker])
    comment = services.comment_create(
        version=draft,
        section=draft.sections.get(key="goals"),
        text="Bitte die Ziele konkreter fassen.",
        by=worker,
    )
    idea = services.idea_create(
        municipality=world.town,
        text="Feste Sprechzeiten für Eltern",
        cornerstone=Idea.Cornerstone.STANDARDS,
        by=worker,
    )
    linked = services.linked_concept_create(
        municipality=world.town,
        by=SYSTEM,
        kind=LinkedConcept.Kind.TRUANCY,
        title="Handlungskonzept Schulabsentismus",
        owner="Jugendamt, ASD",
        url="https://example.org/absentismus",
        description="Abgestimmtes Vorgehen bei Schulverweigerung.",
    )
    goal = services.yearly_goal_create(
        school=world.schools[0],
        by=worker,
        school_year=world.year,
        goal="Klassenrat in allen fünften Klassen",
        measures="Einführung mit den Klassenleitungen",
        responsible=YearlyGoal.Responsible.WORKER,
    )
    result = ConceptWorld(adopted, draft, comment, concept, idea, linked, goal)
    world._concept_world = result
    return result
