"""The audit log page (administration): filter by person, action, object
type and text, and date range; export the filtered list (CSV/XLSX, itself
audited). A municipal administrator sees its scope only
(permissions.audit_visible_q)."""

from __future__ import annotations

import datetime
from typing import Any

import django_filters as df
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schulsozial.core.audit_display import (
    describe_changes,
    describe_entry,
    object_type_choices,
    object_type_label,
)
from schulsozial.core.listing import Column, TableView, require
from schulsozial.core.models import AuditEntry

from . import permissions as perms
from . import selectors

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AuditFilter(df.FilterSet):
    actor = df.ModelChoiceFilter(label=_("person"), queryset=None)
    action = df.ChoiceFilter(label=_("action"), choices=AuditEntry.Action.choices)
    object_type = df.ChoiceFilter(label=_("object type"), choices=object_type_choices)
    object_text = df.CharFilter(
        label=_("object"), field_name="object_repr", lookup_expr="icontains", max_length=100
    )
    date_from = df.DateFilter(label=_("from"), method="filter_from", widget=_DATE)
    date_to = df.DateFilter(label=_("to"), method="filter_to", widget=_DATE)

    class Meta:
        model = AuditEntry
        fields: list[str] = []

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        self.filters["actor"].queryset = selectors.users_visible_to(user=user).order_by("username")

    @staticmethod
    def _start(day: datetime.date) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))

    def filter_from(self, queryset: QuerySet[AuditEntry], name: str, value: Any) -> Any:
        return queryset.filter(at__gte=self._start(value))

    def filter_to(self, queryset: QuerySet[AuditEntry], name: str, value: Any) -> Any:
        return queryset.filter(at__lt=self._start(value + datetime.timedelta(days=1)))


class AuditList(TableView):
    title = _("Audit log")
    export_name = "audit_log"
    filterset_class = AuditFilter
    columns = [
        Column("at", _("time"), sort="at"),
        Column("actor_label", _("user name"), sort="actor_label"),
        Column("action", _("action"), value=lambda o: o.get_action_display(), sort="action"),
        Column(
            "object_type",
            _("object type"),
            value=lambda o: object_type_label(o.object_type),
            sort="object_type",
        ),
        Column("object_repr", _("object")),
        Column("changes", _("details"), value=describe_changes, export_only=True),
        Column("summary", _("what happened"), value=describe_entry),
        Column("ip_address", _("IP address")),
    ]
    search_fields = ["actor_label", "object_repr", "object_type"]
    default_sort = "-at"

    def check_access(self) -> None:
        require(perms.can_view_audit_log(self.request.user))

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.audit_entries_visible_to(user=self.request.user)
