"""The framework concept's pages: versions, sections, standards, comparison
and export."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from schulsozial.core.listing import Column, require
from schulsozial.masterdata.selectors import coordinated_municipalities

from .. import export, forms, selectors, services, synopsis
from .. import permissions as perms
from .common import (
    ConceptFormView,
    ConceptTable,
    LockedEditView,
    download,
    file_response,
    load_version,
    show_errors,
    url,
)


class FrameworkList(ConceptTable):
    title = _("Framework concept")
    export_name = "framework_versions"
    columns = [
        Column("municipality", _("municipality"), value=lambda o: o.municipality.name),
        Column("number", _("version"), sort="number", numeric=True),
        Column("title", _("title"), sort="title", link=lambda o: url("framework_detail", o.pk)),
        Column("status", _("status"), value=lambda o: o.get_status_display(), sort="status"),
        Column("decision_body", _("deciding body")),
        Column("decision_date", _("date of decision")),
        Column("paper_number", _("council paper number")),
        Column("review_due", _("review due"), sort="review_due"),
    ]
    search_fields = ["title", "council_links__paper__reference"]
    default_sort = "-number"
    create_url_name = "concepts:framework_create"

    def check_access(self) -> None:
        require(perms.can_use_concepts(self.request.user))

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.framework_versions_visible_to(user=self.request.user)

    def can_create(self) -> bool:
        return perms.can_start_framework(self.request.user)


class FrameworkCreate(ConceptFormView):
    """The first version, or a new draft copied from the adopted version."""

    form_class = forms.FrameworkCreateForm
    title = _("New framework concept version")

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_start_framework(self.request.user)

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        return {"municipalities": coordinated_municipalities(user=self.request.user)}

    def save(self, form: Any, obj: Model | None) -> Model:
        return services.framework_start(
            municipality=form.cleaned_data["municipality"],
            title=form.cleaned_data["title"],
            by=self.request.user,
        )


@login_required
def framework_detail(request: HttpRequest, pk: int) -> HttpResponse:
    # The council app builds on the scenarios and concepts (its models link to
    # them), so these pages reach the council's papers at call time, never at import.
    from schulsozial.council.permissions import can_draft_framework_paper
    from schulsozial.council.selectors import papers_concerning_framework

    version = load_version(request, pk)
    user = request.user
    return render(
        request,
        "concepts/framework_detail.html",
        {
            "object": version,
            "can_edit": perms.can_edit_framework_version(user, version),
            "can_manage": perms.can_manage_framework(user, version.municipality_id),
            "can_comment": perms.can_comment_on_framework(user, version),
            "council_papers": papers_concerning_framework(user=user, version=version),
            "can_draft_paper": can_draft_framework_paper(user, version),
            **selectors.framework_page(user=user, version=version),
        },
    )


@login_required
@require_POST
def framework_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    version = load_version(request, pk)
    require(perms.can_manage_framework(request.user, version.municipality_id))
    try:
        new = services.framework_new_version(previous=version, by=request.user)
    except ValidationError as error:
        show_errors(request, error)
        return HttpResponseRedirect(url("framework_detail", version.pk))
    messages.success(
        request,
        _gettext("Version %(n)s was started as a draft, a copy of version %(m)s.")
        % {"n": new.number, "m": version.number},
    )
    return HttpResponseRedirect(url("framework_detail", new.pk))


# --------------------------------------------------------------------------- sections


class SectionUpdate(LockedEditView):
    form_class = forms.FrameworkSectionForm
    title = _("Edit section")

    def load(self) -> Model | None:
        version = load_version(self.request, self.kwargs["pk"])
        return get_object_or_404(version.sections, pk=self.kwargs["section_pk"])

    def allowed(self, obj: Any) -> bool:
        return perms.can_edit_framework_version(self.request.user, obj.version)

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {
            "linked": selectors.linked_concepts_visible_to(user=self.request.user).filter(
                municipality_id=obj.version.municipality_id
            ),
            "initial": {
                "lock_version": obj.lock_version,
                "title": obj.title,
                "text": obj.text,
                "required_for_school": obj.required_for_school,
                "linked_concepts": list(obj.linked_concepts.all()),
            },
        }

    def save(self, form: Any, obj: Any) -> Model:
        data = dict(form.cleaned_data)
        return services.framework_section_update(
            section=obj,
            expected_version=data.pop("lock_version"),
            linked_concepts=data.pop("linked_concepts"),
            by=self.request.user,
            **data,
        )

    def success_url(self, obj: Any) -> str:
        return url("framework_detail", obj.version_id) + f"#section-{obj.key}"


class SectionAdd(ConceptFormView):
    form_class = forms.SectionAddForm
    title = _("Add a section")

    def load(self) -> Model | None:
        return load_version(self.request, self.kwargs["pk"])

    def allowed(self, obj: Any) -> bool:
        return perms.can_edit_framework_version(self.request.user, obj)

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {}

    def save(self, form: Any, obj: Any) -> Model:
        return services.framework_section_add(
            version=obj, by=self.request.user, **form.cleaned_data
        )


@login_required
@require_POST
def section_remove(request: HttpRequest, pk: int, section_pk: int) -> HttpResponse:
    version = load_version(request, pk)
    require(perms.can_edit_framework_version(request.user, version))
    section = get_object_or_404(version.sections, pk=section_pk)
    services.framework_section_remove(section=section, by=request.user)
    messages.success(request, _gettext("The section was removed."))
    return HttpResponseRedirect(url("framework_detail", version.pk))


# --------------------------------------------------------------------------- standards


class StandardCreate(ConceptFormView):
    form_class = forms.StandardForm
    title = _("New standard")

    def load(self) -> Model | None:
        return load_version(self.request, self.kwargs["pk"])

    def allowed(self, obj: Any) -> bool:
        return perms.can_edit_framework_version(self.request.user, obj)

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {}

    def save(self, form: Any, obj: Any) -> Model:
        data = dict(form.cleaned_data)
        data.pop("lock_version", None)
        return services.standard_add(version=obj, by=self.request.user, **data)

    def success_url(self, obj: Any) -> str:
        return url("framework_detail", obj.version_id) + "#standards"


class StandardUpdate(LockedEditView):
    form_class = forms.StandardForm
    title = _("Edit standard")

    def load(self) -> Model | None:
        version = load_version(self.request, self.kwargs["pk"])
        return get_object_or_404(version.standards, pk=self.kwargs["standard_pk"])

    def allowed(self, obj: Any) -> bool:
        return perms.can_edit_framework_version(self.request.user, obj.version)

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {**super().form_kwargs(obj), "initial": {"lock_version": obj.lock_version}}

    def save(self, form: Any, obj: Any) -> Model:
        data = {k: form.cleaned_data[k] for k in forms.StandardForm.Meta.fields}
        return services.standard_update(
            standard=obj,
            expected_version=form.cleaned_data["lock_version"] or obj.lock_version,
            by=self.request.user,
            **data,
        )

    def success_url(self, obj: Any) -> str:
        return url("framework_detail", obj.version_id) + "#standards"


@login_required
@require_POST
def standard_remove(request: HttpRequest, pk: int, standard_pk: int) -> HttpResponse:
    version = load_version(request, pk)
    require(perms.can_edit_framework_version(request.user, version))
    standard = get_object_or_404(version.standards, pk=standard_pk)
    services.standard_remove(standard=standard, by=request.user)
    messages.success(request, _gettext("The standard was removed."))
    return HttpResponseRedirect(url("framework_detail", version.pk) + "#standards")


# --------------------------------------------------------------------------- compare, export


@login_required
def framework_compare(request: HttpRequest) -> HttpResponse:
    """Any two versions the user may see, section by section and standard by standard."""
    require(perms.can_use_concepts(request.user))
    versions = selectors.framework_versions_visible_to(user=request.user)
    old = selectors.visible_version(user=request.user, pk=request.GET.get("a"))
    new = selectors.visible_version(user=request.user, pk=request.GET.get("b"))
    return render(
        request,
        "concepts/compare.html",
        {
            "title": _("Compare versions"),
            "versions": versions.order_by("municipality__name", "-number"),
            "old": old,
            "new": new,
            "rows": selectors.compare_versions(old=old, new=new) if old and new else {},
        },
    )


@login_required
def framework_synopsis(request: HttpRequest, fmt: str) -> HttpResponse:
    """The side-by-side synopsis of two versions the user may see, as PDF or DOCX."""
    require(perms.can_use_concepts(request.user))
    old = selectors.visible_version(user=request.user, pk=request.GET.get("a"))
    new = selectors.visible_version(user=request.user, pk=request.GET.get("b"))
    if old is None or new is None or old.municipality_id != new.municipality_id:
        raise Http404
    if fmt not in ("pdf", "docx"):
        raise Http404
    document = synopsis.synopsis(
        old=old, new=new, pairs=selectors.synopsis_pairs(old=old, new=new), day=timezone.localdate()
    )
    body = synopsis.render_pdf(document) if fmt == "pdf" else synopsis.render_docx(document)
    return download(
        request,
        body,
        f"synopse_rahmenkonzept_{new.municipality.name}_v{old.number}_v{new.number}",
        fmt,
        new,
        changes={"synopsis": [old.pk, new.pk]},
    )


@login_required
def framework_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    version = load_version(request, pk)
    document = export.framework_document(
        version=version,
        sections=selectors.sections_of(version=version),
        standards=list(selectors.standards_of(version=version)),
    )
    return file_response(
        request,
        document,
        f"rahmenkonzept_{version.municipality.name}_v{version.number}",
        fmt,
        version,
    )
