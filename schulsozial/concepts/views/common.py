"""What the concept pages share: URLs, the loaders of a version and a school
concept, the form and table bases, the text form with optimistic locking
and the file responses of the exports."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse

from schulsozial.core.audit import Action, audit
from schulsozial.core.listing import TableView, require
from schulsozial.core.views import ServiceFormView, apply_validation_error

from .. import export, selectors, services
from .. import permissions as perms
from ..models import (
    ConsultationComment,
    FrameworkSection,
    FrameworkVersion,
    Idea,
    LinkedConcept,
    SchoolConcept,
    SchoolConceptSection,
    Standard,
    StandardImplementation,
    YearlyGoal,
)


def url(name: str, *args: Any) -> str:
    return reverse(f"concepts:{name}", args=args)


def load_version(request: HttpRequest, pk: int) -> FrameworkVersion:
    require(perms.can_use_concepts(request.user))
    return get_object_or_404(selectors.framework_versions_visible_to(user=request.user), pk=pk)


def load_concept(request: HttpRequest, pk: int) -> SchoolConcept:
    require(perms.can_use_school_concepts(request.user))
    return selectors.school_concept_detail(user=request.user, pk=pk)


def show_errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def goals_url(school_id: int | None) -> str:
    """The goals of a school: on its concept's page, else the list of goals."""
    concept = selectors.concept_of_school(school_id=school_id)
    return url("school_concept_detail", concept.pk) + "#goals" if concept else url("goal_list")


def object_url(obj: Any) -> str:
    """Where a concept object is shown (for cancel links and redirects)."""
    if isinstance(obj, FrameworkVersion):
        return url("framework_detail", obj.pk)
    if isinstance(obj, FrameworkSection | Standard | ConsultationComment):
        return url("framework_detail", obj.version_id)
    if isinstance(obj, SchoolConcept):
        return url("school_concept_detail", obj.pk)
    if isinstance(obj, SchoolConceptSection | StandardImplementation):
        return url("school_concept_detail", obj.concept_id)
    if isinstance(obj, Idea):
        return url("idea_list")
    if isinstance(obj, LinkedConcept):
        return url("linked_list")
    return goals_url(obj.school_id if isinstance(obj, YearlyGoal) else getattr(obj, "pk", None))


class ConceptFormView(ServiceFormView):
    template_name = "concepts/form.html"

    def success_url(self, obj: Any) -> str:
        return object_url(obj)

    def cancel_url(self, obj: Any) -> str:
        return object_url(obj) if obj is not None else url("framework_list")


class ConceptTable(TableView):
    template_name = "concepts/table_list.html"


class LockedEditView(ConceptFormView):
    """A form over a text with optimistic locking: a conflicting save is
    refused (409) and shows both texts, keeping the editor's own."""

    template_name = "concepts/locked_form.html"

    def context(self, form: Any, obj: Model | None) -> dict[str, Any]:
        context = super().context(form, obj)
        context["guidance"] = self.get_guidance(obj)
        return context

    def get_guidance(self, obj: Any) -> Any:
        return None

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form_class(request.POST, request.FILES or None, **self.form_kwargs(self.obj))
        if form.is_valid():
            try:
                saved = self.save(form, self.obj)
            except services.EditConflictError as conflict:
                return self.conflict(request, conflict)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                messages.success(request, self.success_message)
                return HttpResponseRedirect(self.success_url(saved))
        return render(request, self.template_name, self.context(form, self.obj))

    def conflict(self, request: HttpRequest, conflict: services.EditConflictError) -> HttpResponse:
        """The form again on top of the current version, with both texts side by side."""
        data = request.POST.copy()
        data["lock_version"] = str(conflict.current_version)
        form = self.form_class(data, **self.form_kwargs(self.obj))
        form.is_valid()
        context = self.context(form, self.obj)
        context["conflict"] = {
            "message": conflict.messages[0],
            "rows": [
                (key, conflict.mine.get(key), conflict.theirs.get(key))
                for key in conflict.mine
                if conflict.mine.get(key) != conflict.theirs.get(key)
            ],
        }
        return render(request, self.template_name, context, status=409)


def render_document(document: export.Document, fmt: str) -> bytes:
    if fmt == "pdf":
        return export.render_pdf(document)
    if fmt == "docx":
        return export.render_docx(document)
    raise Http404


def file_response(
    request: HttpRequest, document: export.Document, name: str, fmt: str, obj: Any
) -> HttpResponse:
    """The document as a PDF or Word download (audited as an export)."""
    return download(request, render_document(document, fmt), name, fmt, obj)


def download(
    request: HttpRequest,
    body: bytes,
    name: str,
    fmt: str,
    obj: Any,
    changes: dict[str, Any] | None = None,
) -> HttpResponse:
    """A rendered PDF or Word file as a download, audited as an export of `obj`."""
    audit(
        actor=request.user,
        action=Action.EXPORT,
        obj=obj,
        changes={"format": fmt, **(changes or {})},
    )
    content_type = (
        "application/pdf"
        if fmt == "pdf"
        else "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response = HttpResponse(body, content_type=content_type)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)[:80]
    response["Content-Disposition"] = f'attachment; filename="{safe}.{fmt}"'
    return response
