"""Pages of the council papers (Ratsvorlagen): the list with filters and
export, a paper's page (Beratungsfolge, decision status, links, attachments),
the create/edit form with its Beratungsfolge, and the paste page. Loads
through selectors, decides through council.permissions, writes through
council.services."""

from __future__ import annotations

import os
from typing import Any

import django_filters as df
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from schulsozial.allocation.models import Scenario
from schulsozial.concepts.models import FrameworkVersion
from schulsozial.core.audit import audit_read
from schulsozial.core.listing import Column, TableView, require
from schulsozial.core.views import apply_validation_error
from schulsozial.masterdata.models import Municipality, SchoolYear
from schulsozial.masterdata.selectors import coordinated_municipalities

from . import decision, forms, selectors, services
from . import permissions as perms
from .models import Committee, Paper, PaperAttachment, PaperLink, PaperType
from .paste_texts import long_texts

OUTCOME_LABELS = {
    decision.Kind.DECIDED: gettext_lazy("decided"),
    decision.Kind.REJECTED: gettext_lazy("rejected"),
    decision.Kind.TAKEN_NOTE: gettext_lazy("taken note of, not decided"),
    decision.Kind.PENDING: gettext_lazy("no decision yet"),
}


def _paper_url(paper: Paper) -> str:
    return reverse("council:paper_detail", args=[paper.pk])


def _load(request: HttpRequest, pk: int) -> Paper:
    paper: Paper = get_object_or_404(selectors.papers_visible_to(user=request.user), pk=pk)
    return paper


def link_label(link: PaperLink) -> str:
    if link.framework_version is not None:
        return _("framework concept, version %(n)s") % {"n": link.framework_version.number}
    if link.scenario is not None:
        return _("distribution: %(name)s") % {"name": link.scenario.name}
    return _("school concepts %(year)s") % {"year": link.school_year}


def link_url(link: PaperLink) -> str:
    if link.framework_version_id:
        return reverse("concepts:framework_detail", args=[link.framework_version_id])
    if link.scenario_id:
        return reverse("allocation:scenario_detail", args=[link.scenario_id])
    return reverse("concepts:overview")


# --------------------------------------------------------------------------- list


def _year_choices(request: HttpRequest | None) -> list[tuple[str, str]]:
    if request is None:
        return []
    years = (
        selectors.papers_visible_to(user=request.user)
        .exclude(date__isnull=True)
        .dates("date", "year", order="DESC")
    )
    return [(str(d.year), str(d.year)) for d in years]


class PaperFilter(df.FilterSet):
    committee = df.ModelChoiceFilter(
        label=gettext_lazy("committee"),
        field_name="consultations__committee",
        queryset=Committee.objects.none(),
        distinct=True,
    )
    paper_type = df.ModelChoiceFilter(
        label=gettext_lazy("paper type"), queryset=PaperType.objects.none()
    )
    year = df.ChoiceFilter(label=gettext_lazy("year"), choices=[], method="filter_year")
    linked = df.ChoiceFilter(
        label=gettext_lazy("concerns"),
        choices=[*PaperLink.Target.choices, ("none", gettext_lazy("nothing linked"))],
        method="filter_linked",
    )
    status = df.ChoiceFilter(label=gettext_lazy("status"), choices=Paper.Status.choices)

    class Meta:
        model = Paper
        fields = ["committee", "paper_type", "year", "linked", "status"]

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if request is not None:
            self.filters["committee"].queryset = selectors.committees_visible_to(user=request.user)
            self.filters["paper_type"].queryset = selectors.paper_types_visible_to(
                user=request.user
            )
            self.filters["year"].extra["choices"] = _year_choices(request)

    def filter_year(self, queryset: QuerySet[Paper], name: str, value: str) -> Any:
        return (
            queryset.filter(date__year=int(value))
            if value.isascii() and value.isdigit()
            else queryset
        )

    def filter_linked(self, queryset: QuerySet[Paper], name: str, value: str) -> Any:
        fields = {
            PaperLink.Target.FRAMEWORK: "framework_version",
            PaperLink.Target.SCENARIO: "scenario",
            PaperLink.Target.CONCEPTS: "school_year",
        }
        if value == "none":
            return queryset.exclude(pk__in=PaperLink.objects.values("paper_id"))
        field = fields.get(value)  # type: ignore[call-overload]
        if field is None:
            return queryset
        return queryset.filter(
            pk__in=PaperLink.objects.filter(**{f"{field}__isnull": False}).values("paper_id")
        )


