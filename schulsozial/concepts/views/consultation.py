"""The consultation on a draft framework version: opening and closing it,
comments and their answers, and the adoption that ends it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from schulsozial.core.listing import Column, require

from .. import forms, selectors, services
from .. import permissions as perms
from ..models import ConsultationComment
from .common import ConceptFormView, ConceptTable, load_version, show_errors, url


class ConsultationOpen(ConceptFormView):
    form_class = forms.ConsultationForm
    title = _("Open the consultation")

    def load(self) -> Model | None:
        return load_version(self.request, self.kwargs["pk"])

    def allowed(self, obj: Any) -> bool:
        return perms.can_manage_framework(self.request.user, obj.municipality_id)

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {"users": selectors.invitable_users(version=obj)}

    def save(self, form: Any, obj: Any) -> Model:
        return services.framework_open_consultation(
            version=obj, by=self.request.user, **form.cleaned_data
        )


@login_required
@require_POST
def consultation_close(request: HttpRequest, pk: int) -> HttpResponse:
    version = load_version(request, pk)
    require(perms.can_manage_framework(request.user, version.municipality_id))
    try:
        services.framework_close_consultation(version=version, by=request.user)
        messages.success(
            request, _gettext("The consultation was closed; the version is a draft again.")
        )
    except ValidationError as error:
        show_errors(request, error)
    return HttpResponseRedirect(url("framework_detail", version.pk))


class FrameworkAdopt(ConceptFormView):
    """The council decision. While the consultation period runs, the page
    warns and the adoption needs an explicit confirmation (no JavaScript)."""

    form_class = forms.AdoptForm
    title = _("Record the adoption")
    template_name = "concepts/adopt_form.html"

    def load(self) -> Model | None:
        return load_version(self.request, self.kwargs["pk"])

    def allowed(self, obj: Any) -> bool:
        return perms.can_manage_framework(self.request.user, obj.municipality_id)

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        from schulsozial.council.selectors import papers_visible_to

        return {
            "consultation_open": selectors.consultation_still_open(version=obj),
            "papers": papers_visible_to(user=self.request.user)
            .filter(municipality_id=obj.municipality_id)
            .order_by("-date", "-reference"),
            "older_warning": selectors.adopted_version_of(version=obj) is not None,
        }

    def context(self, form: Any, obj: Any) -> dict[str, Any]:
        context = super().context(form, obj)
        context["adoption"] = selectors.adoption_warnings(version=obj)
        return context

    def save(self, form: Any, obj: Any) -> Model:
        data = dict(form.cleaned_data)
        data["confirm_open_consultation"] = bool(data.get("confirm_open_consultation"))
        data["confirm_older_decision"] = bool(data.get("confirm_older_decision"))
        version = services.framework_adopt(version=obj, by=self.request.user, **data)
        self.success_message = selectors.adoption_message(version=version)
        return version


class TransitionUpdate(ConceptFormView):
    """Coordination changes the transition period of the adopted version."""

    form_class = forms.TransitionPeriodForm
    title = _("Transition period")

    def load(self) -> Model | None:
        return load_version(self.request, self.kwargs["pk"])

    def allowed(self, obj: Any) -> bool:
        return perms.can_manage_framework(self.request.user, obj.municipality_id)

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {"initial": {"transition_months": obj.transition_months}}

    def save(self, form: Any, obj: Any) -> Model:
        return services.framework_set_transition(
            version=obj,
            transition_months=form.cleaned_data["transition_months"],
            by=self.request.user,
        )


class CommentCreate(ConceptFormView):
    form_class = forms.CommentForm
    title = _("Comment on the draft")
    success_message = _("Thank you. Your comment was saved; coordination will answer it.")

    def load(self) -> Model | None:
        return load_version(self.request, self.kwargs["pk"])

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
            "created_at",
            _("created at"),
            value=lambda o: timezone.localdate(o.created_at),
            sort="created_at",
        ),
        Column("text", _("comment")),
        Column(
            "answer",
            _("answer"),
            value=lambda o: o.get_answer_display(),
            sort="answer",
            link=lambda o: url("comment_answer", o.pk),
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
            queryset = queryset.filter(answer=ConsultationComment.Answer.OPEN)
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
        if obj.answer == ConsultationComment.Answer.OPEN:
            return {}
        return {"initial": {"answer": obj.answer, "reason": obj.answer_reason}}

    def context(self, form: Any, obj: Any) -> dict[str, Any]:
        context = super().context(form, obj)
        context["quote"] = obj
        return context

    def save(self, form: Any, obj: Any) -> Model:
        return services.comment_answer(comment=obj, by=self.request.user, **form.cleaned_data)
