"""Pages of quality management. Short: load through the selectors, ask
quality.permissions, write through the services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from schulsozial.core.audit import Action, audit, audit_read
from schulsozial.core.exports import ExportInfo, describe_filters, export_response
from schulsozial.core.listing import require
from schulsozial.masterdata.models import Municipality, SchoolYear

from . import forms, pdf, selectors, services
from . import permissions as perms
from .models import Perspective, SelfEvaluation

ST = SelfEvaluation.Status


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def _render(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """A page with the sub-navigation's flags (asked of the permissions)."""
    context["quality_nav"] = {
        "cycle": perms.can_view_cycle_table(request.user),
        "settings": perms.can_open_settings(request.user),
    }
    return render(request, template, context)


def _detail_url(evaluation: SelfEvaluation) -> str:
    return reverse("quality:evaluation_detail", args=[evaluation.pk])


# --------------------------------------------------------------------------- overview


@login_required
def home(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(perms.can_use_quality(user))
    year = selectors.current_school_year()
    evaluations = selectors.evaluations_visible_to(user=user).order_by(
        "-school_year__start", "school__name"
    )
    return _render(
        request,
        "quality/home.html",
        {
            "year": year,
            "evaluations": evaluations[:200],
            "to_start": selectors.schools_to_start(user=user, school_year=year) if year else [],
            "can_cycle": perms.can_view_cycle_table(user),
            "can_dialogue": perms.can_create_dialogues(user),
            "can_settings": perms.can_open_settings(user),
        },
    )


@login_required
@require_POST
def evaluation_start(request: HttpRequest, school_pk: int) -> HttpResponse:
    user = request.user
    require(perms.can_use_quality(user))
    year = selectors.current_school_year()
    school = (
        next(
            (
                s
                for s in selectors.schools_to_start(user=user, school_year=year)
                if s.pk == school_pk
            ),
            None,
        )
        if year
        else None
    )
    if school is None or year is None:
        raise Http404
    try:
        evaluation = services.evaluation_start(school=school, school_year=year, by=user)
    except ValidationError as error:
        _errors(request, error)
        return HttpResponseRedirect(reverse("quality:home"))
    return HttpResponseRedirect(
        reverse("quality:evaluation_edit", args=[evaluation.pk, Perspective.WORKER])
    )


# --------------------------------------------------------------------------- self-evaluation


@login_required
def evaluation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    require(perms.can_use_quality(user))
    evaluation = selectors.evaluation_detail(user=user, pk=pk)
    audit_read(request, evaluation)
    compare = selectors.side_by_side(evaluation=evaluation, user=user)
    writable = [
        (p, Perspective(p).label)
        for p in perms.writable_perspectives(user, evaluation)
        if evaluation.status in services.WRITABLE_IN[p]
        and p in {x[0] for x in compare["perspectives"]}
        and compare_record(compare, p).submitted_at is None
    ]
    records = {p: rec for p, _l, rec, _v in compare["perspectives"]}
    carrier_open = (
        Perspective.CARRIER in records
        and records[Perspective.CARRIER].submitted_at is None
        and evaluation.status in services.WRITABLE_IN[Perspective.CARRIER]
        and perms.can_write_perspective(user, evaluation, Perspective.CARRIER)
    )
    review = getattr(evaluation, "closing_review", None) if evaluation.status == ST.CLOSED else None
    return _render(
        request,
        "quality/evaluation_detail.html",
        {
            "evaluation": evaluation,
            "compare": compare,
            "scale": selectors.scale_of(evaluation),
            "writable": writable,
            "can_submit": evaluation.status == ST.DRAFT
            and perms.can_write_perspective(user, evaluation, Perspective.WORKER),
            "can_co_sign": evaluation.status == ST.SUBMITTED
            and perms.can_co_sign(user, evaluation),
            "school_open": _open_count(evaluation, Perspective.SCHOOL, records),
            "worker_open": _open_count(evaluation, Perspective.WORKER, records),
            "carrier_unrated": _open_count(evaluation, Perspective.CARRIER, records),
            "can_return": evaluation.status == ST.SUBMITTED
            and perms.can_return_evaluation(user, evaluation),
            "carrier_open": carrier_open,
            "can_close": evaluation.status == ST.CO_SIGNED
            and perms.can_close_review(user, evaluation),
            "review": review,
            "dialogues": evaluation.dialogues.all(),
            "figures": selectors.outcome_figures(user=user, evaluation=evaluation),
            "co_sign_form": forms.CoSignForm(),
            "return_form": forms.CommentForm(),
        },
    )


def _open_count(evaluation: SelfEvaluation, perspective: str, records: dict[str, Any]) -> int:
    """Standards the perspective has not answered yet (0 when it is not wanted)."""
    if perspective not in records:
        return 0
    ratings = selectors.ratings_of(evaluation, perspective)
    standards = evaluation.framework_version.standards.all()
    return sum(1 for s in standards if not (s.pk in ratings and ratings[s.pk].is_answered))


def compare_record(compare: dict[str, Any], perspective: str) -> Any:
    return next(rec for p, _l, rec, _v in compare["perspectives"] if p == perspective)


@login_required
def evaluation_edit(request: HttpRequest, pk: int, perspective: str) -> HttpResponse:
    user = request.user
    require(perms.can_use_quality(user))
    evaluation = selectors.evaluation_detail(user=user, pk=pk)
    if perspective not in Perspective.values:
        raise Http404
    require(perms.can_write_perspective(user, evaluation, perspective))
    records = selectors.perspective_records(evaluation)
    record = records.get(perspective)
    if record is None:
        raise Http404
    if evaluation.status not in services.WRITABLE_IN[perspective] or record.submitted_at:
        messages.error(request, _("This perspective cannot be changed any more."))
        return HttpResponseRedirect(_detail_url(evaluation))
    groups = selectors.standards_by_dimension(evaluation)
    standards = [s for _k, _t, items in groups for s in items]
    scale = selectors.scale_of(evaluation)
    ratings = selectors.ratings_of(evaluation, perspective)
    initial = forms.RatingForm.initial_from(ratings)
    initial["summary"] = record.summary
    form = forms.RatingForm(request.POST or None, standards=standards, scale=scale, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.ratings_save(
                evaluation=evaluation,
                perspective=perspective,
                entries=form.entries(),
                summary=form.cleaned_data.get("summary") or "",
                by=user,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The ratings are saved."))
            if request.POST.get("then") == "detail":
                return HttpResponseRedirect(_detail_url(evaluation))
            return HttpResponseRedirect(request.path)
    figures = (
        selectors.outcome_figures(user=user, evaluation=evaluation)
        if any(k == "result" for k, _t, _i in groups)
        else None
    )
    dimensions = [
        {"key": key, "title": title, "items": [(s, form.bound(s)) for s in items]}
        for key, title, items in groups
    ]
    if request.method == "GET":
        audit_read(
            request, evaluation, details={_("perspective"): str(Perspective(perspective).label)}
        )
    return _render(
        request,
        "quality/evaluation_form.html",
        {
            "evaluation": evaluation,
            "perspective": perspective,
            "perspective_label": Perspective(perspective).label,
            "form": form,
            "dimensions": dimensions,
            "figures": figures,
            "missing": selectors_missing(evaluation, perspective, standards, ratings),
        },
    )


def selectors_missing(evaluation: Any, perspective: str, standards: Any, ratings: Any) -> int:
    return sum(1 for s in standards if not (s.pk in ratings and ratings[s.pk].is_answered))


def _post_step(request: HttpRequest, pk: int) -> SelfEvaluation:
    require(perms.can_use_quality(request.user))
    return selectors.evaluation_detail(user=request.user, pk=pk)


@login_required
@require_POST
def evaluation_submit(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _post_step(request, pk)
    require(perms.can_write_perspective(request.user, evaluation, Perspective.WORKER))
    try:
        services.evaluation_submit(evaluation=evaluation, by=request.user)
        messages.success(request, _("The self-evaluation is submitted."))
    except ValidationError as error:
        _errors(request, error)
    return HttpResponseRedirect(_detail_url(evaluation))


@login_required
@require_POST
def evaluation_co_sign(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _post_step(request, pk)
    require(perms.can_co_sign(request.user, evaluation))
    form = forms.CoSignForm(request.POST)
    form.is_valid()
    try:
        services.evaluation_co_sign(
            evaluation=evaluation,
            by=request.user,
            summary=form.cleaned_data.get("summary") or None,
        )
        messages.success(request, _("The self-evaluation is co-signed."))
    except ValidationError as error:
        _errors(request, error)
    return HttpResponseRedirect(_detail_url(evaluation))


@login_required
@require_POST
def evaluation_return(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _post_step(request, pk)
    require(perms.can_return_evaluation(request.user, evaluation))
    try:
        services.evaluation_return(
            evaluation=evaluation, comment=request.POST.get("comment", ""), by=request.user
        )
        messages.success(request, _("The self-evaluation is back in draft."))
    except ValidationError as error:
        _errors(request, error)
    return HttpResponseRedirect(_detail_url(evaluation))


@login_required
@require_POST
def carrier_submit(request: HttpRequest, pk: int) -> HttpResponse:
    evaluation = _post_step(request, pk)
    require(perms.can_write_perspective(request.user, evaluation, Perspective.CARRIER))
    try:
        services.carrier_view_submit(evaluation=evaluation, by=request.user)
        messages.success(request, _("The carrier's view is submitted."))
    except ValidationError as error:
        _errors(request, error)
    return HttpResponseRedirect(_detail_url(evaluation))


@login_required
def closing_review(request: HttpRequest, pk: int) -> HttpResponse:
    user = request.user
    evaluation = _post_step(request, pk)
    require(perms.can_close_review(user, evaluation))
    if evaluation.status != ST.CO_SIGNED:
        messages.error(request, _("The closing review follows the co-sign."))
        return HttpResponseRedirect(_detail_url(evaluation))
    config = selectors.settings_of(evaluation.school.municipality_id)
    standards = list(evaluation.framework_version.standards.all())
    form = forms.ClosingReviewForm(
        request.POST or None, standards=standards, max_changes=config.max_changes
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.closing_review_create(
                evaluation=evaluation,
                strengths=form.cleaned_data.get("strengths") or "",
                weaknesses=form.cleaned_data.get("weaknesses") or "",
                changes=form.changes(),
                by=user,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The closing review is saved; the yearly goals are set."))
            return HttpResponseRedirect(_detail_url(evaluation))
    compare = selectors.side_by_side(evaluation=evaluation, user=user)
    return _render(
        request,
        "quality/closing_review.html",
        {"evaluation": evaluation, "form": form, "compare": compare, "config": config},
    )


# --------------------------------------------------------------------------- dialogues


@login_required
def dialogue_list(request: HttpRequest) -> HttpResponse:
    require(perms.can_use_quality(request.user))
    return _render(
        request,
        "quality/dialogue_list.html",
        {
            "dialogues": selectors.dialogues_visible_to(user=request.user).order_by("-date")[:300],
            "can_create": perms.can_create_dialogues(request.user),
        },
    )


def _dialogue_form(request: HttpRequest, school: Any, dialogue: Any = None) -> forms.DialogueForm:
    user = request.user
    schools = selectors.dialogue_schools(user=user)
    evaluations = selectors.evaluations_visible_to(user=user)
    goals = selectors.goals_of_school(school=school) if school else schools.none()
    evaluations = evaluations.filter(school=school) if school else evaluations.none()
    initial: dict[str, Any] = {"date": timezone.localdate()}
    if school is not None:
        initial["school"] = school
        latest = evaluations.order_by("-school_year__start").first()
        if latest is not None:
            initial["evaluation"] = latest
    if dialogue is not None:
        initial.update(
            {
                "date": dialogue.date,
                "evaluation": dialogue.evaluation,
                "agreements": dialogue.agreements,
                "follow_up_goals": list(dialogue.follow_up_goals.all()),
            }
        )
        initial.update(forms.DialogueForm.initial_participants(dialogue))
    else:
        initial.update({"p1-role": "worker", "p2-role": "principal", "p3-role": "coordination"})
    return forms.DialogueForm(
        request.POST or None,
        schools=schools,
        evaluations=evaluations,
        goals=goals,
        fixed_school=school is not None,
        initial=initial,
    )


@login_required
def dialogue_create(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(perms.can_create_dialogues(user))
    school = None
    raw = request.GET.get("school") or request.POST.get("school_id")
    if raw and raw.isascii() and raw.isdigit():
        school = get_object_or_404(selectors.dialogue_schools(user=user), pk=int(raw))
    if school is None:
        return _render(
            request,
            "quality/dialogue_school.html",
            {"schools": selectors.dialogue_schools(user=user)},
        )
    form = _dialogue_form(request, school)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        evaluation = data.get("evaluation")
        year = (
            evaluation.school_year
            if evaluation
            else SchoolYear.objects.containing(data["date"]).first()
        )
        if year is None:
            form.add_error("date", _("The date lies in no school year of the platform."))
            return _render(
                request,
                "quality/dialogue_form.html",
                {"form": form, "school": school, "title": _("Record a quality dialogue")},
            )
        try:
            dialogue = services.dialogue_create(
                school=school,
                school_year=year,
                date=data["date"],
                participants=form.participants(),
                agreements=data.get("agreements") or "",
                evaluation=evaluation,
                follow_up_goals=list(data.get("follow_up_goals") or []),
                by=user,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The quality dialogue is recorded."))
            return HttpResponseRedirect(reverse("quality:dialogue_detail", args=[dialogue.pk]))
    return _render(
        request,
        "quality/dialogue_form.html",
        {"form": form, "school": school, "title": _("Record a quality dialogue")},
    )


@login_required
def dialogue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(perms.can_use_quality(request.user))
    dialogue = selectors.dialogue_detail(user=request.user, pk=pk)
    audit_read(request, dialogue)
    return _render(
        request,
        "quality/dialogue_detail.html",
        {
            "dialogue": dialogue,
            "participants": dialogue.participants.all(),
            "goals": dialogue.follow_up_goals.select_related("school_year"),
            "can_edit": perms.can_record_dialogue(request.user, dialogue.school),
        },
    )


@login_required
def dialogue_update(request: HttpRequest, pk: int) -> HttpResponse:
    require(perms.can_use_quality(request.user))
    dialogue = selectors.dialogue_detail(user=request.user, pk=pk)
    require(perms.can_record_dialogue(request.user, dialogue.school))
    form = _dialogue_form(request, dialogue.school, dialogue)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.dialogue_update(
                dialogue=dialogue,
                date=data["date"],
                participants=form.participants(),
                agreements=data.get("agreements") or "",
                evaluation=data.get("evaluation"),
                follow_up_goals=list(data.get("follow_up_goals") or []),
                by=request.user,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The quality dialogue is saved."))
            return HttpResponseRedirect(reverse("quality:dialogue_detail", args=[dialogue.pk]))
    return _render(
        request,
        "quality/dialogue_form.html",
        {
            "form": form,
            "school": dialogue.school,
            "dialogue": dialogue,
            "title": _("Edit the quality dialogue"),
        },
    )


@login_required
def dialogue_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    require(perms.can_use_quality(request.user))
    dialogue = selectors.dialogue_detail(user=request.user, pk=pk)
    body = pdf.dialogue_minutes_pdf(dialogue)
    audit(
        actor=request.user,
        action=Action.EXPORT,
        obj=dialogue,
        changes={"format": "PDF"},
    )
    name = f"qualitaetsdialog-{dialogue.school.school_number}-{dialogue.date.isoformat()}.pdf"
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --------------------------------------------------------------------------- cycle table


def _cycle(request: HttpRequest) -> tuple[forms.CycleFilterForm, Any, list[Any]]:
    user = request.user
    require(perms.can_view_cycle_table(user))
    form = forms.CycleFilterForm(
        request.GET or None,
        years=selectors.school_years(),
        carriers=selectors.cycle_carriers(user=user),
    )
    data = form.cleaned_data if form.is_valid() else {}
    year = data.get("school_year") or selectors.current_school_year()
    if year is None:
        return form, None, []
    carrier = data.get("carrier")
    rows = selectors.cycle_table(
        user=user,
        school_year=year,
        carrier_id=carrier.pk if carrier else None,
        school_type=data.get("school_type") or "",
    )
    return form, year, rows


@login_required
def cycle(request: HttpRequest) -> HttpResponse:
    form, year, rows = _cycle(request)
    return _render(
        request,
        "quality/cycle.html",
        {
            "form": form,
            "year": year,
            "rows": rows,
            "steps": selectors.CYCLE_STEPS,
            "totals": selectors.cycle_totals(rows),
            "query": request.GET.urlencode(),
        },
    )


@login_required
def cycle_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form, year, rows = _cycle(request)
    yes, no = _("yes"), _("no")
    header = [_("School number"), _("School"), _("School type")] + [
        str(label) for _k, label in selectors.CYCLE_STEPS
    ]
    body = [
        [r.school.school_number, r.school.name, r.school.get_school_type_display()]
        + [yes if r.steps[k] else no for k, _l in selectors.CYCLE_STEPS]
        for r in rows
    ]
    # The school year always: the file may be read without its name.
    filters = [(str(_("school year")), year.code)] if year else []
    if form.is_bound:
        filters += describe_filters(form, skip=("school_year",))
    info = ExportInfo(
        title=_("QM cycle"),
        filters=filters,
        period=year.code if year else "",
        name=_("qm-cycle"),
    )
    for mid in {r.school.municipality_id for r in rows} or {None}:
        audit(
            actor=request.user,
            action=Action.EXPORT,
            object_type=str(_("QM cycle")),
            object_repr=info.filename(fmt),
            municipality_id=mid,
            changes={"filters": dict(filters)},
        )
    return export_response(fmt, info=info, header=header, rows=body)


# --------------------------------------------------------------------------- settings


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(perms.can_open_settings(user))
    municipalities = [
        m for m in Municipality.objects.order_by("name") if perms.can_manage_settings(user, m.pk)
    ]
    if not municipalities:
        raise Http404
    municipality = municipalities[0]
    current = selectors.settings_of(municipality.pk)
    form = forms.SettingsForm(request.POST or None, instance=current)
    if request.method == "POST" and form.is_valid():
        data = {k: form.cleaned_data[k] for k in forms.SettingsForm.Meta.fields}
        try:
            services.settings_update(municipality=municipality, by=user, **data)
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The settings are saved."))
            return HttpResponseRedirect(request.path)
    return _render(request, "quality/settings.html", {"form": form, "municipality": municipality})
