"""The municipality's assignment of its schools to carriers (issue 15): one
page for coordination, every school with a choice of the municipality's
carriers, saved at once through services.school_carriers_set. The page also
lists today's assignments that conflict with the mapping (a person of
another carrier at a school given to one carrier): the solver moves them."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _

from schulsozial.core.listing import require

from . import permissions as perms
from . import selectors, services
from .forms import SchoolCarriersForm


@login_required
def school_carriers(request: HttpRequest) -> HttpResponse:
    require(perms.can_use_staffing(request.user))
    data = selectors.school_carriers_of(user=request.user)
    if data is None:
        raise PermissionDenied
    form = SchoolCarriersForm(
        request.POST if request.method == "POST" else None,
        schools=data.schools,
        carriers=data.carriers,
    )
    form.initial_for(data.current)
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.school_carriers_set(
                municipality=data.municipality, mapping=form.mapping(), by=request.user
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            if changes:
                messages.success(request, _("The assignment of schools to carriers is saved."))
            else:
                messages.info(request, _("Nothing changed."))
            return HttpResponseRedirect(reverse("staffing:school_carriers"))
    return render(
        request,
        "staffing/school_carriers.html",
        {
            "title": _("Assignment of schools to carriers"),
            "municipality": data.municipality,
            "form": form,
            "rows": form.rows(),
            "conflicts": selectors.school_carrier_conflicts(
                user=request.user, municipality=data.municipality
            ),
        },
    )
