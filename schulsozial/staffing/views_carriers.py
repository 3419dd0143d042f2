"""The municipality's assignment of its schools to carriers (issue 15): one
page for coordination, every school with a choice of the municipality's
carriers, saved at once through services.school_carriers_set. The page also
lists today's assignments that conflict with the mapping (a person of
another carrier at a school given to one carrier): the solver moves them."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from schulsozial.accounts.models import Role
from schulsozial.accounts.permissions import municipality_ids
from schulsozial.core.listing import require
from schulsozial.masterdata.models import (
    Carrier,
    Function,
    Municipality,
    Position,
    PositionAssignment,
    School,
)

from . import permissions as perms
from . import services
from .models import SchoolCarrier

NO_CARRIER = ""


class SchoolCarriersForm(forms.Form):
    """One choice per school: "no fixed carrier" or one of the municipality's."""

    def __init__(self, *args: Any, schools: list[School], carriers: list[Carrier], **kwargs: Any):
        super().__init__(*args, **kwargs)
        choices: list[tuple[str, Any]] = [(NO_CARRIER, gettext_lazy("no fixed carrier"))]
        choices += [(str(c.pk), c.name) for c in carriers]
        self.schools = schools
        for school in schools:
            self.fields[self.field_name(school)] = forms.ChoiceField(
                label=school.name,
                choices=choices,
                required=False,
                error_messages={
                    "invalid_choice": _(
                        "%(school)s: the carrier is not one of this municipality's carriers."
                    )
                    % {"school": school.name}
                },
            )

    @staticmethod
    def field_name(school: School) -> str:
        return f"school_{school.pk}"

    def mapping(self) -> dict[int, int | None]:
        return {
            s.pk: int(value) if (value := self.cleaned_data[self.field_name(s)]) else None
            for s in self.schools
        }


@dataclass
class Conflict:
    staff: str
    staff_carrier: str
    school: str
    school_carrier: str
    weekly_hours: str


def _municipality(request: HttpRequest) -> Municipality:
    """The municipality coordination works for (the first it coordinates)."""
    coordinated = sorted(municipality_ids(request.user, Role.COORDINATION))
    if not coordinated:
        raise PermissionDenied
    require(perms.can_assign_school_carriers(request.user, coordinated[0]))
    return Municipality.objects.get(pk=coordinated[0])


def _schools(municipality: Municipality) -> QuerySet[School]:
    return School.objects.active().filter(municipality=municipality).order_by("name", "pk")


def conflicts(municipality: Municipality) -> list[Conflict]:
    """Today's social-work assignments of a person whose carrier is not the
    one the school is given to (read after the permission check of the page)."""
    owners = {
        sc.school_id: sc.carrier
        for sc in SchoolCarrier.objects.filter(school__municipality=municipality).select_related(
            "carrier"
        )
    }
    if not owners:
        return []
    found = []
    for assignment in (
        PositionAssignment.objects.filter(
            school_id__in=list(owners),
            position__in=Position.objects.active_on(timezone.localdate()).filter(
                function=Function.SOCIAL_WORK, staff_member__isnull=False
            ),
        )
        .select_related("school", "position__staff_member__carrier")
        .order_by("school__name", "position__staff_member__label")
    ):
        member = assignment.position.staff_member
        owner = owners[assignment.school_id]
        if member is None or member.carrier_id == owner.pk:
            continue
        found.append(
            Conflict(
                staff=member.label,
                staff_carrier=member.carrier.name,
                school=assignment.school.name,
                school_carrier=owner.name,
                weekly_hours=number_format(
                    Decimal(format(assignment.weekly_hours.normalize(), "f"))
                ),
            )
        )
    return found


@login_required
def school_carriers(request: HttpRequest) -> HttpResponse:
    require(perms.can_use_staffing(request.user))
    municipality = _municipality(request)
    schools = list(_schools(municipality))
    carriers = list(Carrier.objects.filter(municipality=municipality).order_by("name"))
    current = dict(
        SchoolCarrier.objects.filter(school__in=schools).values_list("school_id", "carrier_id")
    )
    initial = {
        SchoolCarriersForm.field_name(s): str(current[s.pk]) if s.pk in current else NO_CARRIER
        for s in schools
    }
    form = SchoolCarriersForm(
        request.POST if request.method == "POST" else None,
        initial=initial,
        schools=schools,
        carriers=carriers,
    )
    if request.method == "POST" and form.is_valid():
        try:
            changes = services.school_carriers_set(
                municipality=municipality, mapping=form.mapping(), by=request.user
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
            "municipality": municipality,
            "form": form,
            "rows": [(s, form[SchoolCarriersForm.field_name(s)]) for s in schools],
            "conflicts": conflicts(municipality),
        },
    )