def status_text(paper: Paper) -> str:
    """The status, and when the council system reported the paper deleted."""
    text = str(paper.get_status_display())
    if paper.deleted_at_source:
        day = formats.date_format(timezone.localtime(paper.deleted_at_source), "SHORT_DATE_FORMAT")
        text += " · " + _("deleted in the council system on %(date)s") % {"date": day}
    return text


class PaperList(TableView):
    title = gettext_lazy("Council papers")
    export_name = "council_papers"
    filterset_class = PaperFilter
    columns = [
        Column("reference", gettext_lazy("paper number"), sort="reference", link=_paper_url),
        Column("title", gettext_lazy("subject"), sort="title"),
        Column(
            "paper_type",
            gettext_lazy("paper type"),
            value=lambda o: o.paper_type.name if o.paper_type else "",
            sort="paper_type__name",
        ),
        Column("status", gettext_lazy("status"), value=lambda o: status_text(o)),
        Column("date", gettext_lazy("date"), sort="date"),
        Column("lead_department", gettext_lazy("lead department"), export_only=True),
        Column(
            "committees",
            gettext_lazy("Beratungsfolge"),
            value=lambda o: "; ".join(
                f"{c.committee.name} {c.date.strftime('%d.%m.%Y') if c.date else ''}".strip()
                for c in o.consultations.all()
            ),
        ),
        Column(
            "outcome",
            gettext_lazy("decision status"),
            value=lambda o: str(OUTCOME_LABELS[selectors.outcome_of(o).kind]),
        ),
        Column(
            "links",
            gettext_lazy("concerns"),
            value=lambda o: "; ".join(link_label(link) for link in o.links.all()),
        ),
        Column(
            "municipality",
            gettext_lazy("municipality"),
            value=lambda o: o.municipality.name,
            export_only=True,
        ),
    ]
    search_fields = ["reference", "title", "lead_department", "author"]
    default_sort = "-date"

    def check_access(self) -> None:
        require(perms.can_use_council(self.request.user))

    def get_queryset(self) -> QuerySet[Paper]:
        return selectors.papers_visible_to(user=self.request.user)

    def extra_context(self) -> dict[str, Any]:
        actions: list[tuple[str, str]] = []
        if perms.can_create_papers(self.request.user):
            actions.append((_("New paper"), reverse("council:paper_create")))
            actions.append((_("Paste a paper"), reverse("council:paper_paste")))
        from .oparl.permissions import can_use_oparl_import  # the OParl import page

        if can_use_oparl_import(self.request.user):
            actions.append(
                (_("Import from the council information system"), reverse("council:oparl_import"))
            )
        if perms.can_use_drafts(self.request.user):
            actions.append((_("Council paper drafts"), reverse("council:draft_list")))
        if perms.can_use_council_lists(self.request.user):
            actions.append((_("Committees and paper types"), reverse("council:lists")))
        return {"extra_actions": actions}


# --------------------------------------------------------------------------- detail


@login_required
def paper_detail(request: HttpRequest, pk: int) -> HttpResponse:
    paper = _load(request, pk)
    user = request.user
    can_edit = perms.can_edit_paper(user, paper)
    outcome = selectors.outcome_of(paper)
    context: dict[str, Any] = {
        "paper": paper,
        "consultations": list(paper.consultations.all()),
        "outcome": outcome,
        "outcome_label": OUTCOME_LABELS[outcome.kind],
        "links": [(link, link_label(link), link_url(link)) for link in paper.links.all()],
        "attachments": list(paper.attachments.all()),
        "can_edit": can_edit,
    }
    if can_edit:
        context["link_form"] = _link_form(paper)
        context["attachment_form"] = forms.AttachmentForm()
    if not paper.is_public:
        audit_read(request, paper)
    return render(request, "council/paper_detail.html", context)


