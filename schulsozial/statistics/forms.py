"""The filter form of the statistics page (plain GET form, works without JS)."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from schulsozial.activities.models import CatalogueEntry, CatalogueKind
from schulsozial.masterdata.models import Carrier, School, SchoolType

from .selectors import Filters, Scope, current_school_year, schools_in
from .sources import SCHOOL_YEAR_MONTHS

MONTH_NAMES = {
    1: _("January"), 2: _("February"), 3: _("March"), 4: _("April"), 5: _("May"),
    6: _("June"), 7: _("July"), 8: _("August"), 9: _("September"), 10: _("October"),
    11: _("November"), 12: _("December"),
}  # fmt: skip


class StatisticsFilterForm(forms.Form):
    view = forms.ChoiceField(label=_("View"), required=False)
    school_year = forms.TypedChoiceField(label=_("School year"), coerce=int, required=False)
    month_from = forms.TypedChoiceField(
        label=_("From month"), coerce=int, required=False, empty_value=None
    )
    month_to = forms.TypedChoiceField(
        label=_("To month"), coerce=int, required=False, empty_value=None
    )
    school = forms.TypedChoiceField(label=_("School"), coerce=int, required=False, empty_value=None)
    school_type = forms.ChoiceField(label=_("School type"), required=False)
    carrier = forms.TypedChoiceField(
        label=_("Carrier"), coerce=int, required=False, empty_value=None
    )
    activity_type = forms.TypedChoiceField(
        label=_("Activity type"), coerce=int, required=False, empty_value=None
    )

    def __init__(self, *args: Any, scopes: list[Scope], scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scope = scope
        self._choice_field("view").choices = [(s.key, s.label) for s in scopes]
        now = current_school_year()
        self._choice_field("school_year").choices = [
            (y, f"{y}/{(y + 1) % 100:02d}") for y in range(now, now - 10, -1)
        ]
        months = [("", "–")] + [(m, MONTH_NAMES[m]) for m in SCHOOL_YEAR_MONTHS]
        self._choice_field("month_from").choices = months
        self._choice_field("month_to").choices = months
        schools = School.objects.filter(
            pk__in=School.objects.filter(schools_in(scope)).values("pk")
        ).order_by("name")
        school_choices = [("", _("all")), *list(schools.values_list("pk", "name"))]
        self._choice_field("school").choices = school_choices
        self._choice_field("school_type").choices = [("", _("all")), *SchoolType.choices]
        carriers = Carrier.objects.filter(municipality_id__in=scope.municipality_ids)
        if scope.carrier_ids is not None:
            carriers = carriers.filter(pk__in=scope.carrier_ids)
        self._choice_field("carrier").choices = [
            ("", _("all")),
            *list(carriers.order_by("name").values_list("pk", "name")),
        ]
        types = CatalogueEntry.objects.filter(
            municipality_id__in=scope.municipality_ids, kind=CatalogueKind.ACTIVITY_TYPE
        ).order_by("municipality_id", "sort_order")
        self._choice_field("activity_type").choices = [
            ("", _("all")),
            *list(types.values_list("pk", "label")),
        ]
        if scope.kind in ("principal", "worker") and len(school_choices) <= 2:
            del self.fields["school"]
            del self.fields["school_type"]
        if scope.kind in ("carrier", "worker", "principal"):
            del self.fields["carrier"]

    def _choice_field(self, name: str) -> forms.ChoiceField:
        # Every field of this form is a ChoiceField (declared above).
        return cast(forms.ChoiceField, self.fields[name])

    def filters(self) -> Filters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return Filters(
            school_year=data.get("school_year") or current_school_year(),
            month_from=data.get("month_from"),
            month_to=data.get("month_to"),
            school_id=data.get("school"),
            school_type=data.get("school_type") or "",
            carrier_id=data.get("carrier"),
            activity_type_id=data.get("activity_type"),
        )
