"""Funding streams and their budgets per school year."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schulsozial.core.listing import Column, TableView, require

from .. import forms, selectors, services
from .. import permissions as perms
from ..filters import FundingFilter
from ..models import FundingStream
from .common import CreateInMunicipality, ScopedUpdate, object_url


class FundingList(TableView):
    title = _("Funding streams")
    export_name = "funding_streams"
    filterset_class = FundingFilter
    columns = [
        Column("code", _("code"), sort="code"),
        Column("name", _("name"), sort="name", link=lambda o: object_url("funding_detail", o)),
        Column("kind", _("kind"), value=lambda o: o.get_kind_display(), sort="kind"),
        Column("funding_share_percent", _("share funded (%)"), numeric=True),
        Column("max_eligible_per_fte", _("eligible costs per FTE at most (EUR)"), numeric=True),
        Column("active", _("active")),
    ]
    search_fields = ["name", "code"]
    default_sort = "name"
    create_url_name = "masterdata:funding_create"

    def check_access(self) -> None:
        require(perms.can_list_funding(self.request.user))

    def get_queryset(self) -> QuerySet[FundingStream]:
        return selectors.funding_streams_visible_to(user=self.request.user)

    def can_create(self) -> bool:
        return perms.can_create_in_municipality(self.request.user)


@login_required
def funding_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(perms.can_list_funding(request.user))
    stream = get_object_or_404(selectors.funding_streams_visible_to(user=request.user), pk=pk)
    positions = selectors.positions_visible_to(user=request.user).filter(funding_stream=stream)
    return render(
        request,
        "masterdata/funding_detail.html",
        {
            "object": stream,
            "budgets": selectors.budget_rows(stream=stream),
            "positions": positions.active_on(timezone.localdate()),
            "can_edit": perms.can_edit_funding(request.user, stream),
        },
    )


class FundingCreate(CreateInMunicipality[FundingStream]):
    form_class = forms.FundingStreamForm
    title = _("New funding stream")
    create = staticmethod(services.funding_stream_create)
    detail_name = "funding_detail"


class FundingUpdate(ScopedUpdate[FundingStream]):
    form_class = forms.FundingStreamForm
    title = _("Edit funding stream")
    visible = staticmethod(selectors.funding_streams_visible_to)
    may_edit = staticmethod(perms.can_edit_funding)
    update = staticmethod(services.funding_stream_update)
    object_kwarg = "stream"
    detail_name = "funding_detail"


class BudgetEdit(ScopedUpdate[FundingStream]):
    form_class = forms.BudgetForm
    title = _("Budget per school year")
    visible = staticmethod(selectors.funding_streams_visible_to)
    may_edit = staticmethod(perms.can_edit_funding)
    detail_name = "funding_detail"

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        return {"initial": {"school_year": selectors.current_school_year()}}

    def save(self, form: Any, obj: Model | None) -> FundingStream:
        services.budget_set(stream=self.object, by=self.request.user, **form.cleaned_data)
        return self.object
