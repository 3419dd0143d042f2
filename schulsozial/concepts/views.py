"""Concept pages. Views load through selectors (404 outside the scope), check a
permission function (403) and call one service."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from schulsozial.accounts import permissions as perms
from schulsozial.accounts.models import Role, User
from schulsozial.core.audit import Action, audit, audit_read
from schulsozial.core.listing import Column, TableView, require
from schulsozial.core.views import ServiceFormView
from schulsozial.masterdata.models import Municipality, School
from schulsozial.masterdata.selectors import schools_visible_to

from . import export, forms, selectors, services
from .models import FrameworkVersion, SchoolConcept

FV = FrameworkVersion.Status


def _url(name: str, *args: Any) -> str:
    return reverse(f"concepts:{name}", args=args)


def _coordinated(user: Any) -> QuerySet[Municipality]:
    return Municipality.objects.filter(pk__in=perms.municipality_ids(user, Role.COORDINATION))


def _version(request: HttpRequest, pk: int) -> FrameworkVersion:
    require(perms.can_use_concepts(request.user))
    return get_object_or_404(selectors.framework_versions_visible_to(user=request.user), pk=pk)


def _concept(request: HttpRequest, pk: int) -> SchoolConcept:
    require(perms.can_use_school_concepts(request.user))
    return selectors.school_concept_detail(user=request.user, pk=pk)


def _errors(request: HttpRequest, error: ValidationError) -> None:
    for message in error.messages:
        messages.error(request, message)


def object_url(obj: Any) -> str:
    """Where a concept object is shown (for cancel links and redirects)."""
    from .models import (
        ConsultationComment,
        FrameworkSection,
        Idea,
        LinkedConcept,
        SchoolConceptSection,
        Standard,
        StandardImplementation,
        YearlyGoal,
    )

    if isinstance(obj, FrameworkVersion):
        return _url("framework_detail", obj.pk)
    if isinstance(obj, FrameworkSection | Standard | ConsultationComment):
        return _url("framework_detail", obj.version_id)
    if isinstance(obj, SchoolConcept):
        return _url("school_concept_detail", obj.pk)
    if isinstance(obj, SchoolConceptSection | StandardImplementation):
        return _url("school_concept_detail", obj.concept_id)
    if isinstance(obj, Idea):
        return _url("idea_list")
    if isinstance(obj, LinkedConcept):
        return _url("linked_list")
    school_id = obj.school_id if isinstance(obj, YearlyGoal) else getattr(obj, "pk", None)
    concept = SchoolConcept.objects.filter(school_id=school_id).first()
    return _url("school_concept_detail", concept.pk) + "#goals" if concept else _url("goal_list")


class ConceptFormView(ServiceFormView):
    template_name = "concepts/form.html"

    def success_url(self, obj: Any) -> str:
        return object_url(obj)

    def cancel_url(self, obj: Any) -> str:
        return object_url(obj) if obj is not None else _url("framework_list")


class ConceptTable(TableView):
    template_name = "concepts/table_list.html"


# =========================================================================== overview


def _state_label(o: Any) -> str:
    return str(selectors.OVERVIEW_LABELS.get(o.concept_state, o.concept_state))


def _concept_link(o: Any) -> str:
    concept = getattr(o, "concept", None) if o.concept_state != "none" else None
    return _url("school_concept_detail", concept.pk) if concept else ""


class Overview(ConceptTable):
    """Coordination's concept landscape: the framework, the consultation and
    the concept status of every school."""

    title = _("Concept landscape")
    export_name = "concept_overview"
    template_name = "concepts/overview.html"
    columns = [
        Column("school_number", _("school number"), sort="school_number"),
        Column("name", _("school"), sort="name", link=_concept_link),
        Column("school_type", _("school type"), value=lambda o: o.get_school_type_display()),
        Column("concept_state", _("concept status"), value=_state_label, sort="concept_state"),
        Column(
            "version",
            _("framework version"),
            value=lambda o: (
                o.concept.framework_version.number if o.concept_state != "none" else None
            ),
        ),
        Column(
            "review_due",
            _("review due"),
            value=lambda o: o.concept.review_due if o.concept_state != "none" else None,
            sort="concept__review_due",
        ),
    ]
    search_fields = ["name", "school_number"]
    default_sort = "name"

    def check_access(self) -> None:
        require(perms.can_view_concept_overview(self.request.user))

    def get_queryset(self) -> QuerySet[Any]:
        queryset = selectors.overview_schools(user=self.request.user)
        state = self.request.GET.get("state")
        if state in selectors.OVERVIEW_LABELS:
            queryset = queryset.filter(concept_state=state)
        return queryset

    def extra_context(self) -> dict[str, Any]:
        return {
            "figures": selectors.overview_figures(user=self.request.user),
            "states": selectors.OVERVIEW_STATES,
            "state": self.request.GET.get("state", ""),
        }


class ReviewList(ConceptTable):
    title = _("School concepts due for review")
    export_name = "concept_reviews"
    columns = [
        Column(
            "school",
            _("school"),
            value=lambda o: o.school.name,
            sort="school__name",
            link=lambda o: _url("school_concept_detail", o.pk),
        ),
        Column("review_due", _("review due"), sort="review_due"),
        Column("overdue", _("overdue")),
        Column("acknowledged_at", _("acknowledged"), value=lambda o: o.acknowledged_at.date()),
    ]
    default_sort = "review_due"

    def check_access(self) -> None:
        require(perms.can_view_concept_overview(self.request.user))

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.reviews_due(user=self.request.user)


# =========================================================================== framework


class FrameworkList(ConceptTable):
    title = _("Framework concept")
    export_name = "framework_versions"
    columns = [
        Column("municipality", _("municipality"), value=lambda o: o.municipality.name),
        Column("number", _("version"), sort="number", numeric=True),
        Column("title", _("title"), sort="title", link=lambda o: _url("framework_detail", o.pk)),
        Column("status", _("status"), value=lambda o: o.get_status_display(), sort="status"),
        Column("decision_body", _("deciding body")),
        Column("decision_date", _("date of decision"), sort="decision_date"),
        Column("paper_number", _("council paper number")),
        Column("review_due", _("review due"), sort="review_due"),
    ]
    search_fields = ["title", "paper_number"]
    default_sort = "-number"
    create_url_name = "concepts:framework_create"

    def check_access(self) -> None:
        require(perms.can_use_concepts(self.request.user))

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.framework_versions_visible_to(user=self.request.user)

    def can_create(self) -> bool:
        return perms.has_role(self.request.user, Role.COORDINATION)


class FrameworkCreate(ConceptFormView):
    """The first version, or a new draft copied from the adopted version."""

    form_class = forms.FrameworkCreateForm
    title = _("New framework concept version")

    def allowed(self, obj: Model | None) -> bool:
        return perms.has_role(self.request.user, Role.COORDINATION)

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        return {"municipalities": _coordinated(self.request.user)}

    def save(self, form: Any, obj: Model | None) -> Model:
        municipality = form.cleaned_data["municipality"]
        adopted = selectors.adopted_version(municipality_id=municipality.pk)
        if adopted is not None:
            return services.framework_new_version(
                previous=adopted, title=form.cleaned_data["title"], by=self.request.user
            )
        return services.framework_create(
            municipality=municipality, title=form.cleaned_data["title"], by=self.request.user
        )

    def success_url(self, obj: Model) -> str:
        return _url("framework_detail", obj.pk)


@login_required
def framework_detail(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    user = request.user
    comments = selectors.comments_visible_to(user=user).filter(version=version)
    by_section: dict[int, list[Any]] = {}
    by_standard: dict[int, list[Any]] = {}
    for comment in comments:
        if comment.section_id:
            by_section.setdefault(comment.section_id, []).append(comment)
        else:
            by_standard.setdefault(comment.standard_id, []).append(comment)
    sections = list(selectors.sections_of(version=version))
    standards = list(selectors.standards_of(version=version))
    for s in sections:
        s.visible_comments = by_section.get(s.pk, [])
    for s in standards:
        s.visible_comments = by_standard.get(s.pk, [])
    manage = perms.can_manage_framework(user, version.municipality_id)
    return render(
        request,
        "concepts/framework_detail.html",
        {
            "object": version,
            "sections": sections,
            "standards": standards,
            "can_edit": perms.can_edit_framework_version(user, version),
            "can_manage": manage,
            "can_comment": perms.can_comment_on_framework(user, version),
            "consultation": selectors.consultation_status(version=version)
            if manage and version.status != FV.DRAFT
            else None,
            "has_open_version": FrameworkVersion.objects.filter(
                municipality_id=version.municipality_id, status__in=FrameworkVersion.EDITABLE
            ).exists(),
            "published": selectors.framework_versions_visible_to(user=user)
            .filter(municipality_id=version.municipality_id)
            .exclude(pk=version.pk),
        },
    )


class LockedEditView(ConceptFormView):
    """A form over a text with optimistic locking: a conflicting save is
    refused (409) and shows both texts, keeping the editor's own."""

    template_name = "concepts/locked_form.html"
    guidance: Any = None

    def context(self, form: Any, obj: Model | None) -> dict[str, Any]:
        context = super().context(form, obj)
        context["guidance"] = self.get_guidance(obj)
        return context

    def get_guidance(self, obj: Model | None) -> Any:
        return None

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.form_class(request.POST, request.FILES or None, **self.form_kwargs(self.obj))
        if form.is_valid():
            try:
                saved = self.save(form, self.obj)
            except services.EditConflictError as conflict:
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
            except ValidationError as error:
                from schulsozial.core.views import apply_validation_error

                apply_validation_error(form, error)
            else:
                messages.success(request, self.success_message)
                return HttpResponseRedirect(self.success_url(saved))
        return render(request, self.template_name, self.context(form, self.obj))


