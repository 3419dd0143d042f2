"""Who may see and do what in quality management (the only place that decides).

- social worker (Fachkraft): the self-evaluations of own schools; drafts and
  submits the worker perspective, writes the closing review;
- principal (Schulleitung): the own school's; adds the school's view, co-signs;
- carrier (Träger): the schools its positions serve; adds its view, sees the result;
- coordination: every school of its municipality (read), records quality
  dialogues, sees the city-wide cycle table;
- Gremium (committee): no self-evaluation at all, only published aggregates
  (the heat map's published figures, issue 16 part two);
- administration: nothing of the content.

The allowed states of each step live in the services; here only the roles.
SYSTEM (demo, commands) passes the action checks marked `@system_may`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from schulsozial.accounts.models import Role
from schulsozial.accounts.permissions import (
    NOTHING,
    carrier_scope_q,
    carrier_serves_school,
    coordinates,
    has_role,
    municipality_ids,
    school_ids,
    school_scope_q,
    system_may,
)

from .models import Perspective

QUALITY_ROLES = (Role.COORDINATION, Role.CARRIER, Role.WORKER, Role.PRINCIPAL)


# --------------------------------------------------------------------------- pages


def can_use_quality(user: Any) -> bool:
    """The quality pages (overview, self-evaluations, dialogues)."""
    return has_role(user, *QUALITY_ROLES)


def can_view_cycle_table(user: Any) -> bool:
    """The QM cycle table: coordination (its municipality), carriers (own schools)."""
    return has_role(user, Role.COORDINATION, Role.CARRIER)


# --------------------------------------------------------------------------- visibility


def schools_q(user: Any, prefix: str = "") -> Q:
    """The schools whose quality records the user may read (`prefix` for a
    model pointing at the school): those of the quality roles, not the
    committee's."""
    return school_scope_q(user, roles=QUALITY_ROLES, prefix=prefix)


def evaluations_visible_q(user: Any) -> Q:
    return schools_q(user, "school__")


def dialogues_visible_q(user: Any) -> Q:
    return schools_q(user, "school__")


def cycle_schools_q(user: Any) -> Q:
    """The rows of the cycle table: coordination's municipality, a carrier's
    schools (no own-school rows: workers and principals have no cycle table)."""
    return school_scope_q(user, roles=(Role.COORDINATION, Role.CARRIER))


def cycle_carriers_q(user: Any) -> Q:
    """The carriers offered as a filter of the cycle table: coordination's
    municipality's, a carrier's own only (a school served by two carriers
    must not show the other carrier to a carrier's manager)."""
    return carrier_scope_q(user, roles=(Role.COORDINATION, Role.CARRIER))


def may_see_outcome_figures(user: Any) -> bool:
    """Documentation figures next to outcome standards: every reader of the
    self-evaluation; the figures themselves follow the statistics' own scopes
    and disclosure rules (statistics.permissions), never bypassed here."""
    return can_use_quality(user)


# --------------------------------------------------------------------------- actions


@system_may
def can_start_evaluation(user: Any, school: Any) -> bool:
    """Start the school's self-evaluation of a year: the school's social workers."""
    return school.pk in school_ids(user, Role.WORKER)


@system_may
def can_write_perspective(user: Any, evaluation: Any, perspective: str) -> bool:
    """Write (and submit) one perspective: worker -> the school's social
    workers, school -> its principal, carrier -> a carrier serving it."""
    sid = evaluation.school_id
    if perspective == Perspective.WORKER:
        return sid in school_ids(user, Role.WORKER)
    if perspective == Perspective.SCHOOL:
        return sid in school_ids(user, Role.PRINCIPAL)
    if perspective == Perspective.CARRIER:
        return carrier_serves_school(user, sid)
    return False


def writable_perspectives(user: Any, evaluation: Any) -> list[str]:
    return [p for p in Perspective.values if can_write_perspective(user, evaluation, p)]


@system_may
def can_co_sign(user: Any, evaluation: Any) -> bool:
    """Co-sign the submitted self-evaluation: the school's principal."""
    return evaluation.school_id in school_ids(user, Role.PRINCIPAL)


