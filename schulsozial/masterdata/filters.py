"""List filters (django-filter). Choices are limited to the user's scope."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters as df
from dateutil.relativedelta import relativedelta
from django.db.models import Exists, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import selectors
from .models import (
    Carrier,
    Function,
    Position,
    PositionAssignment,
    School,
    SchoolType,
    StaffMember,
    StaffQuerySet,
)


class ScopedFilterSet(df.FilterSet):
    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        for name, field in self.filters.items():
            if name == "carrier" and request is not None:
                field.queryset = selectors.carriers_visible_to(user=request.user)


class SchoolFilter(ScopedFilterSet):
    school_type = df.ChoiceFilter(choices=SchoolType.choices, label=_("school type"))
    legal_status = df.ChoiceFilter(choices=School.LegalStatus.choices, label=_("legal status"))
    social_index = df.NumberFilter(label=_("Sozialindex"))
    startchancen = df.BooleanFilter(label=_("Startchancen school"))
    coverage = df.ChoiceFilter(
        label=_("social work"),
        choices=[("none", _("without social work")), ("some", _("with social work"))],
        method="filter_coverage",
    )
    active = df.BooleanFilter(label=_("active"))

    class Meta:
        model = School
        fields = ["school_type", "legal_status", "active"]

    def filter_coverage(
        self, queryset: QuerySet[School], name: str, value: str
    ) -> QuerySet[School]:
        day = timezone.localdate()
        covered = PositionAssignment.objects.filter(
            school=OuterRef("pk"), position__in=Position.objects.active_on(day)
        )
        return (
            queryset.exclude(Exists(covered))
            if value == "none"
            else queryset.filter(Exists(covered))
        )


class CarrierFilter(ScopedFilterSet):
    class Meta:
        model = Carrier
        fields = ["kind", "active"]


class StaffFilter(ScopedFilterSet):
    carrier = df.ModelChoiceFilter(queryset=Carrier.objects.none(), label=_("carrier"))
    contract = df.ChoiceFilter(
        label=_("contract"),
        choices=[("fixed", _("fixed-term")), ("permanent", _("permanent"))],
        method="filter_contract",
    )
    ending_within = df.ChoiceFilter(
        label=_("contract ends within"),
        choices=[("3", _("3 months")), ("6", _("6 months")), ("12", _("12 months"))],
        method="filter_ending",
    )
    employed = df.BooleanFilter(label=_("employed today"), method="filter_employed")

    class Meta:
        model = StaffMember
        fields = ["carrier", "function", "qualification"]

    def filter_contract(
        self, queryset: QuerySet[StaffMember], name: str, value: str
    ) -> QuerySet[StaffMember]:
        return queryset.filter(contract_end__isnull=(value == "permanent"))

    def filter_ending(self, queryset: StaffQuerySet, name: str, value: str) -> StaffQuerySet:
        day = timezone.localdate()
        return queryset.employed_on(day).filter(
            contract_end__lte=day + relativedelta(months=int(value))
        )

    def filter_employed(self, queryset: StaffQuerySet, name: str, value: bool) -> StaffQuerySet:
        day: datetime.date = timezone.localdate()
        employed = queryset.employed_on(day)
        return employed if value else queryset.exclude(pk__in=employed.values("pk"))


class PositionFilter(ScopedFilterSet):
    carrier = df.ModelChoiceFilter(queryset=Carrier.objects.none(), label=_("carrier"))
    function = df.ChoiceFilter(choices=Function.choices, label=_("function"))
    vacant = df.BooleanFilter(field_name="staff_member", lookup_expr="isnull", label=_("vacant"))
    active = df.BooleanFilter(label=_("active today"), method="filter_active")
    school_type = df.ChoiceFilter(
        choices=SchoolType.choices, label=_("serves school type"), method="filter_school_type"
    )

    class Meta:
        model = Position
        fields = ["carrier", "funding_stream", "function"]

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        if request is not None:
            self.filters["funding_stream"].queryset = selectors.funding_streams_visible_to(
                user=request.user
            )

    def filter_active(
        self, queryset: QuerySet[Position], name: str, value: bool
    ) -> QuerySet[Position]:
        active = Position.objects.active_on(timezone.localdate())
        return queryset.filter(pk__in=active) if value else queryset.exclude(pk__in=active)

    def filter_school_type(
        self, queryset: QuerySet[Position], name: str, value: str
    ) -> QuerySet[Position]:
        return queryset.filter(
            Exists(
                PositionAssignment.objects.filter(
                    position=OuterRef("pk"), school__school_type=value
                )
            )
        )


class FundingFilter(ScopedFilterSet):
    class Meta:
        from .models import FundingStream

        model = FundingStream
        fields = ["kind", "active"]
