"""Demo data of quality management (called by demo/builder.py after the concepts' demo).

Herne (demo data, labelled `is_demo`): a completed cycle for eight schools in
the last school year (self-evaluation with all three perspectives, quality
dialogue, closing review whose changes became yearly goals of this year) and a
running cycle this year (drafts, submitted, co-signed). The demo social
worker's school has a half-filled draft, the demo principal's school a
submitted self-evaluation waiting for the co-sign. The ratings are invented
but plausible (mostly 2–4 on the four-step scale, a few perspectives apart).
"""

from __future__ import annotations

import datetime
import zlib
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.accounts.models import Role, RoleAssignment
from schulsozial.concepts.models import FrameworkVersion, YearlyGoal
from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata.models import School, SchoolYear

from . import services
from .models import Perspective, SelfEvaluation
from .services import ChangeInput, ParticipantInput, RatingInput

EVIDENCE = [
    "Sprechzeiten an drei Tagen, Aushang im Eingangsbereich und auf der Homepage.",
    "Beratungsraum vorhanden, Absprachen mit Klassenleitungen dokumentiert.",
    "Teilnahme an Lehrerkonferenzen und Steuergruppe; Protokolle liegen vor.",
    "Dokumentation der Tätigkeiten vollständig; Sachbericht an den Träger abgegeben.",
    "Kooperation mit ASD und Erziehungsberatung über Kooperationsvereinbarung.",
]
CHANGES = [
    ("Feste Sprechzeit für Eltern einrichten", "Elternsprechstunde einmal im Monat am Nachmittag"),
    (
        "Klassenrat in allen fünften Klassen",
        "Einführung mit den Klassenleitungen im ersten Halbjahr",
    ),
    ("Vertraulichen Beratungsraum sichern", "Raumtausch mit der Schulleitung abstimmen"),
]


def _value(school: School, code: str, perspective: str, year: int) -> int:
    """A stable, plausible rating 1–4 (mostly 2–4); the school's view sometimes
    differs by two steps, so that the side-by-side view has something to show."""
    seed = zlib.crc32(f"{school.school_number}:{code}:{year}".encode())
    base = 2 + seed % 3  # 2..4
    if perspective == Perspective.SCHOOL and seed % 7 == 0:
        return max(1, base - 2)
    if perspective == Perspective.CARRIER and seed % 5 == 0:
        return max(1, min(4, base + (1 if base < 4 else -1)))
    return base


def _rate(evaluation: SelfEvaluation, perspective: str, year: int) -> None:
    entries = []
    for i, s in enumerate(evaluation.framework_version.standards.all()):
        entries.append(
            RatingInput(
                standard_id=s.pk,
                value=_value(evaluation.school, s.code, perspective, year),
                evidence=EVIDENCE[i % len(EVIDENCE)] if perspective == Perspective.WORKER else "",
                strengths="Verlässliche Präsenz an der Schule." if i % 3 == 0 else "",
                next_steps="Absprachen schriftlich festhalten." if i % 4 == 1 else "",
                level="minimum" if s.binding else "",
            )
        )
    services.ratings_save(
        evaluation=evaluation, perspective=perspective, entries=entries, by=SYSTEM
    )


def _year(code_start: int) -> SchoolYear | None:
    return SchoolYear.objects.filter(start__year=code_start, start__month=8).first()


def _served_schools(municipality: Any) -> list[School]:
    return list(
        School.objects.filter(municipality=municipality, active=True, assignments__isnull=False)
        .distinct()
        .order_by("school_number")
    )


def _demo_school(municipality: Any, role: str) -> School | None:
    found = (
        RoleAssignment.objects.filter(
            role=role, municipality=municipality, user__username__endswith=f".{role_name(role)}"
        )
        .select_related("school")
        .first()
    )
    return found.school if found else None


def role_name(role: str) -> str:
    return {str(Role.WORKER): "fachkraft", str(Role.PRINCIPAL): "schulleitung"}[str(role)]


