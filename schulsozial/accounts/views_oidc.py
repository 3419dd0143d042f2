"""The municipality's mapping of single sign-on groups to roles
(administration's page; the rules and services are in accounts/oidc.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods, require_POST

from schulsozial.core.listing import require
from schulsozial.core.views import apply_validation_error

from . import oidc, selectors
from . import permissions as perms
from .forms import SCOPE_FIELD, ScopeChoiceField
from .forms import _join as join_roles
from .login_models import OIDCGroupMapping
from .models import Role

if TYPE_CHECKING:
    from schulsozial.masterdata.models import Carrier, Municipality, School


class MappingForm(forms.Form):
    # The querysets are the administered scope's, set in __init__.
    municipality: forms.ModelChoiceField[Municipality] = forms.ModelChoiceField(
        label=_("municipality"), queryset=None
    )
    group = forms.CharField(
        label=_("group at the provider"),
        max_length=200,
        help_text=_("Exactly as the provider sends it in the groups claim."),
    )
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)
    # Not "optional": the chosen role needs one of them (as in the role form).
    carrier: forms.ModelChoiceField[Carrier] = ScopeChoiceField(label=_("carrier"))
    school: forms.ModelChoiceField[School] = ScopeChoiceField(label=_("school"))

    def __init__(self, *args: Any, municipalities: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The declared types of the fields above (self.fields holds plain Field).
        municipality = cast("forms.ModelChoiceField[Municipality]", self.fields["municipality"])
        carrier = cast("forms.ModelChoiceField[Carrier]", self.fields["carrier"])
        school = cast("forms.ModelChoiceField[School]", self.fields["school"])
        municipality.queryset = municipalities
        carrier.queryset = selectors.carriers_in(municipalities)
        school.queryset = selectors.schools_in(municipalities)
        carrier.help_text = _(
            "Needed for the role %(roles)s; leave it empty for every other role."
        ) % {"roles": join_roles(Role.CARRIER)}
        school.help_text = _(
            "Needed for the roles %(roles)s; leave it empty for every other role."
        ) % {"roles": join_roles(Role.WORKER, Role.PRINCIPAL)}

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        role = str(cleaned.get("role") or "")
        field = SCOPE_FIELD.get(Role(role)) if role in Role.values else None
        if field in ("carrier", "school") and not cleaned.get(field) and field not in self.errors:
            self.add_error(
                field,
                _("The role “%(role)s” needs an entry in the field “%(field)s”.")
                % {"role": Role(role).label, "field": self.fields[field].label},
            )
        return cleaned


def _municipalities(user: Any) -> Any:
    return selectors.municipalities_among(perms.oidc_mapping_municipality_ids(user))


def _visible_mappings(user: Any) -> Any:
    return OIDCGroupMapping.objects.filter(perms.oidc_mappings_visible_q(user)).select_related(
        "municipality", "carrier", "school"
    )


@login_required
@require_http_methods(["GET", "POST"])
def mappings(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(perms.oidc_mapping_municipality_ids(user) != set())
    municipalities = _municipalities(user)
    form = MappingForm(request.POST or None, municipalities=municipalities)
    if request.method == "POST" and form.is_valid():
        try:
            oidc.mapping_create(by=user, **form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            messages.success(request, _("The group mapping was saved."))
            return HttpResponseRedirect(reverse("accounts:oidc_mappings"))
    return render(
        request,
        "accounts/oidc/mappings.html",
        {
            "form": form,
            "mappings": _visible_mappings(user),
            "enabled": oidc.enabled(),
            "claim": settings.OIDC_GROUPS_CLAIM,
        },
    )


@login_required
@require_POST
def mapping_remove(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(perms.oidc_mapping_municipality_ids(user) != set())
    mapping = get_object_or_404(_visible_mappings(user), pk=pk)
    oidc.mapping_remove(mapping=mapping, by=user)
    messages.success(request, _("The group mapping and the roles it gave were removed."))
    return HttpResponseRedirect(reverse("accounts:oidc_mappings"))
