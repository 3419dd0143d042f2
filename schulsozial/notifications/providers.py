"""The tasks and deadlines of the concepts (framework and school concepts),
registered in NotificationsConfig.ready. Every read goes through the
concepts' scoped selectors and every "may this user do it" through
concepts.permissions, so the list shows exactly the steps the concept pages
would offer the user, and nothing of a municipality the user has no role in.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from schulsozial.concepts import permissions as cperms
from schulsozial.concepts import selectors as cs
from schulsozial.concepts.models import ConsultationComment, FrameworkVersion, SchoolConcept

from .registry import Deadline, WorkItem, register_deadlines, register_tasks

SC = SchoolConcept.Status
FV = FrameworkVersion.Status
# How far ahead a review due shows in the task list (the concepts' overview uses the same).
REVIEW_SOON_DAYS = cs.SOON_DAYS


def _concept_url(concept: SchoolConcept) -> str:
    return reverse("concepts:school_concept_detail", args=[concept.pk])


def _framework_url(version: FrameworkVersion) -> str:
    return reverse("concepts:framework_detail", args=[version.pk])


def approval_due(concept: Any) -> datetime.date | None:
    """The date by which the principal and the carrier are asked to approve:
    SCHOOL_CONCEPT_APPROVAL_DAYS after the latest submission (`submitted`
    annotated by `_awaiting`)."""
    submitted = getattr(concept, "submitted", None)
    if submitted is None:
        return None
    days = settings.SCHOOL_CONCEPT_APPROVAL_DAYS
    return timezone.localdate(submitted) + datetime.timedelta(days=days)


def _awaiting(user: Any, statuses: list[str]) -> Any:
    return (
        cs.school_concepts_visible_to(user=user)
        .filter(status__in=statuses)
        .annotate(submitted=Max("steps__at", filter=Q(steps__action="submit")))
    )


def _approval_open(user: Any, concept: SchoolConcept) -> bool:
    return any(
        cs.transition_allowed(concept=concept, action=action, user=user)
        for action in ("approve_principal", "approve_carrier")
    )


def school_concept_tasks(user: Any, day: datetime.date) -> Iterator[WorkItem]:
    """Approve (principal, carrier; due SCHOOL_CONCEPT_APPROVAL_DAYS after
    the submission), revise after a request for changes (the school's social
    workers), acknowledge (coordination), review (drafters and coordination,
    from 90 days before the review is due)."""
    if not cperms.can_use_school_concepts(user):
        return
    waiting = _awaiting(user, [SC.SUBMITTED, SC.APPROVED, SC.CHANGES_REQUESTED])
    for concept in waiting.order_by("school__name"):
        school, mun = concept.school.name, concept.school.municipality_id
        url = _concept_url(concept)
        if concept.status == SC.SUBMITTED:
            if _approval_open(user, concept):
                yield WorkItem(
                    "approve_school_concept",
                    _("Approve the school concept of %(school)s") % {"school": school},
                    url,
                    due=approval_due(concept),
                    municipality_id=mun,
                )
        elif concept.status == SC.APPROVED:
            if cs.transition_allowed(concept=concept, action="acknowledge", user=user):
                yield WorkItem(
                    "acknowledge_school_concept",
                    _("Acknowledge the school concept of %(school)s") % {"school": school},
                    url,
                    municipality_id=mun,
                )
        elif cperms.can_edit_school_concept(user, concept):
            yield WorkItem(
                "revise_school_concept",
                _("Revise the school concept of %(school)s: changes were requested")
                % {"school": school},
                url,
                municipality_id=mun,
            )
    for concept in cs.reviews_due(user=user, day=day).order_by("review_due"):
        if cperms.can_revise_school_concept(user, concept):
            yield WorkItem(
                "review_school_concept",
                _("Review the school concept of %(school)s") % {"school": concept.school.name},
                _concept_url(concept),
                due=concept.review_due,
                municipality_id=concept.school.municipality_id,
            )


def framework_tasks(user: Any, day: datetime.date) -> Iterator[WorkItem]:
    """Comment in a consultation one is invited to (until one has
    commented), answer open comments and review the adopted framework
    (coordination)."""
    if not cperms.can_use_concepts(user):
        return
    versions = cs.framework_versions_visible_to(user=user).filter(
        status__in=[FV.CONSULTATION, FV.ADOPTED]
    )
    versions = versions.annotate(
        open_comments=Count("comments", filter=Q(comments__answer=ConsultationComment.Answer.OPEN)),
        mine=Count("comments", filter=Q(comments__author=user)),
    ).order_by("municipality__name")
    for version in versions:
        url, mun = _framework_url(version), version.municipality_id
        if version.status == FV.CONSULTATION:
            if not version.mine and cperms.can_comment_on_framework(user, version):
                yield WorkItem(
                    "comment_consultation",
                    _("Comment on the framework concept “%(title)s”") % {"title": version.title},
                    url,
                    due=version.consultation_closes,
                    municipality_id=mun,
                )
            if version.open_comments and cperms.can_manage_framework(user, mun):
                yield WorkItem(
                    "answer_comments",
                    ngettext(
                        "Answer %(n)s consultation comment on “%(title)s”",
                        "Answer %(n)s consultation comments on “%(title)s”",
                        version.open_comments,
                    )
                    % {"n": version.open_comments, "title": version.title},
                    reverse("concepts:comment_list") + "?open=1",
                    due=version.consultation_closes,
                    municipality_id=mun,
                )
        elif (
            version.review_due
            and version.review_due <= day + datetime.timedelta(days=REVIEW_SOON_DAYS)
            and cperms.can_manage_framework(user, mun)
        ):
            yield WorkItem(
                "review_framework",
                _("Review the framework concept “%(title)s”") % {"title": version.title},
                url,
                due=version.review_due,
                municipality_id=mun,
            )


def concept_deadlines(user: Any, day: datetime.date) -> Iterator[Deadline]:
    """Consultation ends (invitees and coordination), framework review due
    (coordination), approval of a submitted school concept requested (the
    principal and carrier who have not approved yet), school concept review
    due (everybody who sees the concept; reminders to those who revise it)."""
    if not cperms.can_use_concepts(user) and not cperms.can_use_school_concepts(user):
        return
    for version in cs.framework_versions_visible_to(user=user).filter(
        status__in=[FV.CONSULTATION, FV.ADOPTED]
    ):
        mun = version.municipality_id
        manage = cperms.can_manage_framework(user, mun)
        if version.status == FV.CONSULTATION and version.consultation_closes:
            yield Deadline(
                f"consultation_closes:{version.pk}",
                version.consultation_closes,
                _("Consultation on “%(title)s” ends") % {"title": version.title},
                _framework_url(version),
                municipality_id=mun,
                remind=manage or cperms.can_comment_on_framework(user, version),
            )
        elif version.status == FV.ADOPTED and version.review_due and manage:
            yield Deadline(
                f"framework_review:{version.pk}",
                version.review_due,
                _("Framework concept “%(title)s”: review due") % {"title": version.title},
                _framework_url(version),
                municipality_id=mun,
                remind=True,
            )
    for concept in _awaiting(user, [SC.SUBMITTED]):
        due = approval_due(concept)
        if due and _approval_open(user, concept):
            yield Deadline(
                f"school_concept_approval:{concept.pk}",
                due,
                _("School concept %(school)s: approval requested")
                % {"school": concept.school.name},
                _concept_url(concept),
                municipality_id=concept.school.municipality_id,
                remind=True,
            )
    concepts = cs.school_concepts_visible_to(user=user).filter(
        status=SC.ACKNOWLEDGED, review_due__isnull=False
    )
    for concept in concepts:
        yield Deadline(
            f"school_concept_review:{concept.pk}",
            concept.review_due,  # type: ignore[arg-type]  # filtered on not null
            _("School concept %(school)s: review due") % {"school": concept.school.name},
            _concept_url(concept),
            municipality_id=concept.school.municipality_id,
            remind=cperms.can_revise_school_concept(user, concept),
        )


def register_all() -> None:
    register_tasks(school_concept_tasks)
    register_tasks(framework_tasks)
    register_deadlines(concept_deadlines)
