"""Forms of the staffing plan pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext
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
        label=_("school year to roll over into"),
        queryset=SchoolYear.objects.all(),
        empty_label=None,  # a school year is always chosen (the latest first)
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
    staff = forms.ModelChoiceField(
        label=_("staff member"), queryset=StaffMember.objects.none(), empty_label="–"
    )
    school = forms.ModelChoiceField(
        label=_("school"), queryset=School.objects.none(), empty_label="–"
    )
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
    staff = forms.ModelChoiceField(
        label=_("staff member"), queryset=StaffMember.objects.none(), empty_label="–"
    )
    school = forms.ModelChoiceField(
        label=_("school"), queryset=School.objects.none(), empty_label="–"
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


NO_CARRIER = ""


class SchoolCarriersForm(forms.Form):
    """One choice per school: "no fixed carrier" or one of the municipality's."""

    def __init__(self, *args: Any, schools: list[School], carriers: list[Carrier], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [(NO_CARRIER, _("no fixed carrier"))]
        choices += [(str(c.pk), c.name) for c in carriers]
        self.schools = schools
        for school in schools:
            self.fields[self.field_name(school)] = forms.ChoiceField(
                label=school.name,
                choices=choices,
                required=False,
                error_messages={
                    "invalid_choice": gettext(
                        "%(school)s: the carrier is not one of this municipality's carriers."
                    )
                    % {"school": school.name}
                },
            )

    @staticmethod
    def field_name(school: School) -> str:
        return f"school_{school.pk}"

    def initial_for(self, current: dict[int, int]) -> None:
        """Preselect today's carrier of each school."""
        for school in self.schools:
            chosen = current.get(school.pk)
            self.initial[self.field_name(school)] = str(chosen) if chosen else NO_CARRIER

    def mapping(self) -> dict[int, int | None]:
        return {
            s.pk: int(value) if (value := self.cleaned_data[self.field_name(s)]) else None
            for s in self.schools
        }

    def rows(self) -> list[tuple[School, Any]]:
        return [(s, self[self.field_name(s)]) for s in self.schools]