def _link_form(paper: Paper, data: Any = None) -> forms.LinkForm:
    return forms.LinkForm(
        data,
        versions=FrameworkVersion.objects.filter(municipality_id=paper.municipality_id).order_by(
            "-number"
        ),
        scenarios=Scenario.objects.filter(municipality_id=paper.municipality_id).order_by(
            "-school_year__start", "name"
        ),
        years=SchoolYear.objects.order_by("-start"),
    )


# --------------------------------------------------------------------------- create / edit


def _municipalities(request: HttpRequest) -> QuerySet[Municipality]:
    return coordinated_municipalities(user=request.user)


def _paper_types(request: HttpRequest) -> QuerySet[PaperType]:
    for municipality in _municipalities(request):
        services.paper_types_ensure(municipality_id=municipality.pk, by=request.user)
    return PaperType.objects.filter(
        municipality_id__in=_municipalities(request).values("pk")
    ).order_by("municipality__name", "order", "name")


def _steps(formset: Any) -> list[services.ConsultationData]:
    steps = []
    for form in formset.forms:
        data = getattr(form, "cleaned_data", None) or {}
        if not data or data.get("DELETE") or not data.get("committee"):
            continue
        steps.append(
            services.ConsultationData(
                committee=data["committee"],
                date=data.get("date"),
                role=data.get("role") or "",
                result=data.get("result") or "",
            )
        )
    return steps


def _form_page(
    request: HttpRequest,
    *,
    form: forms.PaperForm,
    formset: Any,
    paper: Paper | None,
    title: str,
    action: str,
    missing: list[str] | None = None,
    notes: list[str] | None = None,
    status: int = 200,
) -> HttpResponse:
    municipality_ids = [m.pk for m in _municipalities(request)]
    return render(
        request,
        "council/paper_form.html",
        {
            "title": title,
            "form": form,
            "formset": formset,
            "paper": paper,
            "action": action,
            "missing": missing or [],
            "missing_steps": "consultations" in (missing or []),
            "notes": notes or [],
            "committee_names": Committee.objects.filter(municipality_id__in=municipality_ids)
            .order_by("name")
            .values_list("name", flat=True),
            "result_suggestions": forms.result_suggestions(),
            "cancel_url": _paper_url(paper) if paper else reverse("council:paper_list"),
        },
        status=status,
    )


def _save(request: HttpRequest, paper: Paper | None) -> HttpResponse:
    form = forms.PaperForm(
        request.POST,
        municipalities=_municipalities(request),
        paper_types=_paper_types(request),
        fixed_municipality=paper.municipality if paper else None,
    )
    formset = forms.ConsultationFormSet(request.POST, prefix="steps")
    if form.is_valid() and formset.is_valid():
        municipality = paper.municipality if paper else form.cleaned_data["municipality"]
        require(perms.can_write_papers(request.user, municipality.pk))
        try:
            if paper is None:
                saved = services.paper_create(
                    municipality_id=municipality.pk,
                    data=form.paper_data(),
                    consultations=_steps(formset),
                    by=request.user,
                )
                messages.success(
                    request, _("The paper %(ref)s was saved.") % {"ref": saved.reference}
                )
            else:
                saved, _changed = services.paper_update(
                    paper=paper,
                    data=form.paper_data(),
                    consultations=_steps(formset),
                    by=request.user,
                )
                messages.success(request, _("Saved."))
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return HttpResponseRedirect(_paper_url(saved))
    title = _("Change the paper") if paper else _("New council paper")
    action = (
        reverse("council:paper_update", args=[paper.pk])
        if paper
        else reverse("council:paper_create")
    )
    return _form_page(request, form=form, formset=formset, paper=paper, title=title, action=action)


