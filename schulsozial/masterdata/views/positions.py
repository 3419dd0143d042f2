"""Positions (Stellen) and the hours they give to schools."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from schulsozial.core.listing import Column, TableView, require
from schulsozial.core.views import ServiceFormView

from .. import forms, selectors, services
from .. import permissions as perms
from ..filters import PositionFilter
from ..models import Position
from .common import ScopedUpdate, object_url


class PositionList(TableView):
    title = _("Positions")
    export_name = "positions"
    filterset_class = PositionFilter
    columns = [
        Column(
            "code",
            _("position code"),
            sort="code",
            link=lambda o: object_url("position_detail", o),
        ),
        Column("carrier", _("carrier"), value=lambda o: o.carrier.name, sort="carrier__name"),
        Column(
            "funding_stream",
            _("funding stream"),
            value=lambda o: o.funding_stream.name,
            sort="funding_stream__name",
        ),
        Column("function", _("function"), value=lambda o: o.get_function_display()),
        Column("fte", _("FTE"), sort="fte", numeric=True),
        Column("weekly_hours", _("weekly hours"), numeric=True),
        Column(
            "assigned_hours", _("hours assigned to schools"), sort="assigned_hours", numeric=True
        ),
        Column(
            "staff_member",
            _("held by"),
            value=lambda o: o.staff_member.label if o.staff_member else _("vacant"),
        ),
        Column("valid_from", _("valid from"), sort="valid_from"),
        Column("valid_to", _("valid to"), sort="valid_to"),
    ]
    search_fields = ["code", "staff_member__label", "carrier__name", "assignments__school__name"]
    default_sort = "code"
    create_url_name = "masterdata:position_create"

    def check_access(self) -> None:
        require(perms.can_list_positions(self.request.user))

    def get_queryset(self) -> QuerySet[Position]:
        return selectors.positions_visible_to(user=self.request.user)

    def can_create(self) -> bool:
        return perms.can_create_in_municipality(self.request.user)


@login_required
def position_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(perms.can_list_positions(request.user))
    position = get_object_or_404(selectors.positions_visible_to(user=request.user), pk=pk)
    can_edit = perms.can_edit_position(request.user, position)
    assign_form = (
        forms.AssignmentForm(
            schools=selectors.schools_visible_to(user=request.user).filter(
                municipality=position.municipality
            )
        )
        if can_edit
        else None
    )
    assignments = list(selectors.assignments_of(position=position))
    assigned = sum((a.weekly_hours for a in assignments), Decimal(0))
    return render(
        request,
        "masterdata/position_detail.html",
        {
            "object": position,
            "assignments": assignments,
            "free_hours": position.weekly_hours - assigned,
            "warnings": selectors.rule_warnings_for_position(user=request.user, position=position),
            "can_edit": can_edit,
            "assign_form": assign_form,
        },
    )


def _position_choices(user: Any) -> dict[str, Any]:
    """The carriers, funding streams and staff a position form offers."""
    municipalities = selectors.coordinated_municipalities(user=user)
    return {
        "carriers": selectors.carriers_visible_to(user=user).filter(
            municipality__in=municipalities
        ),
        "streams": selectors.funding_streams_visible_to(user=user),
        "staff": selectors.staff_visible_to(user=user).filter(municipality__in=municipalities),
    }


class PositionCreate(ServiceFormView):
    form_class = forms.PositionForm
    title = _("New position")

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        return {**super().form_kwargs(obj), **_position_choices(self.request.user)}

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_create_in_municipality(self.request.user)

    def save(self, form: Any, obj: Model | None) -> Position:
        data = form.cleaned_data
        return services.position_create(
            municipality=data["carrier"].municipality, by=self.request.user, **data
        )

    def success_url(self, obj: Model) -> str:
        return object_url("position_detail", obj)


class PositionUpdate(ScopedUpdate[Position]):
    form_class = forms.PositionForm
    title = _("Edit position")
    visible = staticmethod(selectors.positions_visible_to)
    may_edit = staticmethod(perms.can_edit_position)
    update = staticmethod(services.position_update)
    object_kwarg = "position"
    detail_name = "position_detail"

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        return {**super().form_kwargs(obj), **_position_choices(self.request.user)}


class AssignmentAdd(ScopedUpdate[Position]):
    form_class = forms.AssignmentForm
    title = _("Assign hours to a school")
    visible = staticmethod(selectors.positions_visible_to)
    may_edit = staticmethod(perms.can_edit_position)
    detail_name = "position_detail"

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        schools = selectors.schools_visible_to(user=self.request.user)
        return {"schools": schools.filter(municipality_id=self.object.municipality_id)}

    def save(self, form: Any, obj: Model | None) -> Position:
        services.assignment_set(position=self.object, by=self.request.user, **form.cleaned_data)
        return self.object


@login_required
@require_POST
def assignment_remove(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    position = get_object_or_404(selectors.positions_visible_to(user=request.user), pk=pk)
    require(perms.can_edit_position(request.user, position))
    assignment = get_object_or_404(selectors.assignments_of(position=position), pk=assignment_pk)
    services.assignment_remove(assignment=assignment, by=request.user)
    messages.success(request, _("The school assignment was removed."))
    return HttpResponseRedirect(object_url("position_detail", position))