class SectionUpdate(LockedEditView):
    form_class = forms.FrameworkSectionForm
    title = _("Edit section")

    def load(self) -> Model | None:
        version = _version(self.request, self.kwargs["pk"])
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
        return _url("framework_detail", obj.version_id) + f"#section-{obj.key}"


class SectionAdd(ConceptFormView):
    form_class = forms.SectionAddForm
    title = _("Add a section")

    def load(self) -> Model | None:
        return _version(self.request, self.kwargs["pk"])

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
    version = _version(request, pk)
    require(perms.can_edit_framework_version(request.user, version))
    section = get_object_or_404(version.sections, pk=section_pk)
    services.framework_section_remove(section=section, by=request.user)
    messages.success(request, _gettext("The section was removed."))
    return HttpResponseRedirect(_url("framework_detail", version.pk))


class StandardCreate(ConceptFormView):
    form_class = forms.StandardForm
    title = _("New standard")

    def load(self) -> Model | None:
        return _version(self.request, self.kwargs["pk"])

    def allowed(self, obj: Any) -> bool:
        return perms.can_edit_framework_version(self.request.user, obj)

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {}

    def save(self, form: Any, obj: Any) -> Model:
        data = dict(form.cleaned_data)
        data.pop("lock_version", None)
        return services.standard_add(version=obj, by=self.request.user, **data)

    def success_url(self, obj: Any) -> str:
        return _url("framework_detail", obj.version_id) + "#standards"