def _completed_cycle(school: School, year: SchoolYear) -> None:
    evaluation = services.evaluation_start(school=school, school_year=year, by=SYSTEM, is_demo=True)
    for perspective in (Perspective.WORKER,):
        _rate(evaluation, perspective, year.start.year)
    services.evaluation_submit(evaluation=evaluation, by=SYSTEM)
    _rate(evaluation, Perspective.SCHOOL, year.start.year)
    services.evaluation_co_sign(
        evaluation=evaluation, by=SYSTEM, summary="Die Schule trägt die Einschätzung mit."
    )
    _rate(evaluation, Perspective.CARRIER, year.start.year)
    services.carrier_view_submit(evaluation=evaluation, by=SYSTEM)
    pick = zlib.crc32(school.school_number.encode()) % len(CHANGES)
    review = services.closing_review_create(
        evaluation=evaluation,
        strengths="Hohe Akzeptanz bei Schülerinnen und Schülern; verlässliche Sprechzeiten.",
        weaknesses="Eltern werden noch zu selten erreicht.",
        changes=[
            ChangeInput(
                goal=CHANGES[(pick + k) % len(CHANGES)][0],
                measures=CHANGES[(pick + k) % len(CHANGES)][1],
                responsible=YearlyGoal.Responsible.WORKER
                if k == 0
                else YearlyGoal.Responsible.PRINCIPAL,
            )
            for k in range(2)
        ],
        by=SYSTEM,
    )
    services.dialogue_create(
        school=school,
        school_year=year,
        date=min(year.end, year.start + datetime.timedelta(days=320)),
        participants=[
            ParticipantInput(role="worker"),
            ParticipantInput(role="principal"),
            ParticipantInput(role="carrier"),
            ParticipantInput(role="coordination"),
            ParticipantInput(role="partner", institution="Jugendamt, ASD"),
        ],
        agreements=(
            "Die Ergebnisse der Selbstevaluation wurden besprochen. Schwerpunkt im nächsten "
            "Schuljahr ist die Elternarbeit; Zwischenstand im Februar."
        ),
        evaluation=evaluation,
        follow_up_goals=[c.goal for c in review.changes.all() if c.goal is not None],
        by=SYSTEM,
        is_demo=True,
    )


def build_demo(*, herne: Any, kamen: Any, stdout: Any = None) -> None:
    today = timezone.localdate()
    current = SchoolYear.objects.containing(today).first()
    if (
        current is None
        or not FrameworkVersion.objects.filter(
            municipality=herne, status=FrameworkVersion.Status.ADOPTED
        ).exists()
    ):
        return
    previous = _year(current.start.year - 1)
    schools = _served_schools(herne)
    worker_school = _demo_school(herne, Role.WORKER)
    principal_school = _demo_school(herne, Role.PRINCIPAL)
    reserved = {s.pk for s in (worker_school, principal_school) if s is not None}
    completed = 0
    if previous is not None:
        for school in schools[:8]:
            _completed_cycle(school, previous)
            completed += 1
    running = 0
    others = [s for s in schools if s.pk not in reserved][:9]
    for i, school in enumerate(others):
        evaluation = services.evaluation_start(
            school=school, school_year=current, by=SYSTEM, is_demo=True
        )
        _rate(evaluation, Perspective.WORKER, current.start.year)
        if i % 3 >= 1:
            services.evaluation_submit(evaluation=evaluation, by=SYSTEM)
        if i % 3 == 2:
            _rate(evaluation, Perspective.SCHOOL, current.start.year)
            services.evaluation_co_sign(evaluation=evaluation, by=SYSTEM)
        running += 1
    if worker_school is not None:
        evaluation = services.evaluation_start(
            school=worker_school, school_year=current, by=SYSTEM, is_demo=True
        )
        first = evaluation.framework_version.standards.first()
        if first is not None:
            services.ratings_save(
                evaluation=evaluation,
                perspective=Perspective.WORKER,
                entries=[RatingInput(standard_id=first.pk, value=3, evidence=EVIDENCE[0])],
                by=SYSTEM,
            )
        running += 1
    if principal_school is not None and principal_school != worker_school:
        evaluation = services.evaluation_start(
            school=principal_school, school_year=current, by=SYSTEM, is_demo=True
        )
        _rate(evaluation, Perspective.WORKER, current.start.year)
        services.evaluation_submit(evaluation=evaluation, by=SYSTEM)
        running += 1
    if stdout is not None:
        stdout.write(
            _(
                "Quality management %(town)s: completed cycles last year: %(done)s; "
                "self-evaluations running: %(running)s"
            )
            % {"town": herne.name, "done": completed, "running": running}
            + "\n"
        )
    # Issue 16, part two: anonymous surveys of the demo (Herne).
    from .demo_surveys import build_survey_demo

    build_survey_demo(municipality=herne, schools=others or schools, stdout=stdout)
