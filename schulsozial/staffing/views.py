"""Pages of the staffing plan (German UI): the plans, one plan with its
tables, pins and bans, the calculation with its progress, and acceptance."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schulsozial.core.audit import Action, audit
from schulsozial.core.exports import ExportInfo, export_response
from schulsozial.core.listing import require
from schulsozial.masterdata.models import School, SchoolYear, StaffMember

from . import adapter, forms, selectors, services
from . import permissions as perms
from .models import PlanBan, PlanPin, StaffingPlan

REFRESH_SECONDS = 2


def _plan(request: HttpRequest, pk: int) -> StaffingPlan:
    require(perms.can_use_staffing(request.user))
    return get_object_or_404(selectors.plans_visible_to(user=request.user), pk=pk)


def _error_text(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return " ".join(m for msgs in exc.message_dict.values() for m in msgs)
    return " ".join(exc.messages)


def _carrier_required(request: HttpRequest) -> bool:
    """Only coordination plans for all carriers at once."""
    from schulsozial.accounts.models import Role
    from schulsozial.accounts.permissions import has_role

    return not has_role(request.user, Role.COORDINATION)


def _create_form(request: HttpRequest, data: Any = None) -> forms.PlanCreateForm:
    return forms.PlanCreateForm(
        data,
        scenarios=selectors.scenarios_to_plan_from(user=request.user),
        carriers=selectors.carriers_to_plan_for(user=request.user),
        carrier_required=_carrier_required(request),
    )


def _rollover_form(request: HttpRequest, data: Any = None, **kwargs: Any) -> forms.RolloverForm:
    return forms.RolloverForm(
        data,
        carriers=selectors.carriers_to_plan_for(user=request.user),
        carrier_required=_carrier_required(request),
        **kwargs,
    )


@login_required
def plan_list(request: HttpRequest) -> HttpResponse:
    require(perms.can_use_staffing(request.user))
    plans = selectors.plans_visible_to(user=request.user)
    rollover_years = SchoolYear.objects.order_by("-start")[:4]
    from schulsozial.accounts.models import Role
    from schulsozial.accounts.permissions import municipality_ids

    coordinated = municipality_ids(request.user, Role.COORDINATION)
    rollover_form = None
    if perms.can_offer_rollover(request.user) and rollover_years:
        rollover_form = _rollover_form(request, initial={"school_year": rollover_years[0]})
    return render(
        request,
        "staffing/plan_list.html",
        {
            "title": _("Staffing plan"),
            "plans": plans,
            "create_form": _create_form(request) if perms.can_create_plan(request.user) else None,
            "rollover_form": rollover_form,
            "can_assign_school_carriers": any(
                perms.can_assign_school_carriers(request.user, m) for m in coordinated
            ),
        },
    )


@login_required
@require_POST
def plan_create(request: HttpRequest) -> HttpResponse:
    require(perms.can_create_plan(request.user))
    form = _create_form(request, request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose an adopted distribution."))
        return HttpResponseRedirect(reverse("staffing:plan_list"))
    try:
        plan = services.plan_create(
            scenario=form.cleaned_data["scenario"],
            carrier=form.cleaned_data["carrier"],
            by=request.user,
        )
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return HttpResponseRedirect(reverse("staffing:plan_list"))
    messages.success(request, _("The plan is created. Calculate it to see who works where."))
    return HttpResponseRedirect(plan.get_absolute_url())


@login_required
@require_POST
def plan_rollover(request: HttpRequest) -> HttpResponse:
    """Coordination rolls over all staff (or one carrier's); a carrier only
    its own staff (the form offers only its carriers, the service checks)."""
    require(perms.can_use_staffing(request.user) and perms.can_offer_rollover(request.user))
    form = _rollover_form(request, request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose a school year."))
        return HttpResponseRedirect(reverse("staffing:plan_list"))
    carrier = form.cleaned_data["carrier"]
    municipality = (
        carrier.municipality if carrier else selectors.coordinated_municipality(user=request.user)
    )
    if municipality is None:
        raise PermissionDenied
    plan = services.plan_rollover(
        municipality=municipality,
        school_year=form.cleaned_data["school_year"],
        carrier=carrier,
        by=request.user,
    )
    messages.success(request, _("What continues is carried over into the new school year."))
    return HttpResponseRedirect(plan.get_absolute_url())


def _scope_querysets(plan: StaffingPlan) -> tuple[Any, Any]:
    scope = adapter.build_scope(plan)
    staff = StaffMember.objects.filter(pk__in=[m.pk for m in scope.staff.values()]).order_by(
        "label"
    )
    schools = School.objects.filter(pk__in=[s.pk for s in scope.schools.values()]).order_by("name")
    return staff, schools


@login_required
def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    if plan.status == StaffingPlan.Status.SOLVING:
        return HttpResponseRedirect(reverse("staffing:plan_progress", args=[plan.pk]))
    view = selectors.plan_view(plan=plan)
    can_edit = perms.can_edit_plan(request.user, plan)
    pin_form = ban_form = None
    if can_edit:
        staff, schools = _scope_querysets(plan)
        pin_form = forms.PinForm(staff=staff, schools=schools, initial={"fte": Decimal("0.50")})
        ban_form = forms.BanForm(staff=staff, schools=schools)
    return render(
        request,
        "staffing/plan_detail.html",
        {
            "title": plan.name,
            "object": plan,
            "view": view,
            "result": plan.result,
            "can_edit": can_edit,
            "can_accept": perms.can_accept_plan(request.user, plan),
            "can_export": perms.can_export_plan(request.user, plan),
            "can_assign_school_carriers": perms.can_assign_school_carriers(
                request.user, plan.municipality_id
            ),
            "pin_form": pin_form,
            "ban_form": ban_form,
            "pinned": {(p.staff_id, p.school_id) for p in view.pins},
            "funding_findings": selectors.plan_funding_findings(user=request.user, plan=plan),
        },
    )


def _redirect_detail(plan: StaffingPlan) -> HttpResponse:
    return HttpResponseRedirect(plan.get_absolute_url())


@login_required
@require_POST
def plan_pin(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    require(perms.can_edit_plan(request.user, plan))
    staff, schools = _scope_querysets(plan)
    form = forms.PinForm(request.POST, staff=staff, schools=schools)
    if not form.is_valid():
        messages.error(request, _("Please choose a person, a school and the FTE."))
        return _redirect_detail(plan)
    try:
        services.pin_set(plan=plan, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return _redirect_detail(plan)
    messages.success(
        request,
        _("%(person)s is fixed at %(school)s with %(fte)s FTE. Calculate again.")
        % {
            "person": form.cleaned_data["staff"].label,
            "school": form.cleaned_data["school"].name,
            "fte": number_format(form.cleaned_data["fte"], decimal_pos=2),
        },
    )
    return _redirect_detail(plan)


@login_required
@require_POST
def plan_ban(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    require(perms.can_edit_plan(request.user, plan))
    staff, schools = _scope_querysets(plan)
    form = forms.BanForm(request.POST, staff=staff, schools=schools)
    if not form.is_valid():
        messages.error(request, _("Please choose a person and a school."))
        return _redirect_detail(plan)
    try:
        services.ban_set(plan=plan, by=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, _error_text(exc))
        return _redirect_detail(plan)
    messages.success(
        request,
        _("%(person)s will not be planned at %(school)s. Calculate again.")
        % {"person": form.cleaned_data["staff"].label, "school": form.cleaned_data["school"].name},
    )
    return _redirect_detail(plan)


@login_required
@require_POST
def pin_remove(request: HttpRequest, pk: int, pin: int) -> HttpResponse:
    plan = _plan(request, pk)
    require(perms.can_edit_plan(request.user, plan))
    services.pin_remove(pin=get_object_or_404(PlanPin, plan=plan, pk=pin), by=request.user)
    return _redirect_detail(plan)


@login_required
@require_POST
def ban_remove(request: HttpRequest, pk: int, ban: int) -> HttpResponse:
    plan = _plan(request, pk)
    require(perms.can_edit_plan(request.user, plan))
    services.ban_remove(ban=get_object_or_404(PlanBan, plan=plan, pk=ban), by=request.user)
    return _redirect_detail(plan)


@login_required
@require_POST
def plan_solve(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    require(perms.can_edit_plan(request.user, plan))
    plan = services.plan_solve(plan=plan, by=request.user)
    if plan.status == StaffingPlan.Status.SOLVING:
        return HttpResponseRedirect(reverse("staffing:plan_progress", args=[plan.pk]))
    if plan.error:
        messages.error(request, _("The plan could not be calculated."))
    else:
        messages.success(request, _("The plan is calculated."))
    return _redirect_detail(plan)


@login_required
def plan_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """How far a running calculation is; the page refreshes itself until the
    calculation is done, then shows the plan."""
    plan = _plan(request, pk)
    htmx = bool(getattr(request, "htmx", False))
    if plan.status != StaffingPlan.Status.SOLVING:
        target = plan.get_absolute_url()
        if htmx:
            response = HttpResponse(status=204)
            response["HX-Redirect"] = target
            return response
        return HttpResponseRedirect(target)
    progress = plan.progress or {}
    return render(
        request,
        "staffing/plan_progress.html#progress" if htmx else "staffing/plan_progress.html",
        {
            "title": _("Calculation running"),
            "object": plan,
            "progress": progress,
            "gap": selectors.gap_percent(progress),
            "refresh": REFRESH_SECONDS,
            "can_restart": plan.is_stuck and perms.can_edit_plan(request.user, plan),
        },
    )


@login_required
def plan_accept(request: HttpRequest, pk: int) -> HttpResponse:
    """The confirmation page (GET) and the acceptance (POST)."""
    plan = _plan(request, pk)
    require(perms.can_accept_plan(request.user, plan))
    if request.method == "POST" and request.POST.get("confirm"):
        try:
            services.plan_accept(plan=plan, by=request.user)
        except ValidationError as exc:
            messages.error(request, _error_text(exc))
            return _redirect_detail(plan)
        messages.success(
            request,
            _("The plan is accepted: the assignments apply from %(day)s.")
            % {"day": plan.school_year.start.strftime("%d.%m.%Y")},
        )
        return _redirect_detail(plan)
    view = selectors.plan_view(plan=plan)
    return render(
        request,
        "staffing/plan_accept.html",
        {"title": _("Accept the plan"), "object": plan, "view": view},
    )


@login_required
@require_POST
def plan_discard(request: HttpRequest, pk: int) -> HttpResponse:
    plan = _plan(request, pk)
    require(perms.can_edit_plan(request.user, plan))
    services.plan_discard(plan=plan, by=request.user)
    messages.success(request, _("The plan is discarded."))
    return HttpResponseRedirect(reverse("staffing:plan_list"))


def _two_places(value: Decimal) -> Decimal:
    """FTE and hours in an export: two decimals (0,50 and 1,00 in the CSV,
    numbers formatted #,##0.00 in the XLSX), as the contract exports."""
    return Decimal(value).quantize(Decimal("0.01"))


@login_required
def unfilled_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The open needs as vacancies to advertise (CSV or XLSX)."""
    plan = _plan(request, pk)
    require(perms.can_export_plan(request.user, plan))
    if fmt not in ("csv", "xlsx"):
        raise Http404
    rows = selectors.unfilled_rows(plan=plan)
    week = plan.municipality.fulltime_week_hours
    header = [
        _("school number"),
        _("school"),
        _("school type"),
        _("open need (FTE)"),
        _("weekly hours"),
        _("school year"),
        _("need from"),
    ]
    body = [
        [
            school.school_number,
            school.name,
            school.get_school_type_display(),
            _two_places(value),
            _two_places(value * week),
            plan.school_year.code,
            plan.school_year.start,
        ]
        for school, value in rows
    ]
    info = ExportInfo(
        title=_("Open needs"),
        filters=[(_("plan"), plan.name)],
        period=plan.school_year.code,
    )
    audit(
        actor=request.user,
        action=Action.EXPORT,
        obj=plan,
        changes={"format": fmt, "entries": len(body)},
    )
    return export_response(fmt, info=info, header=header, rows=body)