class StandardUpdate(LockedEditView):
    form_class = forms.StandardForm
    title = _("Edit standard")

    def load(self) -> Model | None:
        version = _version(self.request, self.kwargs["pk"])
        return get_object_or_404(version.standards, pk=self.kwargs["standard_pk"])

    def allowed(self, obj: Any) -> bool:
        return perms.can_edit_framework_version(self.request.user, obj.version)

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        import copy

        return {"instance": copy.copy(obj), "initial": {"lock_version": obj.lock_version}}

    def save(self, form: Any, obj: Any) -> Model:
        data = {k: form.cleaned_data[k] for k in forms.StandardForm.Meta.fields}
        return services.standard_update(
            standard=obj,
            expected_version=form.cleaned_data["lock_version"] or obj.lock_version,
            by=self.request.user,
            **data,
        )

    def success_url(self, obj: Any) -> str:
        return _url("framework_detail", obj.version_id) + "#standards"


@login_required
@require_POST
def standard_remove(request: HttpRequest, pk: int, standard_pk: int) -> HttpResponse:
    version = _version(request, pk)
    require(perms.can_edit_framework_version(request.user, version))
    standard = get_object_or_404(version.standards, pk=standard_pk)
    services.standard_remove(standard=standard, by=request.user)
    messages.success(request, _gettext("The standard was removed."))
    return HttpResponseRedirect(_url("framework_detail", version.pk) + "#standards")


def _invitable_users(version: FrameworkVersion) -> QuerySet[User]:
    return User.objects.filter(
        is_active=True,
        role_assignments__municipality_id=version.municipality_id,
        role_assignments__role__in=list(perms.CONSULTATION_ROLES),
    ).distinct()