@login_required
def paper_create(request: HttpRequest) -> HttpResponse:
    require(perms.can_create_papers(request.user))
    if request.method == "POST":
        return _save(request, None)
    form = forms.PaperForm(
        municipalities=_municipalities(request),
        paper_types=_paper_types(request),
        initial={"status": Paper.Status.PUBLIC},
    )
    formset = forms.ConsultationFormSet(prefix="steps")
    return _form_page(
        request,
        form=form,
        formset=formset,
        paper=None,
        title=_("New council paper"),
        action=reverse("council:paper_create"),
    )


@login_required
def paper_update(request: HttpRequest, pk: int) -> HttpResponse:
    paper = _load(request, pk)
    require(perms.can_edit_paper(request.user, paper))
    if request.method == "POST":
        return _save(request, paper)
    form = forms.PaperForm(
        municipalities=_municipalities(request),
        paper_types=_paper_types(request),
        fixed_municipality=paper.municipality,
        initial={
            "municipality": paper.municipality,
            "reference": paper.reference,
            "title": paper.title,
            "paper_type": paper.paper_type,
            "status": paper.status,
            "lead_department": paper.lead_department,
            "author": paper.author,
            "date": paper.date,
            "beschlussvorschlag": paper.beschlussvorschlag,
            "sachverhalt": paper.sachverhalt,
            "web_url": paper.web_url,
        },
    )
    formset = forms.ConsultationFormSet(prefix="steps", initial=forms.consultation_initial(paper))
    return _form_page(
        request,
        form=form,
        formset=formset,
        paper=paper,
        title=_("Change the paper"),
        action=reverse("council:paper_update", args=[paper.pk]),
    )


@login_required
@require_POST
def paper_delete(request: HttpRequest, pk: int) -> HttpResponse:
    paper = _load(request, pk)
    require(perms.can_edit_paper(request.user, paper))
    reference = paper.reference
    try:
        services.paper_delete(paper=paper, by=request.user)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return HttpResponseRedirect(_paper_url(paper))
    messages.success(request, _("The paper %(ref)s was deleted.") % {"ref": reference})
    return HttpResponseRedirect(reverse("council:paper_list"))


# --------------------------------------------------------------------------- paste


def _parsed_initial(parsed: Any, request: HttpRequest) -> tuple[dict[str, Any], list[str]]:
    """The create form's initial data from the parser's result, and the names
    of the fields it did not find."""
    initial: dict[str, Any] = {}
    missing: list[str] = []
    for name in ("reference", "title", "lead_department", "author", "date"):
        value = getattr(parsed, name, None)
        if value:
            initial[name] = value
        else:
            missing.append(name)
    status = forms.STATUS_WORDS.get((parsed.status or "").replace(" ", "").lower())
    if status:
        initial["status"] = status
    else:
        initial["status"] = Paper.Status.PUBLIC
        missing.append("status")
    if parsed.paper_type:
        found = _paper_types(request).filter(name__iexact=parsed.paper_type).first()
        if found is not None:
            initial["paper_type"] = found
        else:
            initial["new_paper_type"] = parsed.paper_type
    else:
        missing.append("paper_type")
    return initial, missing


def _parsed_steps(parsed: Any) -> list[dict[str, Any]]:
    steps = []
    for item in parsed.consultations or []:
        role = forms.ROLE_WORDS.get((item.role or "").strip().lower(), "")
        steps.append(
            {
                "committee": item.body or "",
                "date": item.date,
                "role": role,
                "result": item.result or "",
            }
        )
    return steps


