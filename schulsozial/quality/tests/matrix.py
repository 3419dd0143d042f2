"""This app's rows of the permission matrix (tests/test_permission_matrix.py).

EXPECTED: URL name -> (method, outcome per persona), built with `row(...)` in
the order coordinator, carrier, worker, worker2, principal, committee, admin,
anonymous. `url_args(name, world)` returns the reverse() arguments of the
app's URL names (create the objects it needs in `world.town`).

The self-evaluation and the dialogue belong to school 0: its social worker
(worker) and principal, the carrier serving it (carrier) and coordination
read them; worker2 (school 2) gets 404; committee and administration have no
quality pages (403).
"""

from __future__ import annotations

from schulsozial.testing.matrix import LOGIN, row

EXPECTED: dict[str, tuple[str, dict[str, int]]] = {
    "quality:home": ("get", row(200, 200, 200, 200, 200, 403, 403, LOGIN)),
    # Only the school's worker may start; for everybody else the school is not startable.
    "quality:evaluation_start": ("post", row(404, 404, 302, 404, 404, 403, 403, LOGIN)),
    "quality:evaluation_detail": ("get", row(200, 200, 200, 404, 200, 403, 403, LOGIN)),
    # The worker perspective of a draft: only the school's social worker writes it.
    "quality:evaluation_edit": ("get", row(403, 403, 200, 404, 403, 403, 403, LOGIN)),
    # Submitting an incomplete draft sends back with a message (302).
    "quality:evaluation_submit": ("post", row(403, 403, 302, 404, 403, 403, 403, LOGIN)),
    "quality:evaluation_co_sign": ("post", row(403, 403, 403, 404, 302, 403, 403, LOGIN)),
    "quality:evaluation_return": ("post", row(403, 403, 302, 404, 302, 403, 403, LOGIN)),
    "quality:carrier_submit": ("post", row(403, 302, 403, 404, 403, 403, 403, LOGIN)),
    # A co-signed evaluation: the school's social worker writes the closing review.
    "quality:closing_review": ("get", row(403, 403, 200, 404, 403, 403, 403, LOGIN)),
    "quality:dialogue_list": ("get", row(200, 200, 200, 200, 200, 403, 403, LOGIN)),
    "quality:dialogue_create": ("get", row(200, 403, 200, 200, 403, 403, 403, LOGIN)),
    "quality:dialogue_detail": ("get", row(200, 200, 200, 404, 200, 403, 403, LOGIN)),
    "quality:dialogue_update": ("get", row(200, 403, 200, 404, 403, 403, 403, LOGIN)),
    "quality:dialogue_pdf": ("get", row(200, 200, 200, 404, 200, 403, 403, LOGIN)),
    "quality:cycle": ("get", row(200, 200, 403, 403, 403, 403, 403, LOGIN)),
    "quality:cycle_export": ("get", row(200, 200, 403, 403, 403, 403, 403, LOGIN)),
    "quality:settings": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    # Issue 16, part two. The overview of the standards: everybody with a quality
    # role sees the rows of the schools they read (worker2: its own school), the
    # committee the published town averages; administration nothing.
    "quality:heatmap": ("get", row(200, 200, 200, 200, 200, 200, 403, LOGIN)),
    "quality:heatmap_export": ("get", row(200, 200, 200, 200, 200, 200, 403, LOGIN)),
    "quality:annual_summary": ("get", row(200, 200, 403, 403, 403, 403, 403, LOGIN)),
    "quality:annual_summary_docx": ("get", row(200, 200, 403, 403, 403, 403, 403, LOGIN)),
    "quality:survey_list": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "quality:survey_detail": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "quality:survey_close": ("post", row(302, 403, 403, 403, 403, 403, 403, LOGIN)),
    "quality:survey_texts": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    "quality:question_set_edit": ("get", row(200, 403, 403, 403, 403, 403, 403, LOGIN)),
    # The anonymous answer page of an open survey: everybody, without login.
    "quality:survey_answer": ("get", row(200, 200, 200, 200, 200, 200, 200, 200)),
}


def url_args(name: str, world) -> dict[str, list]:
    from schulsozial.quality import services
    from schulsozial.quality.services import ParticipantInput
    from schulsozial.quality.tests.factories import co_signed, framework, started, submitted

    if not name.startswith("quality:"):
        return {}
    if name == "quality:evaluation_start":
        framework(world)
        return {name: [world.schools[0].pk]}
    if name == "quality:evaluation_edit":
        return {name: [started(world).pk, "worker"]}
    if name in (
        "quality:evaluation_co_sign",
        "quality:evaluation_return",
        "quality:carrier_submit",
    ):
        return {name: [submitted(world).pk]}
    if name == "quality:closing_review":
        return {name: [co_signed(world).pk]}
    if name in ("quality:evaluation_detail", "quality:evaluation_submit"):
        return {name: [started(world).pk]}
    if name.startswith("quality:dialogue_") and name not in (
        "quality:dialogue_list",
        "quality:dialogue_create",
    ):
        dialogue = services.dialogue_create(
            school=world.schools[0],
            school_year=world.year,
            date=world.year.start,
            participants=[ParticipantInput(role="worker"), ParticipantInput(role="principal")],
            agreements="Vereinbarung",
            by=world.users["coordinator"],
        )
        return {name: [dialogue.pk]}
    if name == "quality:cycle_export":
        return {name: ["csv"]}
    if name in ("quality:heatmap_export",):
        return {name: ["csv"]}
    if name == "quality:question_set_edit":
        return {name: ["staff"]}
    if name in ("quality:survey_detail", "quality:survey_close", "quality:survey_answer"):
        survey = _open_survey(world)
        return {name: [survey.token if name == "quality:survey_answer" else survey.pk]}
    return {}


def _open_survey(world):
    import datetime

    from django.utils import timezone

    from schulsozial.quality import services

    coordinator = world.users["coordinator"]
    services.settings_update(municipality=world.town, by=coordinator, surveys_enabled=True)
    today = timezone.localdate()
    return services.survey_create(
        school=world.schools[0],
        audience="staff",
        opens_on=today - datetime.timedelta(days=1),
        closes_on=today + datetime.timedelta(days=10),
        by=coordinator,
    )
