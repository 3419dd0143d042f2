"""Pages for drafting council papers: the list of drafts, a new draft from a
template kind, the edit form (Beratungsfolge as a formset), the exports (DOCX,
PDF with the annexes appended, DOCX through the municipality's own template),
the annex files, the submission (the draft becomes a council paper), and the
municipality's own DOCX templates. Coordination only (permissions.py)."""

from __future__ import annotations

from typing import Any, cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from schulsozial.core.audit import Action, audit
from schulsozial.core.exports import ExportInfo
from schulsozial.core.listing import Column, TableView, require
from schulsozial.masterdata.selectors import coordinated_municipalities

from . import drafting, forms_drafts, selectors_drafts, services_drafts
from . import permissions as perms
from .models import Committee, PaperDraft

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def _url(name: str, *args: Any) -> str:
    return reverse(f"council:{name}", args=args)


def _errors(exc: ValidationError) -> list[str]:
    return [str(m) for m in exc.messages]


def _file(body: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _short(text: str, limit: int = 90) -> str:
    """The text cut at a word boundary (a cut inside "2026/27" left "20")."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0] or text[:limit]


def _filename(draft: PaperDraft, title: str, fmt: str) -> str:
    """German file name via core.exports: "ratsvorlage-entwurf-<betreff>-stand-<day>.pdf"."""
    return ExportInfo(title=title, name=f"{title} {_short(draft.title)}").filename(fmt)


def _load(request: HttpRequest, pk: int) -> PaperDraft:
    require(perms.can_use_drafts(request.user))
    return selectors_drafts.draft_of(user=request.user, pk=pk)


# --------------------------------------------------------------------------- list, start


class DraftList(TableView):
    title = _("Council paper drafts")
    export_name = "council_drafts"
    columns = [
        Column("title", _("subject"), sort="title", link=lambda o: _url("draft_detail", o.pk)),
        Column("municipality", _("municipality"), value=lambda o: o.municipality.name),
        Column("kind", _("template"), value=lambda o: o.get_template_kind_display()),
        Column("paper_type", _("paper type"), value=lambda o: o.paper_type or "–"),
        Column("status", _("status"), value=lambda o: o.get_status_display(), sort="status"),
        Column(
            "reference",
            _("paper number"),
            value=lambda o: o.paper.reference if o.paper_id else "–",
        ),
        Column(
            "updated_at",
            _("last change"),
            value=lambda o: timezone.localdate(o.updated_at),
            sort="updated_at",
        ),
    ]
    search_fields = ["title", "sachverhalt"]
    default_sort = "-updated_at"
    create_url_name = "council:draft_start"

    def check_access(self) -> None:
        require(perms.can_use_drafts(self.request.user))

    def get_queryset(self) -> QuerySet[Any]:
        return selectors_drafts.drafts_visible_to(user=self.request.user)

    def can_create(self) -> bool:
        return perms.can_use_drafts(self.request.user)

    def extra_context(self) -> dict[str, Any]:
        return {"extra_actions": [(_gettext("Own Word templates"), _url("template_list"))]}


def _start_form(request: HttpRequest, data: Any = None) -> forms_drafts.DraftStartForm:
    user = request.user
    initial: dict[str, Any] = {}
    for key in ("framework_version", "scenario"):
        if (value := request.GET.get(key, "")).isascii() and value.isdigit():
            initial[key] = int(value)
            initial["kind"] = "framework" if key == "framework_version" else "distribution"
    return forms_drafts.DraftStartForm(
        data,
        initial=initial,
        versions=selectors_drafts.framework_sources(user=user),
        scenarios=selectors_drafts.scenario_sources(user=user),
        municipalities=coordinated_municipalities(user=user),
        templates=selectors_drafts.templates_visible_to(user=user),
    )


@login_required
def draft_start(request: HttpRequest) -> HttpResponse:
    """A new draft: the kind of paper and the record it starts from."""
    require(perms.can_use_drafts(request.user))
    form = _start_form(request, request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["kind"] == PaperDraft.TemplateKind.FRAMEWORK:
                draft = services_drafts.draft_start_framework(
                    version=data["framework_version"], by=request.user
                )
            elif data["kind"] == PaperDraft.TemplateKind.DISTRIBUTION:
                draft = services_drafts.draft_start_distribution(
                    scenario=data["scenario"], by=request.user
                )
            else:
                draft = services_drafts.draft_start_blank(
                    municipality=data["municipality"], template=data["template"], by=request.user
                )
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            if data["template"] is not None and draft.template_id is None:
                draft = services_drafts.draft_update(
                    draft=draft,
                    expected_version=draft.lock_version,
                    by=request.user,
                    template=data["template"],
                )
            messages.success(request, _gettext("The draft was created. Check and complete it."))
            return HttpResponseRedirect(_url("draft_edit", draft.pk))
    return render(
        request,
        "council/draft_start.html",
        {"title": _("New council paper draft"), "form": form, "cancel_url": _url("draft_list")},
    )


# --------------------------------------------------------------------------- detail, edit


def _paper_url(draft: PaperDraft) -> str:
    if not draft.paper_id:
        return ""
    try:
        return reverse("council:paper_detail", args=[draft.paper_id])
    except NoReverseMatch:
        return ""


@login_required
def draft_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The draft as it will read, with its exports and annex files."""
    draft = _load(request, pk)
    document = selectors_drafts.draft_document(draft=draft)
    annexes = selectors_drafts.draft_annexes(draft=draft, user=request.user)
    return render(
        request,
        "council/draft_detail.html",
        {
            "title": draft.title,
            "draft": draft,
            "document": document,
            "labels": drafting.labels(),
            "sachverhalt": drafting.grouped_blocks(document.sachverhalt),
            "beschlussvorschlag": drafting.grouped_blocks(document.beschlussvorschlag),
            "show_beschlussvorschlag": document.is_decision_paper
            or bool(document.beschlussvorschlag.strip()),
            "annex_files": [(i, a) for i, a in enumerate(annexes, start=1)],
            "templates": selectors_drafts.templates_visible_to(user=request.user).filter(
                municipality_id=draft.municipality_id
            ),
            "can_edit": perms.can_edit_draft(request.user, draft),
            "can_enter_reference": perms.can_enter_reference(request.user, draft),
            "paper_url": _paper_url(draft),
        },
    )


@login_required
def draft_edit(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _load(request, pk)
    require(perms.can_edit_draft(request.user, draft))
    post = request.POST if request.method == "POST" else None
    form = forms_drafts.DraftForm(post, instance=draft)
    steps = forms_drafts.StepFormSet(
        post, prefix="steps", initial=None if post else forms_drafts.step_initial(draft)
    )
    if post is not None and form.is_valid() and steps.is_valid():
        data = {k: form.cleaned_data[k] for k in forms_drafts.DraftForm.Meta.fields}
        try:
            services_drafts.draft_update(
                draft=draft,
                expected_version=form.cleaned_data["lock_version"],
                by=request.user,
                planned_consultations=cast(forms_drafts.BaseStepFormSet, steps).steps(),
                attachments=form.cleaned_data["attachments_text"],
                **data,
            )
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _gettext("The draft was saved."))
            return HttpResponseRedirect(_url("draft_detail", draft.pk))
    committees = Committee.objects.filter(municipality_id=draft.municipality_id)
    return render(
        request,
        "council/draft_edit.html",
        {
            "title": _("Edit draft"),
            "draft": draft,
            "form": form,
            "steps": steps,
            "committees": [c.name for c in committees],
            "cancel_url": _url("draft_detail", draft.pk),
        },
    )


@login_required
@require_POST
def draft_remove(request: HttpRequest, pk: int) -> HttpResponse:
    draft = _load(request, pk)
    require(perms.can_edit_draft(request.user, draft))
    services_drafts.draft_remove(draft=draft, by=request.user)
    messages.success(request, _gettext("The draft was removed."))
    return HttpResponseRedirect(_url("draft_list"))


@login_required
def draft_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Submitted to the council system: with its reference the draft becomes
    a council paper (or is joined to the imported paper of that reference)."""
    draft = _load(request, pk)
    require(
        perms.can_edit_draft(request.user, draft) or perms.can_enter_reference(request.user, draft)
    )
    form = forms_drafts.SubmitForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            draft = services_drafts.draft_submit(
                draft=draft,
                reference=form.cleaned_data["reference"],
                date=form.cleaned_data["date"],
                by=request.user,
            )
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error("reference", message)
        else:
            if draft.paper is not None:
                messages.success(
                    request,
                    _gettext("The draft is now the council paper %(ref)s.")
                    % {"ref": draft.paper.reference},
                )
            else:
                messages.success(
                    request,
                    _gettext(
                        "The draft is marked as submitted. Enter the paper number once the "
                        "council system has given it."
                    ),
                )
            return HttpResponseRedirect(_url("draft_detail", draft.pk))
    return render(
        request,
        "council/draft_submit.html",
        {
            "title": _("Submitted to the council system"),
            "draft": draft,
            "form": form,
            "cancel_url": _url("draft_detail", draft.pk),
        },
    )


# --------------------------------------------------------------------------- exports


@login_required
def draft_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """The draft as PDF (annexes appended) or DOCX (built-in layout, or the
    municipality's template: ?vorlage=<pk>, default the draft's own)."""
    draft = _load(request, pk)
    if fmt not in ("pdf", "docx"):
        raise Http404
    document = selectors_drafts.draft_document(draft=draft)
    title = _gettext("council paper draft")
    changes: dict[str, Any] = {"format": fmt}
    if fmt == "pdf":
        annexes = selectors_drafts.draft_annexes(draft=draft, user=request.user)
        files = [(a.title, a.render()) for a in annexes if a.render is not None]
        body = drafting.render_pdf(document, files)
        changes["annexes"] = [a.title for a in annexes]
        content_type = "application/pdf"
    else:
        template = draft.template
        chosen = request.GET.get("vorlage", "")
        if chosen == "0":
            template = None
        elif chosen.isascii() and chosen.isdigit():
            template = selectors_drafts.template_of(user=request.user, pk=int(chosen))
            if template.municipality_id != draft.municipality_id:
                raise Http404
        if template is not None:
            try:
                with template.file.open("rb") as handle:
                    body = drafting.render_template(handle.read(), document)
            except (drafting.UnusableTemplateError, OSError) as exc:
                messages.error(
                    request,
                    _gettext("The template “%(name)s” cannot be used: %(reason)s")
                    % {"name": template.name, "reason": str(exc) or "–"},
                )
                return HttpResponseRedirect(_url("draft_detail", draft.pk))
            changes["template"] = template.name
        else:
            body = drafting.render_docx(document)
        content_type = DOCX_TYPE
    audit(actor=request.user, action=Action.EXPORT, obj=draft, changes=changes)
    return _file(body, _filename(draft, title, fmt), content_type)


@login_required
def draft_annex(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """One annex file the platform makes for the draft (synopsis, framework
    concept, scenario PDF)."""
    draft = _load(request, pk)
    annexes = selectors_drafts.draft_annexes(draft=draft, user=request.user)
    if not 1 <= number <= len(annexes) or annexes[number - 1].render is None:
        raise Http404
    annex = annexes[number - 1]
    render_annex = annex.render
    assert render_annex is not None  # noqa: S101 (checked above; narrows for mypy)
    body = render_annex()
    audit(
        actor=request.user,
        action=Action.EXPORT,
        obj=draft,
        changes={"format": "pdf", "annex": annex.title},
    )
    return _file(body, annex.filename, annex.content_type)


# --------------------------------------------------------------------------- templates


@login_required
def template_list(request: HttpRequest) -> HttpResponse:
    require(perms.can_use_drafts(request.user))
    return render(
        request,
        "council/draft_templates.html",
        {
            "title": _("Own Word templates"),
            "templates": selectors_drafts.templates_visible_to(user=request.user).order_by(
                "municipality__name", "name"
            ),
            "placeholders": drafting.placeholder_rows(),
            "tags": drafting.PLACEHOLDER_TAGS,
        },
    )


@login_required
def template_upload(request: HttpRequest) -> HttpResponse:
    """Upload a DOCX template; it is checked before it is stored."""
    require(perms.can_use_drafts(request.user))
    municipalities = coordinated_municipalities(user=request.user)
    form = forms_drafts.TemplateUploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
        municipalities=municipalities,
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            services_drafts.template_upload(
                municipality=form.cleaned_data["municipality"],
                name=form.cleaned_data["name"],
                data=upload.read(),
                filename=upload.name,
                by=request.user,
            )
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error("file", message)
        else:
            messages.success(request, _gettext("The template was checked and saved."))
            return HttpResponseRedirect(_url("template_list"))
    return render(
        request,
        "council/draft_template_upload.html",
        {
            "title": _("Upload a Word template"),
            "form": form,
            "placeholders": drafting.placeholder_rows(),
            "tags": drafting.PLACEHOLDER_TAGS,
            "cancel_url": _url("template_list"),
        },
    )


@login_required
def template_download(request: HttpRequest, pk: int) -> HttpResponse:
    require(perms.can_use_drafts(request.user))
    template = selectors_drafts.template_of(user=request.user, pk=pk)
    try:
        with template.file.open("rb") as handle:
            body = handle.read()
    except OSError as exc:
        raise Http404 from exc
    audit(actor=request.user, action=Action.EXPORT, obj=template, changes={"format": "docx"})
    name = ExportInfo(title=template.name, name=f"{_gettext('template')} {template.name}")
    return _file(body, name.filename("docx"), DOCX_TYPE)


@login_required
def template_sample(request: HttpRequest) -> HttpResponse:
    """A DOCX with every placeholder, to start a municipality's own template from."""
    require(perms.can_use_drafts(request.user))
    name = ExportInfo(title=_gettext("sample template council paper"))
    return _file(drafting.sample_template(), name.filename("docx"), DOCX_TYPE)


@login_required
@require_POST
def template_remove(request: HttpRequest, pk: int) -> HttpResponse:
    require(perms.can_use_drafts(request.user))
    template = selectors_drafts.template_of(user=request.user, pk=pk)
    services_drafts.template_remove(template=template, by=request.user)
    messages.success(request, _gettext("The template was removed."))
    return HttpResponseRedirect(_url("template_list"))
