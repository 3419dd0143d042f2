"""Staff members. Who may employ whom at which carrier is the services'
check (masterdata.permissions); the form offers only the allowed carriers."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from schulsozial.core.audit import audit_read
from schulsozial.core.listing import Column, TableView, require
from schulsozial.core.views import ServiceFormView

from .. import forms, selectors, services
from .. import permissions as perms
from ..filters import StaffFilter
from ..models import StaffMember
from .common import ScopedUpdate, object_url


class StaffList(TableView):
    title = _("Staff")
    export_name = "staff"
    filterset_class = StaffFilter
    columns = [
        Column(
            "label", _("name or code"), sort="label", link=lambda o: object_url("staff_detail", o)
        ),
        Column(
            "carrier", _("employer (carrier)"), value=lambda o: o.carrier.name, sort="carrier__name"
        ),
        Column("function", _("function"), value=lambda o: o.get_function_display()),
        Column("qualification", _("qualification"), value=lambda o: o.get_qualification_display()),
        Column("weekly_hours", _("weekly hours"), sort="weekly_hours", numeric=True),
        Column("fte", _("FTE"), sort="fte", numeric=True),
        Column("contract_start", _("contract start"), sort="contract_start"),
        Column("contract_end", _("contract end"), sort="contract_end"),
    ]
    search_fields = ["label", "carrier__name"]
    default_sort = "label"
    create_url_name = "masterdata:staff_create"

    def check_access(self) -> None:
        require(perms.can_list_staff(self.request.user))

    def get_queryset(self) -> QuerySet[StaffMember]:
        return selectors.staff_visible_to(user=self.request.user)

    def can_create(self) -> bool:
        return perms.can_create_staff(self.request.user)


@login_required
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(perms.can_list_staff(request.user))
    staff = get_object_or_404(selectors.staff_visible_to(user=request.user), pk=pk)
    audit_read(request, staff)
    positions = selectors.positions_visible_to(user=request.user).filter(staff_member=staff)
    return render(
        request,
        "masterdata/staff_detail.html",
        {
            "object": staff,
            "positions": positions,
            "warnings": selectors.rule_warnings_for_staff(staff=staff),
            "can_edit": perms.can_edit_staff(request.user, staff),
        },
    )


class StaffCreate(ServiceFormView):
    form_class = forms.StaffForm
    title = _("New staff member")

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        carriers = selectors.staff_carriers_for(user=self.request.user)
        return {**super().form_kwargs(obj), "carriers": carriers}

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_create_staff(self.request.user)

    def save(self, form: Any, obj: Model | None) -> StaffMember:
        data = form.cleaned_data
        return services.staff_create(
            municipality=data["carrier"].municipality, by=self.request.user, **data
        )

    def success_url(self, obj: Model) -> str:
        return object_url("staff_detail", obj)


class StaffUpdate(ScopedUpdate[StaffMember]):
    form_class = forms.StaffForm
    title = _("Edit staff member")
    visible = staticmethod(selectors.staff_visible_to)
    may_edit = staticmethod(perms.can_edit_staff)
    update = staticmethod(services.staff_update)
    object_kwarg = "staff"
    detail_name = "staff_detail"

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        carriers = selectors.staff_carriers_for(user=self.request.user)
        return {**super().form_kwargs(obj), "carriers": carriers}
