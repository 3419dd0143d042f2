"""Master-data pages. Views load through selectors (404 outside the scope),
check a permission function (403) and call one service."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from schulsozial.core.audit import audit_read
from schulsozial.core.listing import Column, TableView, require
from schulsozial.core.views import ServiceFormView

from . import forms, importing, selectors, services
from . import permissions as perms
from .filters import CarrierFilter, FundingFilter, PositionFilter, SchoolFilter, StaffFilter
from .models import SchoolYear


def _url(name: str, obj: Any) -> str:
    return reverse(f"masterdata:{name}", args=[obj.pk])


def _fte(value: Any) -> Any:
    return Decimal(value).quantize(Decimal("0.01")) if value is not None else None


class _CreateInMunicipality(ServiceFormView):
    """Create form for coordination: the municipality is one of theirs."""

    create = staticmethod(lambda **kwargs: None)
    detail_name = ""

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        return {"municipalities": selectors.coordinated_municipalities(user=self.request.user)}

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_create_in_municipality(self.request.user)

    def save(self, form: Any, obj: Model | None) -> Model:
        data = dict(form.cleaned_data)
        return self.create(municipality=data.pop("in_municipality"), by=self.request.user, **data)

    def success_url(self, obj: Model) -> str:
        return _url(self.detail_name, obj)


class _ScopedUpdate(ServiceFormView):
    """Edit form: load through the selector (404), check the permission (403),
    save through the service, back to the detail page."""

    visible = staticmethod(lambda *, user: None)
    may_edit = staticmethod(lambda user, obj: False)
    update = staticmethod(lambda **kwargs: None)
    object_kwarg = ""
    detail_name = ""

    def load(self) -> Model | None:
        return get_object_or_404(self.visible(user=self.request.user), pk=self.kwargs["pk"])

    def allowed(self, obj: Model | None) -> bool:
        return self.may_edit(self.request.user, obj)

    def save(self, form: Any, obj: Model | None) -> Model:
        return self.update(**{self.object_kwarg: obj}, by=self.request.user, **form.cleaned_data)

    def success_url(self, obj: Model) -> str:
        return _url(self.detail_name, obj)


# --------------------------------------------------------------------------- municipalities


class MunicipalityList(TableView):
    title = _("Municipalities")
    export_name = "municipalities"
    columns = [
        Column("name", _("name"), sort="name", link=lambda o: _url("municipality_detail", o)),
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

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.municipalities_visible_to(user=self.request.user)

    def can_create(self) -> bool:
        return perms.can_create_municipality(self.request.user)


@login_required
def municipality_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(perms.can_see_municipalities(request.user))
    municipality = get_object_or_404(selectors.municipalities_visible_to(user=request.user), pk=pk)
    return render(
        request,
        "masterdata/municipality_detail.html",
        {
            "object": municipality,
            "can_edit": perms.can_edit_municipality(request.user, municipality),
            "can_list_schools": perms.can_use_masterdata(request.user),
            "warnings": selectors.rule_warnings_visible_to(
                user=request.user, municipality=municipality
            )
            if perms.can_view_funding_rules(request.user, municipality)
            else None,
        },
    )


class MunicipalityCreate(ServiceFormView):
    form_class = forms.MunicipalityForm
    title = _("New municipality")

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_create_municipality(self.request.user)

    def save(self, form: Any, obj: Model | None) -> Model:
        return services.municipality_create(by=self.request.user, **form.cleaned_data)

    def success_url(self, obj: Model) -> str:
        return _url("municipality_detail", obj)


class MunicipalityUpdate(MunicipalityCreate):
    title = _("Edit municipality")

    def load(self) -> Model | None:
        return get_object_or_404(
            selectors.municipalities_visible_to(user=self.request.user), pk=self.kwargs["pk"]
        )

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_edit_municipality(self.request.user, obj)

    def save(self, form: Any, obj: Model | None) -> Model:
        return services.municipality_update(
            municipality=obj, by=self.request.user, **form.cleaned_data
        )


# --------------------------------------------------------------------------- school years


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

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.school_years_visible_to(user=self.request.user)

    def can_create(self) -> bool:
        return perms.can_manage_school_years(self.request.user)


class SchoolYearCreate(ServiceFormView):
    form_class = forms.SchoolYearForm
    title = _("New school year")

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_manage_school_years(self.request.user)

    def save(self, form: Any, obj: Model | None) -> Model:
        return services.school_year_create(
            start_year=form.cleaned_data["start_year"], by=self.request.user
        )

    def success_url(self, obj: Model) -> str:
        return reverse("masterdata:school_year_list")


# --------------------------------------------------------------------------- schools


class SchoolList(TableView):
    title = _("Schools")
    export_name = "schools"
    filterset_class = SchoolFilter
    columns = [
        Column("school_number", _("school number"), sort="school_number"),
        Column("name", _("name"), sort="name", link=lambda o: _url("school_detail", o)),
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
        Column("pupils", _("pupils"), sort="pupils", numeric=True),
        Column("social_index", _("Sozialindex"), sort="social_index", numeric=True),
        Column(
            "startchancen", _("Startchancen"), value=lambda o: o.startchancen, sort="startchancen"
        ),
        Column(
            "assigned_fte",
            _("social work FTE"),
            value=lambda o: _fte(o.assigned_fte),
            sort="assigned_hours",
            numeric=True,
        ),
    ]
    search_fields = ["name", "school_number", "short_name", "city", "street"]
    default_sort = "name"
    create_url_name = "masterdata:school_create"

    def check_access(self) -> None:
        require(perms.can_use_masterdata(self.request.user))

    def get_queryset(self) -> QuerySet[Any]:
        self.school_year = selectors.current_school_year()
        return selectors.schools_visible_to(user=self.request.user, school_year=self.school_year)

    def can_create(self) -> bool:
        return perms.can_create_in_municipality(self.request.user)

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
    show_positions = perms.can_list_positions(request.user)
    return render(
        request,
        "masterdata/school_detail.html",
        {
            "object": school,
            "figures": selectors.figures_of(school=school),
            "positions": selectors.positions_at_school(user=request.user, school=school)
            if show_positions
            else None,
            "can_edit": perms.can_edit_school(request.user, school),
        },
    )


class SchoolCreate(_CreateInMunicipality):
    form_class = forms.SchoolForm
    title = _("New school")
    create = staticmethod(services.school_create)
    detail_name = "school_detail"


class SchoolUpdate(_ScopedUpdate):
    form_class = forms.SchoolForm
    title = _("Edit school")
    visible = staticmethod(selectors.schools_visible_to)
    may_edit = staticmethod(perms.can_edit_school)
    update = staticmethod(services.school_update)
    object_kwarg = "school"
    detail_name = "school_detail"


class SchoolFiguresEdit(ServiceFormView):
    form_class = forms.FiguresForm
    title = _("Figures per school year")

    def load(self) -> Model | None:
        return get_object_or_404(
            selectors.schools_visible_to(user=self.request.user), pk=self.kwargs["pk"]
        )

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_edit_school(self.request.user, obj)

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        # ?year= is a school year's id; any other value means the current year.
        asked = self.request.GET.get("year", "")
        year = (
            SchoolYear.objects.filter(pk=int(asked)).first()
            if asked.isascii() and asked.isdigit() and int(asked) < 2**63
            else None
        ) or selectors.current_school_year()
        existing = obj.figures.filter(school_year=year).first() if year else None  # type: ignore[union-attr]
        initial = {"school_year": year}
        if existing:
            initial.update(
                pupils=existing.pupils,
                social_index=existing.social_index,
                startchancen=existing.startchancen,
            )
        return {"initial": initial}

    def save(self, form: Any, obj: Model | None) -> Model:
        services.school_figures_set(school=obj, by=self.request.user, **form.cleaned_data)
        return obj  # type: ignore[return-value]

    def success_url(self, obj: Model) -> str:
        return _url("school_detail", obj)


# --------------------------------------------------------------------------- import


@login_required
def school_import(request: HttpRequest) -> HttpResponse:
    """Upload, preview, confirm. The preview runs the whole import inside a
    transaction that is rolled back; confirming re-reads the same stored
    upload and commits it."""
    require(perms.can_import_schools(request.user))
    municipalities = selectors.coordinated_municipalities(user=request.user)
    form = forms.ImportForm(
        request.POST or None, request.FILES or None, municipalities=municipalities
    )
    context: dict[str, Any] = {"form": form, "title": _("Import schools")}
    if request.method == "POST" and "confirm" in request.POST:
        token = request.POST.get("token", "")
        pending = request.session.get("school_import", {})
        if not token or pending.get("token") != token:
            messages.error(request, _("The preview has expired. Please upload the file again."))
            return HttpResponseRedirect(reverse("masterdata:school_import"))
        municipality = get_object_or_404(municipalities, pk=pending["municipality"])
        try:
            data = importing.load_pending(token, kind="schools", owner_id=request.user.pk)
        except importing.PendingExpiredError:
            request.session.pop("school_import", None)
            messages.error(request, _("The preview has expired. Please upload the file again."))
            return HttpResponseRedirect(reverse("masterdata:school_import"))
        report = importing.import_schools(
            data=b"",
            filename=pending["filename"],
            municipality=municipality,
            by=request.user,
            dry_run=False,
            parsed=importing.schools_from_pending(data),
        )
        importing.discard_pending(token, kind="schools", owner_id=request.user.pk)
        request.session.pop("school_import", None)
        if report.ok:
            messages.success(request, report.summary())
            return HttpResponseRedirect(reverse("masterdata:school_list"))
        context.update(report=report)
        return render(request, "masterdata/school_import.html", context)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        municipality = form.cleaned_data["municipality"]
        data = importing.read_upload(upload)
        report = importing.import_schools(
            data=data,
            filename=upload.name,
            municipality=municipality,
            by=request.user,
            dry_run=True,
        )
        context.update(report=report, municipality=municipality)
        if report.ok:  # the preview keeps the recognised columns only
            token = importing.store_pending(
                importing.pending_schools(report.parse),
                kind="schools",
                owner_id=request.user.pk,
            )
            request.session["school_import"] = {
                "token": token,
                "municipality": municipality.pk,
                "filename": upload.name,
            }
            context["token"] = token
    return render(request, "masterdata/school_import.html", context)


# --------------------------------------------------------------------------- carriers


class CarrierList(TableView):
    title = _("Carriers")
    export_name = "carriers"
    filterset_class = CarrierFilter
    columns = [
        Column("name", _("name"), sort="name", link=lambda o: _url("carrier_detail", o)),
        Column("kind", _("kind"), value=lambda o: o.get_kind_display(), sort="kind"),
        Column("municipality", _("municipality"), value=lambda o: o.municipality.name),
        Column("staff_count", _("staff employed"), sort="staff_count", numeric=True),
        Column("active", _("active")),
    ]
    search_fields = ["name"]
    default_sort = "name"
    create_url_name = "masterdata:carrier_create"

    def check_access(self) -> None:
        require(perms.can_use_masterdata(self.request.user))

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.carriers_visible_to(user=self.request.user)

    def can_create(self) -> bool:
        return perms.can_create_in_municipality(self.request.user)


@login_required
def carrier_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(perms.can_use_masterdata(request.user))
    carrier = get_object_or_404(selectors.carriers_visible_to(user=request.user), pk=pk)
    return render(
        request,
        "masterdata/carrier_detail.html",
        {
            "object": carrier,
            "can_edit": perms.can_edit_carrier(request.user, carrier),
            "staff": selectors.staff_visible_to(user=request.user).filter(carrier=carrier)
            if perms.can_list_staff(request.user)
            else None,
            "positions": selectors.positions_visible_to(user=request.user)
            .filter(carrier=carrier)
            .active_on(timezone.localdate())
            if perms.can_list_positions(request.user)
            else None,
        },
    )


class CarrierCreate(_CreateInMunicipality):
    form_class = forms.CarrierForm
    title = _("New carrier")
    create = staticmethod(services.carrier_create)
    detail_name = "carrier_detail"


class CarrierUpdate(_ScopedUpdate):
    form_class = forms.CarrierForm
    title = _("Edit carrier")
    visible = staticmethod(selectors.carriers_visible_to)
    may_edit = staticmethod(perms.can_edit_carrier)
    update = staticmethod(services.carrier_update)
    object_kwarg = "carrier"
    detail_name = "carrier_detail"


# --------------------------------------------------------------------------- staff


class StaffList(TableView):
    title = _("Staff")
    export_name = "staff"
    filterset_class = StaffFilter
    columns = [
        Column("label", _("name or code"), sort="label", link=lambda o: _url("staff_detail", o)),
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

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.staff_visible_to(user=self.request.user)

    def can_create(self) -> bool:
        return perms.can_create_staff(self.request.user)


@login_required
def staff_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(perms.can_list_staff(request.user))
    staff = get_object_or_404(selectors.staff_visible_to(user=request.user), pk=pk)
    audit_read(request, staff)
    return render(
        request,
        "masterdata/staff_detail.html",
        {
            "object": staff,
            "positions": selectors.positions_visible_to(user=request.user).filter(
                staff_member=staff
            ),
            "warnings": selectors.rule_warnings_for_staff(staff=staff),
            "can_edit": perms.can_edit_staff(request.user, staff),
        },
    )


class StaffCreate(ServiceFormView):
    form_class = forms.StaffForm
    title = _("New staff member")

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        kwargs = super().form_kwargs(obj)
        kwargs["carriers"] = selectors.staff_carriers_for(user=self.request.user)
        return kwargs

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_create_staff(self.request.user)

    def save(self, form: Any, obj: Model | None) -> Model:
        data = dict(form.cleaned_data)
        carrier = data["carrier"]
        if not perms.can_employ_at(self.request.user, carrier):
            raise PermissionDenied
        return services.staff_create(
            municipality=carrier.municipality, by=self.request.user, **data
        )

    def success_url(self, obj: Model) -> str:
        return _url("staff_detail", obj)


class StaffUpdate(StaffCreate):
    title = _("Edit staff member")

    def load(self) -> Model | None:
        return get_object_or_404(
            selectors.staff_visible_to(user=self.request.user), pk=self.kwargs["pk"]
        )

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_edit_staff(self.request.user, obj)

    def save(self, form: Any, obj: Model | None) -> Model:
        carrier = form.cleaned_data["carrier"]
        if not perms.can_move_staff_to(self.request.user, obj, carrier):
            raise PermissionDenied
        return services.staff_update(staff=obj, by=self.request.user, **form.cleaned_data)


# --------------------------------------------------------------------------- funding


class FundingList(TableView):
    title = _("Funding streams")
    export_name = "funding_streams"
    filterset_class = FundingFilter
    columns = [
        Column("code", _("code"), sort="code"),
        Column("name", _("name"), sort="name", link=lambda o: _url("funding_detail", o)),
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

    def get_queryset(self) -> QuerySet[Any]:
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


class FundingCreate(_CreateInMunicipality):
    form_class = forms.FundingStreamForm
    title = _("New funding stream")
    create = staticmethod(services.funding_stream_create)
    detail_name = "funding_detail"


class FundingUpdate(_ScopedUpdate):
    form_class = forms.FundingStreamForm
    title = _("Edit funding stream")
    visible = staticmethod(selectors.funding_streams_visible_to)
    may_edit = staticmethod(perms.can_edit_funding)
    update = staticmethod(services.funding_stream_update)
    object_kwarg = "stream"
    detail_name = "funding_detail"


class BudgetEdit(FundingUpdate):
    form_class = forms.BudgetForm
    title = _("Budget per school year")

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        return {"initial": {"school_year": selectors.current_school_year()}}

    def save(self, form: Any, obj: Model | None) -> Model:
        services.budget_set(stream=obj, by=self.request.user, **form.cleaned_data)
        return obj  # type: ignore[return-value]


# --------------------------------------------------------------------------- positions


class PositionList(TableView):
    title = _("Positions")
    export_name = "positions"
    filterset_class = PositionFilter
    columns = [
        Column("code", _("position code"), sort="code", link=lambda o: _url("position_detail", o)),
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

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.positions_visible_to(user=self.request.user)

    def can_create(self) -> bool:
        return perms.can_create_in_municipality(self.request.user)


@login_required
def position_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(perms.can_list_positions(request.user))
    position = get_object_or_404(selectors.positions_visible_to(user=request.user), pk=pk)
    can_edit = perms.can_edit_position(request.user, position)
    warnings = [
        w
        for w in selectors.rule_warnings_visible_to(
            user=request.user, municipality=position.municipality
        )
        if position.staff_member_id and w.staff_id == position.staff_member_id
    ]
    return render(
        request,
        "masterdata/position_detail.html",
        {
            "object": position,
            "assignments": selectors.assignments_of(position=position),
            "free_hours": position.weekly_hours - position.assigned_hours,
            "warnings": warnings,
            "can_edit": can_edit,
            "assign_form": forms.AssignmentForm(
                schools=selectors.schools_visible_to(user=request.user).filter(
                    municipality=position.municipality
                )
            )
            if can_edit
            else None,
        },
    )


def _position_choices(user: Any) -> dict[str, Any]:
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

    def save(self, form: Any, obj: Model | None) -> Model:
        data = form.cleaned_data
        return services.position_create(
            municipality=data["carrier"].municipality, by=self.request.user, **data
        )

    def success_url(self, obj: Model) -> str:
        return _url("position_detail", obj)


class PositionUpdate(PositionCreate):
    title = _("Edit position")

    def load(self) -> Model | None:
        return get_object_or_404(
            selectors.positions_visible_to(user=self.request.user), pk=self.kwargs["pk"]
        )

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_edit_position(self.request.user, obj)

    def save(self, form: Any, obj: Model | None) -> Model:
        return services.position_update(position=obj, by=self.request.user, **form.cleaned_data)


class AssignmentAdd(ServiceFormView):
    form_class = forms.AssignmentForm
    title = _("Assign hours to a school")

    def load(self) -> Model | None:
        return get_object_or_404(
            selectors.positions_visible_to(user=self.request.user), pk=self.kwargs["pk"]
        )

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_edit_position(self.request.user, obj)

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        return {
            "schools": selectors.schools_visible_to(user=self.request.user).filter(
                municipality_id=obj.municipality_id  # type: ignore[union-attr]
            )
        }

    def save(self, form: Any, obj: Model | None) -> Model:
        services.assignment_set(position=obj, by=self.request.user, **form.cleaned_data)
        return obj  # type: ignore[return-value]

    def success_url(self, obj: Model) -> str:
        return _url("position_detail", obj)


@login_required
@require_POST
def assignment_remove(request: HttpRequest, pk: int, assignment_pk: int) -> HttpResponse:
    position = get_object_or_404(selectors.positions_visible_to(user=request.user), pk=pk)
    require(perms.can_edit_position(request.user, position))
    assignment = get_object_or_404(selectors.assignments_of(position=position), pk=assignment_pk)
    services.assignment_remove(assignment=assignment, by=request.user)
    messages.success(request, _("The school assignment was removed."))
    return HttpResponseRedirect(_url("position_detail", position))