@system_may
def can_return_evaluation(user: Any, evaluation: Any) -> bool:
    """Send a submitted self-evaluation back to draft: the principal or a worker of it."""
    return evaluation.school_id in school_ids(user, Role.PRINCIPAL, Role.WORKER)


@system_may
def can_close_review(user: Any, evaluation: Any) -> bool:
    """Write the closing review (its changes become yearly goals, which the
    school's social workers manage in concepts): the school's social workers."""
    return evaluation.school_id in school_ids(user, Role.WORKER)


def can_see_perspective(user: Any, evaluation: Any, record: Any) -> bool:
    """A submitted perspective: every reader of the self-evaluation. A draft:
    only those who write it (and SYSTEM)."""
    if record is not None and record.submitted_at is not None:
        return True
    return can_write_perspective(user, evaluation, getattr(record, "perspective", ""))


@system_may
def can_record_dialogue(user: Any, school: Any) -> bool:
    """Record the quality dialogue: coordination of the municipality and the
    school's social workers."""
    return coordinates(user, school.municipality_id) or school.pk in school_ids(user, Role.WORKER)


def can_create_dialogues(user: Any) -> bool:
    """The page for a new dialogue (the school is chosen there)."""
    return has_role(user, Role.COORDINATION, Role.WORKER)


@system_may
def can_manage_settings(user: Any, municipality_id: int | None) -> bool:
    """The municipality's quality settings: coordination."""
    return coordinates(user, municipality_id)


def can_open_settings(user: Any) -> bool:
    return has_role(user, Role.COORDINATION)


def coordinates_school(user: Any, school: Any) -> bool:
    """Coordination of the school's municipality (whose task the quality dialogue is)."""
    return coordinates(user, school.municipality_id)


# --------------------------------------------------------------------------- heat map, summary, surveys
# (issue 16, part two)

# Committee figures: a town average of a standard is published only when at
# least this many schools rated it (fewer would show one school's rating).
PUBLISHED_MIN_SCHOOLS = 3


def can_view_heatmap(user: Any) -> bool:
    """The overview of the standards: coordination (its municipality's
    schools), carriers (their schools), social workers and principals (their
    own school's row), Gremium (only the published town averages)."""
    return has_role(user, *QUALITY_ROLES, Role.COMMITTEE)


def heatmap_schools_q(user: Any) -> Q:
    """The school rows of the heat map: the schools whose quality records the
    user reads (coordination: municipality, carrier: its schools, worker and
    principal: own schools). The committee gets no school rows."""
    return schools_q(user)


def heatmap_published_municipalities(user: Any) -> list[int]:
    """Municipalities whose published town averages (co-signed evaluations,
    at least PUBLISHED_MIN_SCHOOLS schools per standard) the user sees:
    the committee's."""
    return list(municipality_ids(user, Role.COMMITTEE))


def can_view_annual_summary(user: Any) -> bool:
    """The summary for the annual report: coordination and carriers (their schools)."""
    return has_role(user, Role.COORDINATION, Role.CARRIER)


def can_manage_surveys(user: Any) -> bool:
    """The survey pages (create, print the link, close, see results): coordination."""
    return has_role(user, Role.COORDINATION)


def surveys_visible_q(user: Any) -> Q:
    coord = municipality_ids(user, Role.COORDINATION)
    return Q(school__municipality_id__in=coord) if coord else NOTHING


@system_may
def can_run_survey_at(user: Any, school: Any) -> bool:
    """Create a survey for a school: coordination of its municipality."""
    return coordinates(user, school.municipality_id)


def can_answer_survey(user: Any) -> bool:
    """The anonymous survey page: everybody, without login (the link is the key)."""
    return True


def heatmap_is_town(user: Any) -> bool:
    """The heat map's average row covers the whole municipality (coordination,
    committee); for the others it is the average of the schools they see."""
    return has_role(user, Role.COORDINATION, Role.COMMITTEE)


def survey_municipality_ids(user: Any) -> list[int]:
    """Municipalities whose surveys (and pooled free texts) the user sees."""
    return list(municipality_ids(user, Role.COORDINATION))
