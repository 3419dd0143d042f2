"""The school concepts: list, creation, the detail page with its approval
steps, the texts, the review interval and the export."""

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

from schulsozial.core.audit import audit_read
from schulsozial.core.listing import Column, require
from schulsozial.masterdata.selectors import schools_visible_to

from .. import export, forms, selectors, services, workflow
from .. import permissions as perms
from .common import (
    ConceptFormView,
    ConceptTable,
    LockedEditView,
    file_response,
    load_concept,
    show_errors,
    url,
)


class SchoolConceptList(ConceptTable):
    title = _("School concepts")
    export_name = "school_concepts"
    template_name = "concepts/school_concept_list.html"
    columns = [
        Column("school_number", _("school number"), value=lambda o: o.school.school_number),
        Column(
            "school",
            _("school"),
            value=lambda o: o.school.name,
            sort="school__name",
            link=lambda o: url("school_concept_detail", o.pk),
        ),
        Column("status", _("status"), value=lambda o: o.get_status_display(), sort="status"),
        Column(
            "framework_version", _("framework version"), value=lambda o: o.framework_version.number
        ),
        Column("framework_changed", _("framework changed"), sort="framework_changed"),
        Column("review_due", _("review due"), sort="review_due"),
        Column(
            "updated_at",
            _("last change"),
            value=lambda o: timezone.localdate(o.updated_at),
            sort="updated_at",
        ),
    ]
    search_fields = ["school__name", "school__school_number"]
    default_sort = "school"

    def check_access(self) -> None:
        require(perms.can_use_school_concepts(self.request.user))

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.school_concepts_visible_to(user=self.request.user)

    def extra_context(self) -> dict[str, Any]:
        return {"creatable": selectors.schools_awaiting_concept(user=self.request.user)}


@login_required
@require_POST
def school_concept_create(request: HttpRequest, school_pk: int) -> HttpResponse:
    require(perms.can_use_school_concepts(request.user))
    school = get_object_or_404(schools_visible_to(user=request.user), pk=school_pk)
    require(perms.can_draft_school_concept(request.user, school))
    try:
        concept = services.school_concept_create(school=school, by=request.user)
    except ValidationError as error:
        show_errors(request, error)
        return HttpResponseRedirect(url("school_concept_list"))
    messages.success(
        request, _gettext("The school concept was created from the adopted framework.")
    )
    return HttpResponseRedirect(url("school_concept_detail", concept.pk))


@login_required
def school_concept_detail(request: HttpRequest, pk: int) -> HttpResponse:
    concept = load_concept(request, pk)
    audit_read(request, concept, sensitive=concept.status != concept.Status.ACKNOWLEDGED)
    user = request.user
    actions = selectors.available_steps(concept=concept, user=user)
    return render(
        request,
        "concepts/school_concept_detail.html",
        {
            "object": concept,
            "sections": concept.sections.all(),
            "entries": concept.implementations.all(),
            "steps": concept.steps.all(),
            "missing": selectors.completeness(concept=concept),
            "can_edit": perms.can_edit_school_concept(user, concept),
            "actions": actions,
            "can_rebase": any(action == "rebase" for action, _label in actions),
            "binding_changes": selectors.binding_changes(concept=concept),
            "valid_until": selectors.concept_transition_until(concept=concept),
            "goals": selectors.yearly_goals_visible_to(user=user).filter(school=concept.school),
            "can_manage_goals": perms.can_manage_yearly_goals(user, concept.school),
            "can_set_interval": perms.can_acknowledge_school_concept(user, concept),
            "transition_form": forms.TransitionForm(),
        },
    )


class SchoolSectionUpdate(LockedEditView):
    form_class: type[forms.LockedForm] = forms.SchoolTextForm
    title = _("Edit section of the school concept")

    def load(self) -> Model | None:
        concept = load_concept(self.request, self.kwargs["pk"])
        return get_object_or_404(
            concept.sections.select_related("concept__school"), pk=self.kwargs["section_pk"]
        )

    def allowed(self, obj: Any) -> bool:
        return perms.can_edit_school_concept(self.request.user, obj.concept)

    def get_guidance(self, obj: Any) -> Any:
        return obj.concept.framework_version.sections.filter(key=obj.key).first()

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {
            "required": obj.required,
            "initial": {"lock_version": obj.lock_version, "text": obj.text},
        }

    def context(self, form: Any, obj: Any) -> dict[str, Any]:
        context = super().context(form, obj)
        context["heading"] = obj.title
        return context

    def save(self, form: Any, obj: Any) -> Model:
        return services.school_section_update(
            section=obj,
            text=form.cleaned_data["text"],
            expected_version=form.cleaned_data["lock_version"],
            by=self.request.user,
        )

    def success_url(self, obj: Any) -> str:
        return url("school_concept_detail", obj.concept_id) + f"#section-{obj.key}"


class ImplementationUpdate(SchoolSectionUpdate):
    form_class = forms.ImplementationForm
    title = _("Implementation of a binding standard")

    def load(self) -> Model | None:
        concept = load_concept(self.request, self.kwargs["pk"])
        return get_object_or_404(
            concept.implementations.select_related("concept__school"), pk=self.kwargs["entry_pk"]
        )

    def get_guidance(self, obj: Any) -> Any:
        return obj.concept.framework_version.standards.filter(code=obj.standard_code).first()

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        standard = self.get_guidance(obj)
        return {
            "required": bool(standard and standard.binding),
            "initial": {
                "lock_version": obj.lock_version,
                "text": obj.text,
                "deviation": obj.deviation,
                "deviation_reason": obj.deviation_reason,
            },
        }

    def context(self, form: Any, obj: Any) -> dict[str, Any]:
        context = super().context(form, obj)
        context["heading"] = str(obj)
        return context

    def save(self, form: Any, obj: Any) -> Model:
        return services.implementation_update(
            entry=obj,
            text=form.cleaned_data["text"],
            deviation=form.cleaned_data["deviation"],
            deviation_reason=form.cleaned_data["deviation_reason"],
            expected_version=form.cleaned_data["lock_version"],
            by=self.request.user,
        )

    def success_url(self, obj: Any) -> str:
        return url("school_concept_detail", obj.concept_id) + f"#standard-{obj.standard_code}"


@login_required
@require_POST
def school_concept_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One approval step (submit, approve, request changes, acknowledge, …)."""
    concept = load_concept(request, pk)
    if action not in workflow.SCHOOL_TRANSITIONS:
        raise Http404
    form = forms.TransitionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        services.school_concept_transition(
            concept=concept, action=action, by=request.user, comment=comment
        )
    except ValidationError as error:
        show_errors(request, error)
    else:
        messages.success(request, str(workflow.STEP_DONE[action]))
    return HttpResponseRedirect(url("school_concept_detail", concept.pk))


class ReviewIntervalUpdate(ConceptFormView):
    form_class = forms.ReviewIntervalForm
    title = _("Review interval")

    def load(self) -> Model | None:
        return load_concept(self.request, self.kwargs["pk"])

    def allowed(self, obj: Any) -> bool:
        return perms.can_acknowledge_school_concept(self.request.user, obj)

    def save(self, form: Any, obj: Any) -> Model:
        return services.school_concept_set_review_interval(
            concept=obj, years=form.cleaned_data["review_interval_years"], by=self.request.user
        )


@login_required
def school_concept_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    concept = load_concept(request, pk)
    goals = selectors.yearly_goals_visible_to(user=request.user).filter(school=concept.school)
    document = export.school_concept_document(concept=concept, goals=goals)
    return file_response(
        request, document, f"schulkonzept_{concept.school.school_number}", fmt, concept
    )