@login_required
def paper_paste(request: HttpRequest) -> HttpResponse:
    """Paste the text of a paper's page: the parser (council.paste) fills in
    the create form, which the user checks and saves. Nothing is saved here."""
    require(perms.can_create_papers(request.user))
    paste_form = forms.PasteForm(request.POST or None)
    if request.method == "POST" and paste_form.is_valid():
        from .paste import parse_council_paper

        text = paste_form.cleaned_data["text"]
        parsed = parse_council_paper(text)
        initial, missing = _parsed_initial(parsed, request)
        initial.update({k: v for k, v in long_texts(text).items() if v})
        steps = _parsed_steps(parsed)
        if not steps:
            missing.append("consultations")
        form = forms.PaperForm(
            municipalities=_municipalities(request),
            paper_types=_paper_types(request),
            initial=initial,
            missing=missing,
        )
        formset = forms.ConsultationFormSet(prefix="steps", initial=steps)
        return _form_page(
            request,
            form=form,
            formset=formset,
            paper=None,
            title=_("Check the pasted paper"),
            action=reverse("council:paper_create"),
            missing=missing,
            notes=list(getattr(parsed, "warnings", []) or []),
        )
    return render(
        request,
        "council/paste.html",
        {
            "form": paste_form,
            "title": _("Paste a paper"),
            "cancel_url": reverse("council:paper_list"),
        },
    )


# --------------------------------------------------------------------------- attachments


@login_required
@require_POST
def attachment_add(request: HttpRequest, pk: int) -> HttpResponse:
    paper = _load(request, pk)
    require(perms.can_edit_paper(request.user, paper))
    form = forms.AttachmentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.attachment_add(
                paper=paper,
                file=form.cleaned_data["file"],
                name=form.cleaned_data["name"],
                by=request.user,
            )
            messages.success(request, _("The attachment was added."))
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
    else:
        for errors in form.errors.values():
            for item in errors:
                messages.error(request, str(item))
    return HttpResponseRedirect(_paper_url(paper) + "#attachments")


@login_required
def attachment_download(request: HttpRequest, pk: int) -> FileResponse:
    item: PaperAttachment = get_object_or_404(
        selectors.attachments_visible_to(user=request.user), pk=pk
    )
    if not item.file:
        raise Http404
    if not item.paper.is_public:
        audit_read(request, item, municipality_id=item.paper.municipality_id)
    ext = os.path.splitext(str(item.file.name))[1]
    name = item.name if item.name.lower().endswith(ext.lower()) else f"{item.name}{ext}"
    response = FileResponse(
        item.file.open("rb"), as_attachment=True, filename=name, content_type=item.content_type
    )
    return response


@login_required
@require_POST
def attachment_remove(request: HttpRequest, pk: int) -> HttpResponse:
    item: PaperAttachment = get_object_or_404(
        selectors.attachments_visible_to(user=request.user), pk=pk
    )
    paper = item.paper
    require(perms.can_edit_paper(request.user, paper))
    services.attachment_remove(attachment=item, by=request.user)
    messages.success(request, _("The attachment was removed."))
    return HttpResponseRedirect(_paper_url(paper) + "#attachments")


# --------------------------------------------------------------------------- links


@login_required
@require_POST
def link_add(request: HttpRequest, pk: int) -> HttpResponse:
    paper = _load(request, pk)
    require(perms.can_link_object(request.user, paper.municipality_id))
    form = _link_form(paper, request.POST)
    if form.is_valid():
        try:
            services.paper_link(paper=paper, by=request.user, **form.cleaned_data)
            messages.success(request, _("The link was saved."))
        except ValidationError as error:
            for text in error.messages:
                messages.error(request, text)
    else:
        for errors in form.errors.values():
            for item in errors:
                messages.error(request, str(item))
    return HttpResponseRedirect(_paper_url(paper) + "#links")


@login_required
@require_POST
def link_remove(request: HttpRequest, pk: int) -> HttpResponse:
    link: PaperLink = get_object_or_404(selectors.links_visible_to(user=request.user), pk=pk)
    require(perms.can_link_object(request.user, link.paper.municipality_id))
    paper = link.paper
    try:
        services.paper_unlink(link=link, by=request.user)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
        return HttpResponseRedirect(_paper_url(paper) + "#links")
    messages.success(request, _("The link was removed."))
    return HttpResponseRedirect(_paper_url(paper) + "#links")
