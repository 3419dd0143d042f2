"""Forms bind and validate input; the services do the writing."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from schulsozial.core.privacy import NoPersonalDataMixin

from .models import (
    Carrier,
    FundingStream,
    Municipality,
    Position,
    School,
    SchoolYear,
    StaffMember,
)

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def limit_choices(form: forms.BaseForm, name: str, queryset: QuerySet[Any]) -> None:
    """Offer only `queryset` in the model choice field `name` of `form`."""
    field = form.fields[name]
    if not isinstance(field, forms.ModelChoiceField):
        raise TypeError(f"{name} is not a model choice field")
    field.queryset = queryset


class ScopedMunicipalityMixin:
    """Adds a municipality choice limited to the given queryset (hidden when
    there is exactly one)."""

    fields: dict[str, forms.Field]

    def setup_municipality(self, municipalities: Any) -> None:
        field = forms.ModelChoiceField(
            queryset=municipalities, label=_("municipality"), empty_label=None
        )
        self.fields = {"in_municipality": field, **self.fields}
        if municipalities.count() == 1:
            field.initial = municipalities.first()
            field.widget = forms.HiddenInput()


class MunicipalityForm(forms.ModelForm):
    class Meta:
        model = Municipality
        fields = [
            "ags",
            "name",
            "kind",
            "fulltime_week_hours",
            "target_pupils_per_fte",
            "rule_max_schools_fulltime",
            "rule_parttime_fte_threshold",
            "rule_max_schools_parttime",
            "rule_workers_per_coordinator",
            "activity_correction_days",
            "activity_retention_years",
            "disclosure_threshold",
        ]


class SchoolYearForm(forms.Form):
    start_year = forms.IntegerField(
        label=_("first calendar year"),
        min_value=1990,
        max_value=2100,
        help_text=_("2026 creates the school year 2026/27 (1 Aug 2026 to 31 Jul 2027)."),
    )

    def clean_start_year(self) -> int:
        year = self.cleaned_data["start_year"]
        code = SchoolYear.bounds_for(year)[0]
        if SchoolYear.objects.filter(code=code).exists():
            raise forms.ValidationError(
                _("The school year %(code)s exists already."), params={"code": code}
            )
        return year


class SchoolForm(ScopedMunicipalityMixin, forms.ModelForm):
    class Meta:
        model = School
        fields = [
            "school_number",
            "name",
            "short_name",
            "school_type",
            "school_type_label",
            "legal_status",
            "authority_number",
            "authority_name",
            "street",
            "postcode",
            "city",
            "latitude",
            "longitude",
            "active",
        ]

    def __init__(self, *args: Any, municipalities: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if municipalities is not None:
            self.setup_municipality(municipalities)


class FiguresForm(forms.Form):
    school_year = forms.ModelChoiceField(queryset=SchoolYear.objects.all(), label=_("school year"))
    pupils = forms.IntegerField(label=_("pupils"), min_value=0, required=False)
    social_index = forms.IntegerField(
        label=_("Sozialindex"),
        min_value=1,
        max_value=9,
        required=False,
        help_text=_("Stage 1 to 9; leave empty for schools without an index."),
    )
    startchancen = forms.BooleanField(label=_("Startchancen school"), required=False)


class CarrierForm(ScopedMunicipalityMixin, forms.ModelForm):
    class Meta:
        model = Carrier
        fields = ["name", "kind", "active"]

    def __init__(self, *args: Any, municipalities: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if municipalities is not None:
            self.setup_municipality(municipalities)

    def validate_unique(self) -> None:
        # Uniqueness per municipality is checked by the service/database, as
        # the municipality is not a model-form field on create.
        pass


class StaffForm(NoPersonalDataMixin, forms.ModelForm):
    no_personal_data = ("label",)

    class Meta:
        model = StaffMember
        fields = [
            "label",
            "carrier",
            "function",
            "qualification",
            "weekly_hours",
            "contract_start",
            "contract_end",
        ]
        widgets = {"contract_start": DATE, "contract_end": DATE}

    def __init__(self, *args: Any, carriers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "carrier", carriers)
        self.fields["weekly_hours"].help_text = _(
            "FTE = weekly hours / full-time week of the municipality (default 39 h)."
        )

    def _post_clean(self) -> None:
        # FTE and scope checks need the municipality: the service does them.
        pass


class FundingRuleConfirmation(forms.Form):
    """The box to save an entry against the NRW funding-rule warnings (the
    service checks the rules, issue 15)."""

    confirm_rule_warnings = forms.BooleanField(
        label=_("Save despite the funding-rule warnings"),
        required=False,
        help_text=_("Only needed when the entry breaks a funding cap that allows exceptions."),
    )


class FundingStreamForm(ScopedMunicipalityMixin, forms.ModelForm):
    confirm_rule_warnings = FundingRuleConfirmation.base_fields["confirm_rule_warnings"]

    class Meta:
        model = FundingStream
        fields = ["code", "name", "kind", "funding_share_percent", "max_eligible_per_fte", "active"]

    def __init__(self, *args: Any, municipalities: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if municipalities is not None:
            self.setup_municipality(municipalities)

    def validate_unique(self) -> None:
        pass


class BudgetForm(forms.Form):
    school_year = forms.ModelChoiceField(queryset=SchoolYear.objects.all(), label=_("school year"))
    available_eur = forms.DecimalField(
        label=_("available (EUR)"), min_value=0, max_digits=12, decimal_places=2
    )
    cost_per_fte_eur = forms.DecimalField(
        label=_("cost rate per FTE (EUR)"), min_value=1, max_digits=10, decimal_places=2
    )
    confirm_rule_warnings = FundingRuleConfirmation.base_fields["confirm_rule_warnings"]


class PositionForm(forms.ModelForm):
    class Meta:
        model = Position
        fields = [
            "code",
            "carrier",
            "funding_stream",
            "function",
            "fte",
            "staff_member",
            "valid_from",
            "valid_to",
        ]
        widgets = {"valid_from": DATE, "valid_to": DATE}

    def __init__(self, *args: Any, carriers: Any, streams: Any, staff: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "carrier", carriers)
        limit_choices(self, "funding_stream", streams)
        limit_choices(self, "staff_member", staff)
        self.fields["staff_member"].required = False
        self.fields["staff_member"].help_text = _("Leave empty for a vacant position.")

    def _post_clean(self) -> None:
        pass


class AssignmentForm(forms.Form):
    school = forms.ModelChoiceField(queryset=School.objects.none(), label=_("school"))
    weekly_hours = forms.DecimalField(
        label=_("weekly hours"), min_value=0, max_digits=5, decimal_places=2
    )

    def __init__(self, *args: Any, schools: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "school", schools)


def figure_year_choices(codes: list[str]) -> list[tuple[str, Any]]:
    """The school years a school import's figures may count for, latest first;
    "" means the year in the column headings (else the current school year)."""
    return [
        ("", _("as in the column headings (else the current school year)")),
        *((code, code) for code in sorted(set(codes), reverse=True)),
    ]


def _set_choices(form: forms.BaseForm, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    if isinstance(field, forms.ChoiceField):
        field.choices = choices


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("file"),
        help_text=_(
            "CSV (UTF-8 or Windows-1252, comma or semicolon) or XLSX, e.g. the NRW school list."
        ),
    )
    municipality = forms.ModelChoiceField(
        queryset=Municipality.objects.none(), label=_("municipality")
    )
    school_year = forms.ChoiceField(
        label=_("school year of the figures"),
        required=False,
        help_text=_("The school year the pupil numbers, Sozialindex and Startchancen count for."),
    )

    def __init__(
        self, *args: Any, municipalities: Any, year_codes: list[str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        limit_choices(self, "municipality", municipalities)
        _set_choices(self, "school_year", figure_year_choices(year_codes or []))
        if municipalities.count() == 1:
            self.fields["municipality"].initial = municipalities.first()


class ImportMappingForm(forms.Form):
    """The preview's second step: a field for each column the import did not
    recognise, and the school year of the figures."""

    school_year = forms.ChoiceField(label=_("school year of the figures"), required=False)

    def __init__(
        self,
        *args: Any,
        ignored: list[str],
        fields: list[tuple[str, str]],
        year_codes: list[str],
        initial_mapping: dict[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _set_choices(self, "school_year", figure_year_choices(year_codes))
        self.headings: dict[str, str] = {}
        choices = [("", _("ignore this column")), *fields]
        for position, heading in enumerate(ignored):
            name = f"column_{position}"
            self.headings[name] = heading
            self.fields[name] = forms.ChoiceField(
                label=_("Column “%(heading)s”") % {"heading": heading},
                choices=choices,
                required=False,
                initial=(initial_mapping or {}).get(heading, ""),
            )

    def mapping(self) -> dict[str, str]:
        """heading -> field for the columns the user gave a field."""
        return {
            heading: self.cleaned_data[name]
            for name, heading in self.headings.items()
            if self.cleaned_data.get(name)
        }