class ConsultationOpen(ConceptFormView):
    form_class = forms.ConsultationForm
    title = _("Open the consultation")

    def load(self) -> Model | None:
        return _version(self.request, self.kwargs["pk"])

    def allowed(self, obj: Any) -> bool:
        return perms.can_manage_framework(self.request.user, obj.municipality_id)

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {"users": _invitable_users(obj)}

    def save(self, form: Any, obj: Any) -> Model:
        return services.framework_open_consultation(
            version=obj, by=self.request.user, **form.cleaned_data
        )

    def success_url(self, obj: Any) -> str:
        return _url("framework_detail", obj.pk)


class FrameworkAdopt(ConceptFormView):
    form_class = forms.AdoptForm
    title = _("Record the adoption")

    def load(self) -> Model | None:
        return _version(self.request, self.kwargs["pk"])

    def allowed(self, obj: Any) -> bool:
        return perms.can_manage_framework(self.request.user, obj.municipality_id)

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {}

    def save(self, form: Any, obj: Any) -> Model:
        return services.framework_adopt(version=obj, by=self.request.user, **form.cleaned_data)

    def success_url(self, obj: Any) -> str:
        return _url("framework_detail", obj.pk)


@login_required
@require_POST
def consultation_close(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    require(perms.can_manage_framework(request.user, version.municipality_id))
    try:
        services.framework_close_consultation(version=version, by=request.user)
        messages.success(
            request, _gettext("The consultation was closed; the version is a draft again.")
        )
    except ValidationError as error:
        _errors(request, error)
    return HttpResponseRedirect(_url("framework_detail", version.pk))


@login_required
@require_POST
def framework_new_version(request: HttpRequest, pk: int) -> HttpResponse:
    version = _version(request, pk)
    require(perms.can_manage_framework(request.user, version.municipality_id))
    try:
        new = services.framework_new_version(previous=version, by=request.user)
    except ValidationError as error:
        _errors(request, error)
        return HttpResponseRedirect(_url("framework_detail", version.pk))
    messages.success(request, _gettext("A new draft version was started as a copy."))
    return HttpResponseRedirect(_url("framework_detail", new.pk))


class CommentCreate(ConceptFormView):
    form_class = forms.CommentForm
    title = _("Comment on the draft")
    success_message = _("Thank you. Your comment was saved; coordination will answer it.")

    def load(self) -> Model | None:
        return _version(self.request, self.kwargs["pk"])

    def allowed(self, obj: Any) -> bool:
        return perms.can_comment_on_framework(self.request.user, obj)

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {"version": obj, "initial": {"target": self.request.GET.get("target", "")}}

    def save(self, form: Any, obj: Any) -> Model:
        kind, _sep, target_pk = form.cleaned_data["target"].partition("-")
        target = {
            "section": get_object_or_404(obj.sections, pk=target_pk) if kind == "section" else None,
            "standard": get_object_or_404(obj.standards, pk=target_pk)
            if kind == "standard"
            else None,
        }
        return services.comment_create(
            version=obj, text=form.cleaned_data["text"], by=self.request.user, **target
        )


class CommentList(ConceptTable):
    title = _("Consultation comments")
    export_name = "consultation_comments"
    columns = [
        Column("version", _("version"), value=lambda o: str(o.version)),
        Column("target", _("on"), value=lambda o: o.target_label),
        Column("author", _("author"), value=lambda o: str(o.author or "–")),
        Column(
            "created_at", _("created at"), value=lambda o: o.created_at.date(), sort="created_at"
        ),
        Column("text", _("comment")),
        Column(
            "answer",
            _("answer"),
            value=lambda o: o.get_answer_display(),
            sort="answer",
            link=lambda o: _url("comment_answer", o.pk),
            link_allowed=perms.can_answer_comment,
        ),
        Column("answer_reason", _("reason")),
    ]
    search_fields = ["text", "answer_reason"]
    default_sort = "created_at"

    def check_access(self) -> None:
        require(perms.can_use_concepts(self.request.user))

    def get_queryset(self) -> QuerySet[Any]:
        queryset = selectors.comments_visible_to(user=self.request.user)
        if self.request.GET.get("open"):
            queryset = queryset.filter(answer="open")
        return queryset


class CommentAnswer(ConceptFormView):
    form_class = forms.AnswerForm
    title = _("Answer the comment")

    def load(self) -> Model | None:
        require(perms.can_use_concepts(self.request.user))
        return get_object_or_404(
            selectors.comments_visible_to(user=self.request.user), pk=self.kwargs["pk"]
        )

    def allowed(self, obj: Any) -> bool:
        return perms.can_answer_comment(self.request.user, obj)

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        if obj.answer == "open":
            return {}
        return {"initial": {"answer": obj.answer, "reason": obj.answer_reason}}

    def context(self, form: Any, obj: Any) -> dict[str, Any]:
        context = super().context(form, obj)
        context["quote"] = obj
        return context

    def save(self, form: Any, obj: Any) -> Model:
        return services.comment_answer(comment=obj, by=self.request.user, **form.cleaned_data)


@login_required
def framework_compare(request: HttpRequest) -> HttpResponse:
    """Any two versions the user may see, section by section and standard by standard."""
    require(perms.can_use_concepts(request.user))
    versions = selectors.framework_versions_visible_to(user=request.user)
    old = new = None
    rows: dict[str, Any] = {}
    try:
        old = versions.filter(pk=int(request.GET.get("a", ""))).first()
        new = versions.filter(pk=int(request.GET.get("b", ""))).first()
    except ValueError:
        pass
    if old and new:
        rows = selectors.compare_versions(old=old, new=new)
    return render(
        request,
        "concepts/compare.html",
        {
            "title": _("Compare versions"),
            "versions": versions.order_by("municipality__name", "-number"),
            "old": old,
            "new": new,
            "rows": rows,
        },
    )


def _file_response(
    request: HttpRequest, body: bytes, name: str, fmt: str, obj: Any
) -> HttpResponse:
    audit(actor=request.user, action=Action.EXPORT, obj=obj, changes={"format": fmt})
    content_type = (
        "application/pdf"
        if fmt == "pdf"
        else "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    response = HttpResponse(body, content_type=content_type)
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name)[:80]
    response["Content-Disposition"] = f'attachment; filename="{safe}.{fmt}"'
    return response


def _render(document: export.Document, fmt: str) -> bytes:
    if fmt == "pdf":
        return export.render_pdf(document)
    if fmt == "docx":
        return export.render_docx(document)
    raise Http404


@login_required
def framework_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    version = _version(request, pk)
    document = export.framework_document(
        version=version,
        sections=selectors.sections_of(version=version),
        standards=list(selectors.standards_of(version=version)),
    )
    body = _render(document, fmt)
    return _file_response(
        request, body, f"rahmenkonzept_{version.municipality.name}_v{version.number}", fmt, version
    )


# =========================================================================== ideas


class IdeaList(ConceptTable):
    title = _("Ideas and expectations")
    export_name = "ideas"
    columns = [
        Column(
            "created_at", _("created at"), value=lambda o: o.created_at.date(), sort="created_at"
        ),
        Column("text", _("idea or expectation")),
        Column(
            "cornerstone",
            _("cornerstone"),
            value=lambda o: o.get_cornerstone_display(),
            sort="cornerstone",
        ),
        Column("author_role", _("role"), value=lambda o: o.get_author_role_display()),
        Column(
            "status",
            _("status"),
            value=lambda o: o.get_status_display(),
            sort="status",
            link=lambda o: _url("idea_convert", o.pk) if o.status == "new" else "",
            link_allowed=perms.can_convert_idea,
        ),
    ]
    search_fields = ["text"]
    default_sort = "-created_at"
    create_url_name = "concepts:idea_create"

    def check_access(self) -> None:
        require(perms.can_use_concepts(self.request.user))

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.ideas_visible_to(user=self.request.user)

    def can_create(self) -> bool:
        return bool(perms.idea_municipality_ids(self.request.user))


class IdeaCreate(ConceptFormView):
    form_class = forms.IdeaForm
    title = _("Hand in an idea or expectation")
    success_message = _("Thank you. Your idea was handed in.")

    def allowed(self, obj: Model | None) -> bool:
        return bool(perms.idea_municipality_ids(self.request.user))

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        return {
            "municipalities": Municipality.objects.filter(
                pk__in=perms.idea_municipality_ids(self.request.user)
            )
        }

    def save(self, form: Any, obj: Model | None) -> Model:
        data = dict(form.cleaned_data)
        return services.idea_create(
            municipality=data.pop("in_municipality"), by=self.request.user, **data
        )

    def success_url(self, obj: Model) -> str:
        return _url("idea_list")


class IdeaConvert(ConceptFormView):
    form_class = forms.IdeaConvertForm
    title = _("Take up the idea")

    def load(self) -> Model | None:
        require(perms.can_use_concepts(self.request.user))
        return get_object_or_404(
            selectors.ideas_visible_to(user=self.request.user), pk=self.kwargs["pk"]
        )

    def allowed(self, obj: Any) -> bool:
        return perms.can_convert_idea(self.request.user, obj)

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        from .models import FrameworkSection

        return {
            "sections": FrameworkSection.objects.filter(
                version__municipality_id=obj.municipality_id,
                version__status__in=FrameworkVersion.EDITABLE,
            ).select_related("version"),
            "initial": {"into": "comment"},
        }

    def context(self, form: Any, obj: Any) -> dict[str, Any]:
        context = super().context(form, obj)
        context["quote"] = obj
        return context

    def save(self, form: Any, obj: Any) -> Model:
        return services.idea_convert(idea=obj, by=self.request.user, **form.cleaned_data)

    def success_url(self, obj: Model) -> str:
        return _url("idea_list")


# =========================================================================== linked concepts


class LinkedList(ConceptTable):
    title = _("Linked concepts")
    export_name = "linked_concepts"
    template_name = "concepts/linked_list.html"
    columns = [
        Column("kind", _("kind"), value=lambda o: o.get_kind_display(), sort="kind"),
        Column(
            "title",
            _("title"),
            sort="title",
            link=lambda o: o.url or (_url("linked_file", o.pk) if o.file else ""),
        ),
        Column("owner", _("owner"), sort="owner"),
        Column("description", _("short description")),
        Column("municipality", _("municipality"), value=lambda o: o.municipality.name),
        Column("url", _("link"), export_only=True),
    ]
    search_fields = ["title", "owner", "description"]
    default_sort = "kind"
    create_url_name = "concepts:linked_create"

    def check_access(self) -> None:
        require(perms.can_use_concepts(self.request.user))

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.linked_concepts_visible_to(user=self.request.user)

    def can_create(self) -> bool:
        return perms.has_role(self.request.user, Role.COORDINATION)

    def extra_context(self) -> dict[str, Any]:
        if not self.can_create():
            return {}
        return {
            "row_edit": [
                (o, _url("linked_update", o.pk))
                for o in self.get_queryset().filter(
                    municipality_id__in=perms.municipality_ids(self.request.user, Role.COORDINATION)
                )
            ]
        }


class LinkedCreate(ConceptFormView):
    form_class = forms.LinkedConceptForm
    title = _("New linked concept")

    def allowed(self, obj: Model | None) -> bool:
        return perms.has_role(self.request.user, Role.COORDINATION)

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        return {"municipalities": _coordinated(self.request.user)}

    def save(self, form: Any, obj: Model | None) -> Model:
        data = dict(form.cleaned_data)
        return services.linked_concept_create(
            municipality=data.pop("in_municipality"), by=self.request.user, **data
        )

    def success_url(self, obj: Model) -> str:
        return _url("linked_list")


class LinkedUpdate(LinkedCreate):
    title = _("Edit linked concept")

    def load(self) -> Model | None:
        require(perms.can_use_concepts(self.request.user))
        return get_object_or_404(
            selectors.linked_concepts_visible_to(user=self.request.user), pk=self.kwargs["pk"]
        )

    def allowed(self, obj: Any) -> bool:
        return perms.can_manage_linked_concepts(self.request.user, obj.municipality_id)

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        import copy

        return {"instance": copy.copy(obj)}

    def save(self, form: Any, obj: Any) -> Model:
        return services.linked_concept_update(
            concept=obj, by=self.request.user, **form.cleaned_data
        )


@login_required
def linked_file(request: HttpRequest, pk: int) -> HttpResponse:
    require(perms.can_use_concepts(request.user))
    concept = get_object_or_404(selectors.linked_concepts_visible_to(user=request.user), pk=pk)
    if not concept.file:
        raise Http404
    return FileResponse(
        concept.file.open("rb"), as_attachment=True, filename=concept.file.name.rsplit("/", 1)[-1]
    )


# =========================================================================== school concepts


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
            link=lambda o: _url("school_concept_detail", o.pk),
        ),
        Column("status", _("status"), value=lambda o: o.get_status_display(), sort="status"),
        Column(
            "framework_version", _("framework version"), value=lambda o: o.framework_version.number
        ),
        Column("framework_changed", _("framework changed"), sort="framework_changed"),
        Column("review_due", _("review due"), sort="review_due"),
        Column(
            "updated_at", _("last change"), value=lambda o: o.updated_at.date(), sort="updated_at"
        ),
    ]
    search_fields = ["school__name", "school__school_number"]
    default_sort = "school"

    def check_access(self) -> None:
        require(perms.can_use_school_concepts(self.request.user))

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.school_concepts_visible_to(user=self.request.user)

    def extra_context(self) -> dict[str, Any]:
        own = perms.school_ids(self.request.user, Role.WORKER)
        creatable = [
            school
            for school in School.objects.filter(pk__in=own, concept__isnull=True).order_by("name")
            if selectors.adopted_version(municipality_id=school.municipality_id)
        ]
        return {"creatable": creatable}


