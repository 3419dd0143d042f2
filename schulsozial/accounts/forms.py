from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from schulsozial.core.privacy import NoPersonalDataMixin

from .models import Role

if TYPE_CHECKING:
    from schulsozial.masterdata.models import Carrier, Municipality, School

SCOPE_HELP = _(
    "For Koordination, Gremium and Administration. Träger, Fachkraft and Schulleitung take "
    "the municipality of their carrier or school."
)


class _ScopeFields(forms.Form):
    """Role and scope, offering only what the administrator may give: its
    own municipalities, their carriers and schools; "all municipalities"
    (a global role) only to a global administrator (F-01)."""

    role = forms.ChoiceField(label=_("role"), choices=Role.choices)
    municipality: forms.ModelChoiceField[Municipality] = forms.ModelChoiceField(
        queryset=None, label=_("municipality"), required=False
    )
    carrier: forms.ModelChoiceField[Carrier] = forms.ModelChoiceField(
        queryset=None, label=_("carrier"), required=False
    )
    school: forms.ModelChoiceField[School] = forms.ModelChoiceField(
        queryset=None, label=_("school"), required=False
    )

    def __init__(
        self,
        *args: Any,
        municipalities: Any,
        carriers: Any,
        schools: Any,
        may_give_global: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        municipality = cast("forms.ModelChoiceField[Municipality]", self.fields["municipality"])
        municipality.queryset = municipalities
        municipality.help_text = SCOPE_HELP
        if may_give_global:
            municipality.empty_label = _("all municipalities (Administration only)")
        else:
            municipality.empty_label = None  # no global choice
        carrier = cast("forms.ModelChoiceField[Carrier]", self.fields["carrier"])
        school = cast("forms.ModelChoiceField[School]", self.fields["school"])
        carrier.queryset = carriers
        school.queryset = schools


class RoleAssignmentForm(_ScopeFields):
    pass


class UserCreateForm(NoPersonalDataMixin, _ScopeFields):
    no_personal_data = ("display_name",)
    username = forms.CharField(label=_("user name"), max_length=150)
    display_name = forms.CharField(label=_("display name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("e-mail address"),
        required=False,
        help_text=_("Needed for resetting a forgotten password by e-mail."),
    )
    password = forms.CharField(
        label=_("initial password"),
        widget=forms.PasswordInput,
        min_length=10,
        help_text=_("The user must change it at the first login."),
    )

    field_order = ["username", "display_name", "email", "password", "role"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        role = cast(forms.ChoiceField, self.fields["role"])
        role.label = _("first role")
        municipality = cast("forms.ModelChoiceField[Municipality]", self.fields["municipality"])
        if municipality.empty_label is not None:  # a global administrator
            role.required = False
            role.choices = [("", _("no role yet")), *Role.choices]
        else:
            role.help_text = _("A new user needs a role in your municipality.")


class UserUpdateForm(NoPersonalDataMixin, forms.Form):
    """What an administrator changes on an account besides roles and password."""

    no_personal_data = ("display_name",)
    display_name = forms.CharField(label=_("display name"), max_length=150, required=False)
    email = forms.EmailField(
        label=_("e-mail address"),
        required=False,
        help_text=_("Needed for resetting a forgotten password by e-mail."),
    )


class SetPasswordByAdminForm(auth_forms.SetPasswordForm):
    """An administrator sets a new password; the user must change it at the
    next login. The view saves through services.password_set_by_admin."""

    def __init__(self, data: Any = None, files: Any = None, *, user: Any) -> None:
        super().__init__(user, data)
