"""Schools and their figures per school year."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from schulsozial.core.listing import Column, TableView, require

from .. import forms, selectors, services
from .. import permissions as perms
from ..filters import SchoolFilter
from ..models import School, SchoolYear
from .common import CreateInMunicipality, ScopedUpdate, fte, object_url


class SchoolList(TableView):
    title = _("Schools")
    export_name = "schools"
    filterset_class = SchoolFilter
    columns = [
        Column("school_number", _("school number"), sort="school_number"),
        Column("name", _("name"), sort="name", link=lambda o: object_url("school_detail", o)),
        Column(
            "school_type",
            _("school type"),
            value=lambda o: o.get_school_type_display(),
            sort="school_type",
        ),
        Column(
            "legal_status",
            _("legal status"),
            value=lambda o: o.get_legal_status_display(),
            export_only=True,
        ),
        Column("street", _("street"), export_only=True),
        Column("postcode", _("postcode"), export_only=True),
        Column("city", _("city"), sort="city"),
        Column("pupils", _("pupils"), sort="pupils", numeric=True, per_year=True),
        Column("social_index", _("Sozialindex"), sort="social_index", numeric=True, per_year=True),
        Column(
            "startchancen", _("Startchancen"), value=lambda o: o.startchancen, sort="startchancen"
        ),
        Column(
            "assigned_fte",
            _("social work FTE"),
            value=lambda o: fte(o.assigned_fte),
            sort="assigned_hours",
            numeric=True,
        ),
    ]
    search_fields = ["name", "school_number", "short_name", "city", "street"]
    default_sort = "name"
    create_url_name = "masterdata:school_create"

    def check_access(self) -> None:
        require(perms.can_use_masterdata(self.request.user))

    def get_queryset(self) -> QuerySet[School]:
        self.school_year = selectors.current_school_year()
        return selectors.schools_visible_to(user=self.request.user, school_year=self.school_year)

    def can_create(self) -> bool:
        return perms.can_create_in_municipality(self.request.user)

    def figures_year(self) -> SchoolYear | None:
        return self.school_year  # set by get_queryset

    def extra_context(self) -> dict[str, Any]:
        return {
            "subtitle": _("Figures of the school year %(code)s") % {"code": self.school_year}
            if self.school_year
            else "",
            "import_url": reverse("masterdata:school_import")
            if perms.can_import_schools(self.request.user)
            else "",
        }


@login_required
def school_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(perms.can_use_masterdata(request.user))
    school = get_object_or_404(selectors.schools_visible_to(user=request.user), pk=pk)
    positions = (
        selectors.positions_at_school(user=request.user, school=school)
        if perms.can_list_positions(request.user)
        else None
    )
    return render(
        request,
        "masterdata/school_detail.html",
        {
            "object": school,
            "figures": selectors.figures_of(school=school),
            "positions": positions,
            "assignment_years": selectors.assignments_by_school_year(
                user=request.user, school=school
            )
            if positions is not None
            else None,
            "can_edit": perms.can_edit_school(request.user, school),
        },
    )


class SchoolCreate(CreateInMunicipality[School]):
    form_class = forms.SchoolForm
    title = _("New school")
    create = staticmethod(services.school_create)
    detail_name = "school_detail"


class SchoolUpdate(ScopedUpdate[School]):
    form_class = forms.SchoolForm
    title = _("Edit school")
    visible = staticmethod(selectors.schools_visible_to)
    may_edit = staticmethod(perms.can_edit_school)
    update = staticmethod(services.school_update)
    object_kwarg = "school"
    detail_name = "school_detail"


def _asked_school_year(asked: str) -> SchoolYear | None:
    """?year= is a school year's id; any other value means the current year."""
    year = None
    if asked.isascii() and asked.isdigit() and int(asked) < 2**63:
        year = SchoolYear.objects.filter(pk=int(asked)).first()
    return year or selectors.current_school_year()


class SchoolFiguresEdit(ScopedUpdate[School]):
    form_class = forms.FiguresForm
    title = _("Figures per school year")
    visible = staticmethod(selectors.schools_visible_to)
    may_edit = staticmethod(perms.can_edit_school)
    detail_name = "school_detail"

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        year = _asked_school_year(self.request.GET.get("year", ""))
        existing = self.object.figures.filter(school_year=year).first() if year else None
        initial: dict[str, Any] = {"school_year": year}
        if existing:
            initial.update(
                pupils=existing.pupils,
                social_index=existing.social_index,
                startchancen=existing.startchancen,
            )
        return {"initial": initial}

    def save(self, form: Any, obj: Model | None) -> School:
        services.school_figures_set(school=self.object, by=self.request.user, **form.cleaned_data)
        return self.object
