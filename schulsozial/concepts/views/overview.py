"""Coordination's concept landscape and the reviews due."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _

from schulsozial.core.listing import Column, require

from .. import permissions as perms
from .. import selectors
from .common import ConceptTable, url


def _state_label(o: Any) -> str:
    if o.concept_state == "transition" and o.transition_until:
        return _gettext("valid until %(date)s (transition period)") % {
            "date": formats.date_format(o.transition_until, "SHORT_DATE_FORMAT")
        }
    return str(selectors.OVERVIEW_LABELS.get(o.concept_state, o.concept_state))


def _has_concept(o: Any) -> bool:
    return bool(o.concept_state != "none")


def _concept_link(o: Any) -> str:
    concept = getattr(o, "concept", None) if _has_concept(o) else None
    return url("school_concept_detail", concept.pk) if concept else ""


class Overview(ConceptTable):
    """Coordination's concept landscape: the framework, the consultation and
    the concept status of every school."""

    title = _("Concept landscape")
    export_name = "concept_overview"
    template_name = "concepts/overview.html"
    columns = [
        Column("school_number", _("school number"), sort="school_number"),
        Column("name", _("school"), sort="name", link=_concept_link),
        Column("school_type", _("school type"), value=lambda o: o.get_school_type_display()),
        Column("concept_state", _("concept status"), value=_state_label, sort="concept_state"),
        Column(
            "version",
            _("framework version"),
            value=lambda o: o.concept.framework_version.number if _has_concept(o) else None,
        ),
        Column(
            "review_due",
            _("review due"),
            value=lambda o: o.concept.review_due if _has_concept(o) else None,
            sort="concept__review_due",
        ),
    ]
    search_fields = ["name", "school_number"]
    default_sort = "name"

    def check_access(self) -> None:
        require(perms.can_view_concept_overview(self.request.user))

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.overview_schools(
            user=self.request.user, state=self.request.GET.get("state")
        )

    def extra_context(self) -> dict[str, Any]:
        # The council app builds on the scenarios and concepts (its models link to
        # them), so these pages reach the council's papers at call time, never at import.
        from schulsozial.council.selectors import papers_concerning_school_concepts

        return {
            "figures": selectors.overview_figures(user=self.request.user),
            "states": selectors.OVERVIEW_STATES,
            "state": self.request.GET.get("state", ""),
            "council_papers": papers_concerning_school_concepts(user=self.request.user),
        }


class ReviewList(ConceptTable):
    title = _("School concepts due for review")
    export_name = "concept_reviews"
    columns = [
        Column(
            "school",
            _("school"),
            value=lambda o: o.school.name,
            sort="school__name",
            link=lambda o: url("school_concept_detail", o.pk),
        ),
        Column("review_due", _("review due"), sort="review_due"),
        Column("overdue", _("overdue")),
        Column(
            "acknowledged_at",
            _("acknowledged"),
            value=lambda o: timezone.localdate(o.acknowledged_at) if o.acknowledged_at else None,
        ),
    ]
    default_sort = "review_due"

    def check_access(self) -> None:
        require(perms.can_view_concept_overview(self.request.user))

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.reviews_due(user=self.request.user)
