from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.contrib.auth import forms as auth_forms
from django.utils.translation import gettext_lazy as _

from schulsozial.core.privacy import NoPersonalDataMixin

from .models import Role

if TYPE_CHECKING:
    from schulsozial.masterdata.models import Carrier, Municipality, School

#: The field a role's scope is chosen in; the other scope fields stay empty.
SCOPE_FIELD = {
    Role.COORDINATION: "municipality",
    Role.COMMITTEE: "municipality",
    Role.CARRIER: "carrier",
    Role.WORKER: "school",
    Role.PRINCIPAL: "school",
}


class _ScopeSelect(forms.Select):
    def use_required_attribute(self, initial: Any) -> bool:
        return False  # the chosen role decides, not the browser


class ScopeChoiceField(forms.ModelChoiceField):
    """A scope (municipality, carrier or school) that some roles need and
    the others leave empty (walk item AD-3: "Schule – optional" although a
    social worker's role needs one). Marked required, so that its label
    does not say "optional" (core/_field.html), but an empty choice passes
    the field: the form's clean() asks for it where the chosen role needs
    it, and the service checks it again."""

    widget = _ScopeSelect

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=None, required=True, **kwargs)

    def validate(self, value: Any) -> None:
        if value not in self.empty_values:
            super().validate(value)


class _ScopeFields(forms.Form):
    """Role and scope, offering only what the administrator may give: its
    own municipalities, their carriers and schools; "all municipalities"
    (a global role) only to a global administrator (F-01)."""

    role = forms.ChoiceField(label=_("role"), choices=Role.choices)
    municipality: forms.ModelChoiceField[Municipality] = ScopeChoiceField(label=_("municipality"))
    carrier: forms.ModelChoiceField[Carrier] = ScopeChoiceField(label=_("carrier"))
    school: forms.ModelChoiceField[School] = ScopeChoiceField(label=_("school"))

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
        labels = {"roles": _join(Role.COORDINATION, Role.COMMITTEE, Role.ADMINISTRATION)}
        if may_give_global:
            municipality.empty_label = _("all municipalities (Administration only)")
            municipality.help_text = (
                _(
                    "Needed for the roles %(roles)s (left empty, Administration is for all "
                    "municipalities). The other roles take the municipality of their carrier or school."
                )
                % labels
            )
        else:
            municipality.empty_label = None  # no global choice
            municipality.help_text = (
                _(
                    "Needed for the roles %(roles)s. The other roles take the municipality of "
                    "their carrier or school."
                )
                % labels
            )
        carrier = cast("forms.ModelChoiceField[Carrier]", self.fields["carrier"])
        school = cast("forms.ModelChoiceField[School]", self.fields["school"])
        carrier.queryset = carriers
        school.queryset = schools
        carrier.help_text = _(
            "Needed for the role %(roles)s; leave it empty for every other role."
        ) % {"roles": _join(Role.CARRIER)}
        school.help_text = _(
            "Needed for the roles %(roles)s; leave it empty for every other role."
        ) % {"roles": _join(Role.WORKER, Role.PRINCIPAL)}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        role = str(cleaned.get("role") or "")
        field = SCOPE_FIELD.get(Role(role)) if role in Role.values else None
        if field and field in self.fields and not cleaned.get(field) and field not in self.errors:
            self.add_error(
                field,
                _("The role “%(role)s” needs an entry in the field “%(field)s”.")
                % {"role": Role(role).label, "field": self.fields[field].label},
            )
        return cleaned


def _join(*roles: Role) -> str:
    """Role names for a help text: "Koordination, Gremium und Administration"."""
    names = [str(role.label) for role in roles]
    if len(names) == 1:
        return names[0]
    return _("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


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