@login_required
@require_POST
def school_concept_create(request: HttpRequest, school_pk: int) -> HttpResponse:
    require(perms.can_use_school_concepts(request.user))
    school = get_object_or_404(schools_visible_to(user=request.user), pk=school_pk)
    require(perms.can_draft_school_concept(request.user, school))
    try:
        concept = services.school_concept_create(school=school, by=request.user)
    except ValidationError as error:
        _errors(request, error)
        return HttpResponseRedirect(_url("school_concept_list"))
    messages.success(
        request, _gettext("The school concept was created from the adopted framework.")
    )
    return HttpResponseRedirect(_url("school_concept_detail", concept.pk))


@login_required
def school_concept_detail(request: HttpRequest, pk: int) -> HttpResponse:
    concept = _concept(request, pk)
    audit_read(request, concept, sensitive=concept.status != concept.Status.ACKNOWLEDGED)
    user = request.user
    actions = [
        (action, services.STEP_LABELS[action])
        for action in services.SCHOOL_TRANSITIONS
        if services.transition_allowed(concept=concept, action=action, user=user)
    ]
    return render(
        request,
        "concepts/school_concept_detail.html",
        {
            "object": concept,
            "sections": concept.sections.all(),
            "entries": concept.implementations.all(),
            "steps": concept.steps.all(),
            "missing": selectors.completeness(concept=concept),
            "can_edit": concept.is_editable
            and perms.can_draft_school_concept(user, concept.school),
            "actions": actions,
            "binding_changes": selectors.binding_changes(concept=concept),
            "goals": selectors.yearly_goals_visible_to(user=user).filter(school=concept.school),
            "can_manage_goals": perms.can_manage_yearly_goals(user, concept.school),
            "can_set_interval": perms.can_acknowledge_school_concept(user, concept),
            "transition_form": forms.TransitionForm(),
        },
    )


