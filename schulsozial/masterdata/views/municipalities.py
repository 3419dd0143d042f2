"""Municipalities and school years."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from schulsozial.core.listing import Column, TableView, require
from schulsozial.core.views import ServiceFormView

from .. import forms, selectors, services
from .. import permissions as perms
from ..models import Municipality, SchoolYear
from .common import ScopedUpdate, object_url


class MunicipalityList(TableView):
    title = _("Municipalities")
    export_name = "municipalities"
    columns = [
        Column("name", _("name"), sort="name", link=lambda o: object_url("municipality_detail", o)),
        Column("ags", _("municipality key (AGS)"), sort="ags"),
        Column("kind", _("kind"), value=lambda o: o.get_kind_display()),
        Column("school_count", _("schools"), sort="school_count", numeric=True),
        Column("target_pupils_per_fte", _("target pupils per FTE"), numeric=True),
        Column("fulltime_week_hours", _("full-time week (hours)"), numeric=True),
    ]
    search_fields = ["name", "ags"]
    default_sort = "name"
    create_url_name = "masterdata:municipality_create"

    def check_access(self) -> None:
        require(perms.can_see_municipalities(self.request.user))

    def get_queryset(self) -> QuerySet[Municipality]:
        return selectors.municipalities_visible_to(user=self.request.user)

    def can_create(self) -> bool:
        return perms.can_create_municipality(self.request.user)


@login_required
def municipality_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(perms.can_see_municipalities(request.user))
    municipality = get_object_or_404(selectors.municipalities_visible_to(user=request.user), pk=pk)
    warnings = (
        selectors.rule_warnings_visible_to(user=request.user, municipality=municipality)
        if perms.can_view_funding_rules(request.user, municipality)
        else None
    )
    return render(
        request,
        "masterdata/municipality_detail.html",
        {
            "object": municipality,
            "can_edit": perms.can_edit_municipality(request.user, municipality),
            "can_list_schools": perms.can_use_masterdata(request.user),
            "warnings": warnings,
        },
    )


class MunicipalityCreate(ServiceFormView):
    form_class = forms.MunicipalityForm
    title = _("New municipality")

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_create_municipality(self.request.user)

    def save(self, form: Any, obj: Model | None) -> Municipality:
        return services.municipality_create(by=self.request.user, **form.cleaned_data)

    def success_url(self, obj: Model) -> str:
        return object_url("municipality_detail", obj)


class MunicipalityUpdate(ScopedUpdate[Municipality]):
    form_class = forms.MunicipalityForm
    title = _("Edit municipality")
    visible = staticmethod(selectors.municipalities_visible_to)
    may_edit = staticmethod(perms.can_edit_municipality)
    update = staticmethod(services.municipality_update)
    object_kwarg = "municipality"
    detail_name = "municipality_detail"


class SchoolYearList(TableView):
    title = _("School years")
    export_name = "school_years"
    columns = [
        Column("code", _("school year"), sort="start"),
        Column("start", _("start"), sort="start"),
        Column("end", _("end")),
    ]
    search_fields = ["code"]
    default_sort = "-code"
    create_url_name = "masterdata:school_year_create"

    def check_access(self) -> None:
        require(perms.can_see_school_years(self.request.user))

    def get_queryset(self) -> QuerySet[SchoolYear]:
        return selectors.school_years_visible_to(user=self.request.user)

    def can_create(self) -> bool:
        return perms.can_manage_school_years(self.request.user)


class SchoolYearCreate(ServiceFormView):
    form_class = forms.SchoolYearForm
    title = _("New school year")

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_manage_school_years(self.request.user)

    def save(self, form: Any, obj: Model | None) -> SchoolYear:
        return services.school_year_create(
            start_year=form.cleaned_data["start_year"], by=self.request.user
        )

    def success_url(self, obj: Model) -> str:
        return reverse("masterdata:school_year_list")
