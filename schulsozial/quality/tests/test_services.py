"""The cycle's services: perspectives, states, closing review, dialogue."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from schulsozial.concepts.models import YearlyGoal
from schulsozial.core.models import AuditEntry
from schulsozial.quality import selectors, services
from schulsozial.quality.models import (
    DialogueParticipant,
    Perspective,
    QualitySettings,
    Rating,
    SelfEvaluation,
)
from schulsozial.quality.services import ChangeInput, ParticipantInput, RatingInput

from .factories import co_signed, framework, rate_all, started, submitted

pytestmark = pytest.mark.django_db
ST = SelfEvaluation.Status


def test_start_creates_the_wanted_perspectives(world):
    evaluation = started(world)
    assert evaluation.status == ST.DRAFT
    assert evaluation.framework_version == framework(world)
    assert sorted(evaluation.perspectives.values_list("perspective", flat=True)) == [
        "carrier",
        "school",
        "worker",
    ]
    assert AuditEntry.objects.filter(
        object_type="quality.selfevaluation", action="create", object_id=str(evaluation.pk)
    ).exists()


def test_perspectives_wanted_by_settings(world):
    QualitySettings.objects.create(municipality=world.town, want_carrier_perspective=False)
    evaluation = started(world)
    assert set(evaluation.perspectives.values_list("perspective", flat=True)) == {
        "worker",
        "school",
    }


def test_only_the_schools_worker_starts_and_rates(world):
    framework(world)
    with pytest.raises(PermissionDenied):
        services.evaluation_start(
            school=world.schools[0], school_year=world.year, by=world.users["worker2"]
        )
    evaluation = started(world)
    for name in ("worker2", "principal", "carrier", "coordinator", "committee"):
        with pytest.raises(PermissionDenied):
            rate_all(evaluation, Perspective.WORKER, [1, 1, 1], world.users[name])


def test_not_applicable_needs_a_reason_and_has_no_value(world):
    evaluation = started(world)
    standard = evaluation.framework_version.standards.first()
    with pytest.raises(ValidationError):
        services.ratings_save(
            evaluation=evaluation,
            perspective=Perspective.WORKER,
            entries=[RatingInput(standard_id=standard.pk, not_applicable=True)],
            by=world.users["worker"],
        )
    services.ratings_save(
        evaluation=evaluation,
        perspective=Perspective.WORKER,
        entries=[
            RatingInput(
                standard_id=standard.pk,
                value=3,
                not_applicable=True,
                not_applicable_reason="Kein Ganztag an der Schule",
            )
        ],
        by=world.users["worker"],
    )
    rating = Rating.objects.get(evaluation=evaluation, standard=standard)
    assert rating.value is None and rating.not_applicable


def test_value_above_the_scale_is_refused(world):
    evaluation = started(world)
    standard = evaluation.framework_version.standards.first()
    with pytest.raises(ValidationError):
        services.ratings_save(
            evaluation=evaluation,
            perspective=Perspective.WORKER,
            entries=[RatingInput(standard_id=standard.pk, value=5)],
            by=world.users["worker"],
        )


def test_submit_needs_every_standard(world):
    evaluation = started(world)
    standards = list(evaluation.framework_version.standards.all())
    services.ratings_save(
        evaluation=evaluation,
        perspective=Perspective.WORKER,
        entries=[RatingInput(standard_id=standards[0].pk, value=2)],
        by=world.users["worker"],
    )
    with pytest.raises(ValidationError) as error:
        services.evaluation_submit(evaluation=evaluation, by=world.users["worker"])
    assert standards[1].code in str(error.value)


def test_three_perspectives_stored_separately_and_compared(world):
    evaluation = co_signed(world)  # worker 4,3,2; school 2,3,2
    rate_all(evaluation, Perspective.CARRIER, [3, 1, 2], world.users["carrier"])
    services.carrier_view_submit(evaluation=evaluation, by=world.users["carrier"])
    assert Rating.objects.filter(evaluation=evaluation).count() == 9
    compare = selectors.side_by_side(evaluation=evaluation, user=world.users["coordinator"])
    rows = {r.standard.code: r for g in compare["groups"] for r in g.rows}
    assert [c.value for c in rows["ST-01"].cells] == [4, 2, 3]
    assert rows["ST-01"].spread == 2 and rows["ST-01"].differs
    assert rows["ST-02"].spread == 2 and rows["ST-02"].differs  # 3 / 3 / 1
    assert rows["ST-03"].spread == 0 and not rows["ST-03"].differs
    assert compare["differences"] == 2


def test_a_draft_perspective_is_hidden_from_others(world):
    evaluation = started(world)
    rate_all(evaluation, Perspective.WORKER, [4, 4, 4], world.users["worker"])
    compare = selectors.side_by_side(evaluation=evaluation, user=world.users["principal"])
    worker_cells = [g.rows[0].cells[0] for g in compare["groups"]]
    assert all(c.hidden and c.value is None for c in worker_cells)
    mine = selectors.side_by_side(evaluation=evaluation, user=world.users["worker"])
    assert [g.rows[0].cells[0].value for g in mine["groups"]] == [4, 4, 4]


def test_state_rules(world):
    evaluation = submitted(world)
    # The worker's ratings are locked after submission.
    with pytest.raises(services.InvalidStepError):
        rate_all(evaluation, Perspective.WORKER, [1, 1, 1], world.users["worker"])
    # The principal co-signs only with the school's view complete.
    with pytest.raises(ValidationError):
        services.evaluation_co_sign(evaluation=evaluation, by=world.users["principal"])
    with pytest.raises(PermissionDenied):
        services.evaluation_co_sign(evaluation=evaluation, by=world.users["carrier"])
    rate_all(evaluation, Perspective.SCHOOL, [3, 3, 3], world.users["principal"])
    services.evaluation_co_sign(evaluation=evaluation, by=world.users["principal"])
    evaluation.refresh_from_db()
    assert evaluation.status == ST.CO_SIGNED
    school = evaluation.perspectives.get(perspective="school")
    assert school.signed_at and school.signed_by == world.users["principal"]
    with pytest.raises(services.InvalidStepError):
        rate_all(evaluation, Perspective.SCHOOL, [1, 1, 1], world.users["principal"])


def test_return_to_draft(world):
    evaluation = submitted(world)
    with pytest.raises(ValidationError):
        services.evaluation_return(evaluation=evaluation, comment=" ", by=world.users["principal"])
    services.evaluation_return(
        evaluation=evaluation, comment="Bitte ST-02 belegen", by=world.users["principal"]
    )
    evaluation.refresh_from_db()
    assert evaluation.status == ST.DRAFT
    assert evaluation.perspectives.get(perspective="worker").submitted_at is None


def test_closing_review_creates_yearly_goals_of_the_next_year(world):
    evaluation = co_signed(world)
    standard = evaluation.framework_version.standards.get(code="ST-02")
    review = services.closing_review_create(
        evaluation=evaluation,
        strengths="Gute Erreichbarkeit",
        weaknesses="Vertraulichkeit bei Teamsitzungen",
        changes=[
            ChangeInput(
                goal="Beratungsraum mit Sichtschutz",
                measures="Raumtausch mit der Schulleitung klären",
                responsible=YearlyGoal.Responsible.PRINCIPAL,
                standard_id=standard.pk,
            ),
            ChangeInput(
                goal="Sprechzeiten veröffentlichen",
                measures="Aushang und Homepage",
                responsible=YearlyGoal.Responsible.WORKER,
            ),
        ],
        by=world.users["worker"],
    )
    evaluation.refresh_from_db()
    assert evaluation.status == ST.CLOSED
    goals = YearlyGoal.objects.filter(school=world.schools[0], school_year=review.next_school_year)
    assert sorted(goals.values_list("goal", flat=True)) == [
        "Beratungsraum mit Sichtschutz",
        "Sprechzeiten veröffentlichen",
    ]
    assert review.next_school_year.start.year == world.year.start.year + 1
    assert review.changes.get(position=0).standard == standard
    assert (
        AuditEntry.objects.filter(object_type="concepts.yearlygoal", action="create").count() == 2
    )


def test_closing_review_limits_the_changes(world):
    QualitySettings.objects.create(municipality=world.town, max_changes=2)
    evaluation = co_signed(world)
    changes = [
        ChangeInput(goal=f"Ziel {i}", measures="Maßnahme", responsible="worker") for i in range(3)
    ]
    with pytest.raises(ValidationError):
        services.closing_review_create(
            evaluation=evaluation,
            strengths="",
            weaknesses="",
            changes=changes,
            by=world.users["worker"],
        )
    assert not YearlyGoal.objects.filter(goal__startswith="Ziel").exists()
    with pytest.raises(PermissionDenied):
        services.closing_review_create(
            evaluation=evaluation,
            strengths="",
            weaknesses="",
            changes=changes[:1],
            by=world.users["coordinator"],
        )


def test_dialogue_participants_never_pupils_names_only_staff(world):
    evaluation = co_signed(world)
    roles = set(DialogueParticipant.ParticipantRole.values)
    assert not {"pupil", "pupils", "parent", "parents"} & roles
    with pytest.raises(ValidationError):
        services.dialogue_create(
            school=world.schools[0],
            school_year=world.year,
            date=world.year.start,
            participants=[ParticipantInput(role="partner", name="Frau Beispiel")],
            by=world.users["coordinator"],
        )
    with pytest.raises(ValidationError):
        services.dialogue_create(
            school=world.schools[0],
            school_year=world.year,
            date=world.year.start,
            participants=[ParticipantInput(role="pupil")],
            by=world.users["coordinator"],
        )
    goal = YearlyGoal.objects.create(
        school=world.schools[0],
        school_year=world.year,
        goal="Klassenrat",
        measures="x",
        responsible="worker",
    )
    dialogue = services.dialogue_create(
        school=world.schools[0],
        school_year=world.year,
        date=world.year.start,
        participants=[
            ParticipantInput(role="coordination", name="K. Koordination"),
            ParticipantInput(role="partner", institution="ASD Teststadt"),
        ],
        agreements="Halbjährliches Gespräch",
        evaluation=evaluation,
        follow_up_goals=[goal],
        by=world.users["coordinator"],
    )
    assert list(dialogue.follow_up_goals.all()) == [goal]
    assert dialogue.participants.count() == 2
    with pytest.raises(PermissionDenied):
        services.dialogue_create(
            school=world.schools[0],
            school_year=world.year,
            date=world.year.start,
            participants=[ParticipantInput(role="worker")],
            by=world.users["principal"],
        )


def test_audit_entries_read_in_german(world):
    from schulsozial.core.audit_display import describe_entry

    evaluation = started(world)
    standard = evaluation.framework_version.standards.first()
    services.ratings_save(
        evaluation=evaluation,
        perspective=Perspective.WORKER,
        entries=[
            RatingInput(
                standard_id=standard.pk, not_applicable=True, not_applicable_reason="Kein Bedarf"
            )
        ],
        summary="Gut aufgestellt",
        by=world.users["worker"],
    )
    entry = AuditEntry.objects.filter(object_type="quality.selfevaluation").order_by("-pk")[0]
    text = describe_entry(entry)
    assert "Perspektive: Schulsozialarbeit" in text
    assert f"{standard.code}: – → nicht zutreffend" in text
    assert "Gesamteinschätzung" in text and "summary" not in text


def test_rating_averages_per_standard_and_school_for_the_heat_map(world):
    first = submitted(world, values=(4, 3, 2))
    second = started(world, 2)
    rate_all(second, Perspective.WORKER, [1, 2, 2], world.users["worker2"])
    services.evaluation_submit(evaluation=second, by=world.users["worker2"])
    averages = selectors.rating_averages(user=world.users["coordinator"], school_year=world.year)
    s0, s2 = world.schools[0].pk, world.schools[2].pk
    assert averages[("ST-01", s0)] == 4 and averages[("ST-01", s2)] == 1
    assert averages[("ST-03", s2)] == 2
    assert len(averages) == 6
    # Scoped: the social worker of school 0 sees only its own school.
    mine = selectors.rating_averages(user=world.users["worker"], school_year=world.year)
    assert {school for _code, school in mine} == {s0}
    assert first.status == ST.SUBMITTED
