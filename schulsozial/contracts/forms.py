"""Forms of contracts: a contract, an extension, the settings."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Contract, ContractSettings, Reason

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ContractForm(forms.ModelForm):
    class Meta:
        model = Contract
        fields = [
            "start",
            "end",
            "reason",
            "reason_text",
            "funding_stream",
            "weekly_hours",
            "pay_group",
        ]
        widgets = {"start": DATE, "end": DATE}

    def __init__(self, *args: Any, streams: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if streams is not None:
            self.fields["funding_stream"].queryset = streams  # type: ignore[attr-defined]
        self.fields["weekly_hours"].min_value = 0.01  # type: ignore[attr-defined]

    def validate_unique(self) -> None:
        pass

    def _post_clean(self) -> None:
        # The service validates the whole contract (staff member and kind
        # are set there); the form only checks its fields.
        pass


class ExtensionForm(forms.Form):
    new_end = forms.DateField(
        label=_("new end"),
        required=False,
        widget=DATE,
        help_text=_("Leave empty to make the contract permanent (Entfristung)."),
    )
    agreed_on = forms.DateField(label=_("agreed on"), widget=DATE)
    reason = forms.ChoiceField(
        label=_("reason for the fixed term"),
        choices=[("", "—"), *Reason.choices],
        required=False,
    )
    reason_text = forms.CharField(label=_("reason (other)"), max_length=200, required=False)


class ContractSettingsForm(forms.ModelForm):
    class Meta:
        model = ContractSettings
        fields = [
            "target_fixed_term_percent",
            "target_year",
            "default_cost_per_fte_eur",
            "land_max_share_percent",
            "land_max_eligible_per_fte_eur",
            "land_max_eligible_justified_eur",
            "frequent_change_workers",
        ]

    def validate_unique(self) -> None:
        pass
