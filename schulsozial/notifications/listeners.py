"""What the concepts' events notify, and whom (registered in
NotificationsConfig.ready on core/events.py).

The recipients are the users who can take the next step, asked through
concepts.permissions (the same rule that shows them the button), never the
one who acted. Each listener runs in the service's transaction: it records
the notifications and their delivery is enqueued on commit (services.notify).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from schulsozial.accounts.models import Role, User
from schulsozial.concepts import permissions as cperms
from schulsozial.concepts import selectors as cs
from schulsozial.concepts.models import FrameworkVersion, SchoolConcept
from schulsozial.core import events
from schulsozial.masterdata.models import PositionAssignment

from . import services
from .models import Notification

K = Notification.Kind


def _users(**role_filter: Any) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True, **{f"role_assignments__{k}": v for k, v in role_filter.items()}
    ).distinct()


def _who(candidates: Iterable[User], rule: Callable[[User], bool], by: Any) -> list[User]:
    return [u for u in candidates if u.pk != getattr(by, "pk", None) and rule(u)]


def principals_of(concept: SchoolConcept) -> QuerySet[User]:
    return _users(role=Role.PRINCIPAL, school_id=concept.school_id)


def carrier_managers_of(concept: SchoolConcept) -> QuerySet[User]:
    carriers = PositionAssignment.objects.filter(school_id=concept.school_id).values(
        "position__carrier_id"
    )
    return _users(role=Role.CARRIER, carrier_id__in=carriers)


def drafters_of(concept: SchoolConcept) -> QuerySet[User]:
    return _users(role=Role.WORKER, school_id=concept.school_id)


def coordinators_of(municipality_id: int) -> QuerySet[User]:
    return _users(role=Role.COORDINATION, municipality_id=municipality_id)


def on_school_concept_step(
    *, concept: SchoolConcept, action: str, by: Any, comment: str = "", **_extra: Any
) -> None:
    school = concept.school
    url = reverse("concepts:school_concept_detail", args=[concept.pk])
    mun = school.municipality_id
    said = ("\n\n" + _("Comment: %(comment)s") % {"comment": comment}) if comment else ""
    with translation.override(settings.LANGUAGE_CODE):
        if action == "submit":
            recipients = _who(
                principals_of(concept),
                lambda u: cperms.can_approve_school_concept_as_principal(u, concept),
                by,
            ) + _who(
                carrier_managers_of(concept),
                lambda u: cperms.can_approve_school_concept_as_carrier(u, concept),
                by,
            )
            services.notify(
                recipients=recipients,
                kind=K.APPROVAL_REQUESTED,
                title=_("The school concept of %(school)s awaits your approval")
                % {"school": school.name},
                body=_(
                    "The school social work of %(school)s has submitted its school concept. "
                    "Please read it and approve it or request changes."
                )
                % {"school": school.name}
                + said,
                url=url,
                municipality_id=mun,
            )
        elif action == "request_changes":
            services.notify(
                recipients=_who(
                    drafters_of(concept),
                    lambda u: cperms.can_draft_school_concept(u, school),
                    by,
                ),
                kind=K.CHANGES_REQUESTED,
                title=_("Changes requested to the school concept of %(school)s")
                % {"school": school.name},
                body=_("The school concept went back to you for changes.") + said,
                url=url,
                municipality_id=mun,
            )
        elif action in ("approve_principal", "approve_carrier") and (
            concept.status == SchoolConcept.Status.APPROVED
        ):
            recipients = _who(
                drafters_of(concept), lambda u: cperms.can_draft_school_concept(u, school), by
            ) + _who(
                coordinators_of(mun),
                lambda u: cperms.can_acknowledge_school_concept(u, concept),
                by,
            )
            services.notify(
                recipients=recipients,
                kind=K.CONCEPT_APPROVED,
                title=_("The school concept of %(school)s is approved") % {"school": school.name},
                body=_(
                    "The principal and the carrier have approved the school concept; "
                    "it awaits the acknowledgement by coordination."
                )
                + said,
                url=url,
                municipality_id=mun,
            )
        elif action == "acknowledge":
            services.notify(
                recipients=_who(
                    drafters_of(concept), lambda u: cperms.can_draft_school_concept(u, school), by
                ),
                kind=K.CONCEPT_ACKNOWLEDGED,
                title=_("The school concept of %(school)s is acknowledged")
                % {"school": school.name},
                body=_("Coordination has acknowledged the school concept. Next review: %(date)s.")
                % {
                    "date": date_format(concept.review_due, "SHORT_DATE_FORMAT")
                    if concept.review_due
                    else "–"
                }
                + said,
                url=url,
                municipality_id=mun,
            )


def on_consultation_opened(*, version: FrameworkVersion, by: Any, **_extra: Any) -> None:
    """Everybody invited, in person or by a role held in the municipality."""
    roles = list(version.invitations.exclude(role="").values_list("role", flat=True))
    candidates = {
        u.pk: u
        for u in User.objects.filter(
            is_active=True, pk__in=version.invitations.filter(user__isnull=False).values("user_id")
        )
    }
    if roles:
        candidates.update(
            (u.pk, u)
            for u in cs.invitable_users(version=version).filter(
                role_assignments__role__in=roles,
                role_assignments__municipality_id=version.municipality_id,
            )
        )
    with translation.override(settings.LANGUAGE_CODE):
        closes = (
            date_format(version.consultation_closes, "SHORT_DATE_FORMAT")
            if version.consultation_closes
            else "–"
        )
        services.notify(
            recipients=_who(
                candidates.values(), lambda u: cperms.can_comment_on_framework(u, version), by
            ),
            kind=K.CONSULTATION_OPENED,
            title=_("Consultation on the framework concept “%(title)s”") % {"title": version.title},
            body=_(
                "You are invited to comment on the draft of the framework concept until %(date)s."
            )
            % {"date": closes},
            url=reverse("concepts:framework_detail", args=[version.pk]),
            municipality_id=version.municipality_id,
        )


def register_all() -> None:
    events.listen(events.SCHOOL_CONCEPT_STEP, on_school_concept_step)
    events.listen(events.CONSULTATION_OPENED, on_consultation_opened)
