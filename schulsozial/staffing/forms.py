"""Forms of the staffing plan pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from schulsozial.allocation.models import Scenario
from schulsozial.masterdata.models import Carrier, School, SchoolYear, StaffMember


class ScenarioChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.school_year} – {obj.name} ({obj.municipality})"


class PlanCreateForm(forms.Form):
    scenario = ScenarioChoice(
        label=_("adopted distribution"), queryset=Scenario.objects.none(), empty_label=None
    )
    carrier = forms.ModelChoiceField(
        label=_("only the staff of this carrier"),
        queryset=Carrier.objects.none(),
        required=False,
        empty_label=_("all carriers"),
    )

    def __init__(
        self,
        *args: Any,
        scenarios: QuerySet[Scenario],
        carriers: QuerySet[Carrier],
        carrier_required: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["scenario"].queryset = scenarios  # type: ignore[attr-defined]
        self.fields["carrier"].queryset = carriers  # type: ignore[attr-defined]
        if carrier_required:
            self.fields["carrier"].required = True
            self.fields["carrier"].empty_label = None  # type: ignore[attr-defined]


class RolloverForm(forms.Form):
    school_year = forms.ModelChoiceField(
        label=_("school year to roll over into"), queryset=SchoolYear.objects.all()
    )
    carrier = forms.ModelChoiceField(
        label=_("only the staff of this carrier"),
        queryset=Carrier.objects.none(),
        required=False,
        empty_label=_("all carriers"),
    )

    def __init__(
        self,
        *args: Any,
        carriers: QuerySet[Carrier],
        carrier_required: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["carrier"].queryset = carriers  # type: ignore[attr-defined]
        if carrier_required:
            self.fields["carrier"].required = True
            self.fields["carrier"].empty_label = None  # type: ignore[attr-defined]


class PinForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("staff member"), queryset=StaffMember.objects.none())
    school = forms.ModelChoiceField(label=_("school"), queryset=School.objects.none())
    fte = forms.DecimalField(
        label=_("FTE"),
        min_value=Decimal("0.01"),
        max_value=Decimal("1"),
        decimal_places=4,
        localize=True,
    )

    def __init__(
        self,
        *args: Any,
        staff: QuerySet[StaffMember],
        schools: QuerySet[School],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff  # type: ignore[attr-defined]
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]


class BanForm(forms.Form):
    staff = forms.ModelChoiceField(label=_("staff member"), queryset=StaffMember.objects.none())
    school = forms.ModelChoiceField(label=_("school"), queryset=School.objects.none())

    def __init__(
        self,
        *args: Any,
        staff: QuerySet[StaffMember],
        schools: QuerySet[School],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff  # type: ignore[attr-defined]
        self.fields["school"].queryset = schools  # type: ignore[attr-defined]
