from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from schulsozial.accounts import permissions as perms
from schulsozial.accounts.http import AuthenticatedHttpRequest
from schulsozial.accounts.models import Role
from schulsozial.masterdata import selectors as md
from schulsozial.masterdata.models import Carrier, Municipality
from schulsozial.notifications.selectors import open_tasks
from schulsozial.statistics.selectors import SUPPRESSED

from .selectors import carrier_figures, coordination_figures


@login_required
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """One dashboard; each role the user holds adds its section."""
    user = request.user
    day = timezone.localdate()
    context: dict[str, Any] = {"day": day, "suppressed_symbol": SUPPRESSED}
    # What waits for the user, from every app's registered provider (notifications.registry).
    context["tasks"] = open_tasks(user=user, day=day)
    coordinated = md.coordinated_municipalities(user=user)
    context["coordination"] = [coordination_figures(municipality=m, day=day) for m in coordinated]
    committee = Municipality.objects.filter(
        pk__in=perms.municipality_ids(user, Role.COMMITTEE)
    ).exclude(pk__in=coordinated)
    context["committee"] = [
        coordination_figures(municipality=m, day=day, protected=True) for m in committee
    ]
    context["carriers"] = [
        carrier_figures(carrier=c, day=day)
        for c in Carrier.objects.filter(pk__in=perms.carrier_ids(user))
    ]
    if perms.has_role(user, Role.WORKER):
        context["worker_schools"] = md.schools_visible_to(user=user).filter(
            pk__in=perms.school_ids(user, Role.WORKER)
        )
        context["worker_staff"] = md.staff_visible_to(user=user).filter(user=user).first()
        context["worker_positions"] = (
            md.positions_visible_to(user=user).filter(staff_member__user=user).active_on(day)
        )
    if perms.has_role(user, Role.PRINCIPAL):
        schools = md.schools_visible_to(user=user).filter(
            pk__in=perms.school_ids(user, Role.PRINCIPAL)
        )
        context["principal_schools"] = [
            {"school": s, "positions": md.positions_at_school(user=user, school=s, day=day)}
            for s in schools
        ]
    context["administration"] = perms.can_administer(user)
    context["no_role"] = not perms.grants(user)
    return render(request, "dashboard/home.html", context)


def about(request: HttpRequest) -> HttpResponse:
    return render(request, "dashboard/about.html")


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
