"""Carriers (Träger): the employers of social work staff."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schulsozial.core.listing import Column, TableView, require

from .. import forms, selectors, services
from .. import permissions as perms
from ..filters import CarrierFilter
from ..models import Carrier
from .common import CreateInMunicipality, ScopedUpdate, object_url


class CarrierList(TableView):
    title = _("Carriers")
    export_name = "carriers"
    filterset_class = CarrierFilter
    columns = [
        Column("name", _("name"), sort="name", link=lambda o: object_url("carrier_detail", o)),
        Column("kind", _("kind"), value=lambda o: o.get_kind_display(), sort="kind"),
        Column("municipality", _("municipality"), value=lambda o: o.municipality.name),
        Column("staff_count", _("staff employed"), sort="staff_count", numeric=True),
        Column("active", _("active")),
    ]

    def setup(self, request: HttpRequest, *args: Any, **kwargs: Any) -> None:
        super().setup(request, *args, **kwargs)
        if not perms.can_see_carrier_staff_counts(request.user):
            self.columns = [c for c in self.columns if c.key != "staff_count"]

    search_fields = ["name"]
    default_sort = "name"
    create_url_name = "masterdata:carrier_create"

    def check_access(self) -> None:
        require(perms.can_use_masterdata(self.request.user))

    def get_queryset(self) -> QuerySet[Carrier]:
        return selectors.carriers_visible_to(user=self.request.user)

    def can_create(self) -> bool:
        return perms.can_create_in_municipality(self.request.user)


@login_required
def carrier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(perms.can_use_masterdata(request.user))
    carrier = get_object_or_404(selectors.carriers_visible_to(user=request.user), pk=pk)
    staff = (
        selectors.staff_visible_to(user=request.user).filter(carrier=carrier)
        if perms.can_list_staff(request.user)
        else None
    )
    positions = (
        selectors.positions_visible_to(user=request.user)
        .filter(carrier=carrier)
        .active_on(timezone.localdate())
        if perms.can_list_positions(request.user)
        else None
    )
    return render(
        request,
        "masterdata/carrier_detail.html",
        {
            "object": carrier,
            "can_edit": perms.can_edit_carrier(request.user, carrier),
            "staff": staff,
            "positions": positions,
        },
    )


class CarrierCreate(CreateInMunicipality[Carrier]):
    form_class = forms.CarrierForm
    title = _("New carrier")
    create = staticmethod(services.carrier_create)
    detail_name = "carrier_detail"


class CarrierUpdate(ScopedUpdate[Carrier]):
    form_class = forms.CarrierForm
    title = _("Edit carrier")
    visible = staticmethod(selectors.carriers_visible_to)
    may_edit = staticmethod(perms.can_edit_carrier)
    update = staticmethod(services.carrier_update)
    object_kwarg = "carrier"
    detail_name = "carrier_detail"
