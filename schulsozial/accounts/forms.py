from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Role


class UserCreateForm(forms.Form):
    username = forms.CharField(label=_("user name"), max_length=150)
    display_name = forms.CharField(label=_("display name"), max_length=150, required=False)
    password = forms.CharField(
        label=_("initial password"), widget=forms.PasswordInput, min_length=10
    )


class RoleAssignmentForm(forms.Form):
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)
    municipality = forms.ModelChoiceField(queryset=None, label=_("municipality"), required=False)
    carrier = forms.ModelChoiceField(queryset=None, label=_("carrier"), required=False)
    school = forms.ModelChoiceField(queryset=None, label=_("school"), required=False)

    def __init__(
        self, *args: Any, municipalities: Any, carriers: Any, schools: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["municipality"].queryset = municipalities
        self.fields["carrier"].queryset = carriers
        self.fields["school"].queryset = schools
        self.fields["municipality"].help_text = _(
            "For Koordination, Gremium and Administration. Träger, Fachkraft and Schulleitung take "
            "the municipality of their carrier or school."
        )