class SchoolSectionUpdate(LockedEditView):
    form_class = forms.SchoolTextForm
    title = _("Edit section of the school concept")

    def load(self) -> Model | None:
        concept = _concept(self.request, self.kwargs["pk"])
        return get_object_or_404(
            concept.sections.select_related("concept__school"), pk=self.kwargs["section_pk"]
        )

    def allowed(self, obj: Any) -> bool:
        return obj.concept.is_editable and perms.can_draft_school_concept(
            self.request.user, obj.concept.school
        )

    def get_guidance(self, obj: Any) -> Any:
        return obj.concept.framework_version.sections.filter(key=obj.key).first()

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {"initial": {"lock_version": obj.lock_version, "text": obj.text}}

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
        return _url("school_concept_detail", obj.concept_id) + f"#section-{obj.key}"


class ImplementationUpdate(SchoolSectionUpdate):
    form_class = forms.ImplementationForm
    title = _("Implementation of a binding standard")

    def load(self) -> Model | None:
        concept = _concept(self.request, self.kwargs["pk"])
        return get_object_or_404(
            concept.implementations.select_related("concept__school"), pk=self.kwargs["entry_pk"]
        )

    def get_guidance(self, obj: Any) -> Any:
        return obj.concept.framework_version.standards.filter(code=obj.standard_code).first()

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {
            "initial": {
                "lock_version": obj.lock_version,
                "text": obj.text,
                "deviation": obj.deviation,
                "deviation_reason": obj.deviation_reason,
            }
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
        return _url("school_concept_detail", obj.concept_id) + f"#standard-{obj.standard_code}"


@login_required
@require_POST
def school_concept_transition(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """One approval step (submit, approve, request changes, acknowledge, …)."""
    concept = _concept(request, pk)
    if action not in services.SCHOOL_TRANSITIONS:
        raise Http404
    form = forms.TransitionForm(request.POST)
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    try:
        services.school_concept_transition(
            concept=concept, action=action, by=request.user, comment=comment
        )
    except ValidationError as error:
        _errors(request, error)
    else:
        messages.success(
            request, _gettext("Done: %(step)s.") % {"step": services.STEP_LABELS[action]}
        )
    return HttpResponseRedirect(_url("school_concept_detail", concept.pk))


class ReviewIntervalUpdate(ConceptFormView):
    form_class = forms.ReviewIntervalForm
    title = _("Review interval")

    def load(self) -> Model | None:
        return _concept(self.request, self.kwargs["pk"])

    def allowed(self, obj: Any) -> bool:
        return perms.can_acknowledge_school_concept(self.request.user, obj)

    def save(self, form: Any, obj: Any) -> Model:
        return services.school_concept_set_review_interval(
            concept=obj, years=form.cleaned_data["review_interval_years"], by=self.request.user
        )

    def success_url(self, obj: Any) -> str:
        return _url("school_concept_detail", obj.pk)


@login_required
def school_concept_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    concept = _concept(request, pk)
    goals = selectors.yearly_goals_visible_to(user=request.user).filter(school=concept.school)
    document = export.school_concept_document(concept=concept, goals=goals)
    body = _render(document, fmt)
    return _file_response(
        request, body, f"schulkonzept_{concept.school.school_number}", fmt, concept
    )


# =========================================================================== yearly goals


class GoalList(ConceptTable):
    title = _("Yearly goals")
    export_name = "yearly_goals"
    columns = [
        Column("school", _("school"), value=lambda o: o.school.name, sort="school__name"),
        Column(
            "school_year",
            _("school year"),
            value=lambda o: o.school_year.code,
            sort="school_year__start",
        ),
        Column(
            "goal",
            _("goal"),
            link=lambda o: _url("goal_update", o.pk),
            link_allowed=lambda user, o: perms.can_manage_yearly_goals(user, o.school),
        ),
        Column("measures", _("measures")),
        Column("responsible", _("responsible"), value=lambda o: o.get_responsible_display()),
        Column(
            "review",
            _("review at year end"),
            value=lambda o: o.get_review_display(),
            sort="review",
            link=lambda o: _url("goal_review", o.pk),
            link_allowed=lambda user, o: perms.can_manage_yearly_goals(user, o.school),
        ),
        Column("review_comment", _("review comment")),
    ]
    search_fields = ["goal", "measures", "school__name"]
    default_sort = "-school_year"

    def check_access(self) -> None:
        require(perms.can_use_school_concepts(self.request.user))

    def get_queryset(self) -> QuerySet[Any]:
        return selectors.yearly_goals_visible_to(user=self.request.user)


class GoalCreate(ConceptFormView):
    form_class = forms.YearlyGoalForm
    title = _("New yearly goal")

    def load(self) -> Model | None:
        require(perms.can_use_school_concepts(self.request.user))
        return get_object_or_404(
            schools_visible_to(user=self.request.user), pk=self.kwargs["school_pk"]
        )

    def allowed(self, obj: Any) -> bool:
        return perms.can_manage_yearly_goals(self.request.user, obj)

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        from schulsozial.masterdata.selectors import current_school_year

        return {"initial": {"school_year": current_school_year()}}

    def save(self, form: Any, obj: Any) -> Model:
        return services.yearly_goal_create(school=obj, by=self.request.user, **form.cleaned_data)

    def success_url(self, obj: Any) -> str:
        concept = SchoolConcept.objects.filter(school_id=obj.school_id).first()
        return (
            _url("school_concept_detail", concept.pk) + "#goals" if concept else _url("goal_list")
        )


class GoalUpdate(GoalCreate):
    title = _("Edit yearly goal")

    def load(self) -> Model | None:
        require(perms.can_use_school_concepts(self.request.user))
        return get_object_or_404(
            selectors.yearly_goals_visible_to(user=self.request.user), pk=self.kwargs["pk"]
        )

    def allowed(self, obj: Any) -> bool:
        return perms.can_manage_yearly_goals(self.request.user, obj.school)

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        import copy

        return {"instance": copy.copy(obj)}

    def save(self, form: Any, obj: Any) -> Model:
        return services.yearly_goal_update(goal=obj, by=self.request.user, **form.cleaned_data)


class GoalReview(GoalUpdate):
    form_class = forms.GoalReviewForm
    title = _("Review the yearly goal")

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        if obj.review == "open":
            return {}
        return {"initial": {"review": obj.review, "review_comment": obj.review_comment}}

    def context(self, form: Any, obj: Any) -> dict[str, Any]:
        context = super().context(form, obj)
        context["quote"] = obj
        return context

    def save(self, form: Any, obj: Any) -> Model:
        return services.yearly_goal_review(goal=obj, by=self.request.user, **form.cleaned_data)
