"""Ideas and expectations handed in by every actor, and taking them up."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schulsozial.core.listing import Column, require

from .. import forms, selectors, services
from .. import permissions as perms
from ..models import Idea
from .common import ConceptFormView, ConceptTable, url


class IdeaList(ConceptTable):
    title = _("Ideas and expectations")
    export_name = "ideas"
    columns = [
        Column(
            "created_at",
            _("created at"),
            value=lambda o: timezone.localdate(o.created_at),
            sort="created_at",
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
            link=lambda o: url("idea_convert", o.pk) if o.status == Idea.Status.NEW else "",
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
        return perms.can_hand_in_ideas(self.request.user)


class IdeaCreate(ConceptFormView):
    form_class = forms.IdeaForm
    title = _("Hand in an idea or expectation")
    success_message = _("Thank you. Your idea was handed in.")

    def allowed(self, obj: Model | None) -> bool:
        return perms.can_hand_in_ideas(self.request.user)

    def form_kwargs(self, obj: Model | None) -> dict[str, Any]:
        return {"municipalities": selectors.idea_municipalities(user=self.request.user)}

    def save(self, form: Any, obj: Model | None) -> Model:
        data = dict(form.cleaned_data)
        return services.idea_create(
            municipality=data.pop("in_municipality"), by=self.request.user, **data
        )


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
        return {
            "sections": selectors.idea_target_sections(idea=obj),
            "initial": {"into": "comment"},
        }

    def context(self, form: Any, obj: Any) -> dict[str, Any]:
        context = super().context(form, obj)
        context["quote"] = obj
        return context

    def save(self, form: Any, obj: Any) -> Model:
        return services.idea_convert(idea=obj, by=self.request.user, **form.cleaned_data)
