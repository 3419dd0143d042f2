"""The yearly goals of a school and their review at year end."""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.forms import BaseForm
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from schulsozial.core.listing import Column, require
from schulsozial.core.views import ServiceFormView
from schulsozial.masterdata.selectors import current_school_year, schools_visible_to

from .. import forms, selectors, services
from .. import permissions as perms
from ..models import YearlyGoal
from .common import ConceptFormView, ConceptTable, goals_url, url


def _may_manage(user: Any, goal: Any) -> bool:
    return perms.can_manage_yearly_goals(user, goal.school)


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
            "goal", _("goal"), link=lambda o: url("goal_update", o.pk), link_allowed=_may_manage
        ),
        Column("measures", _("measures")),
        Column("responsible", _("responsible"), value=lambda o: o.get_responsible_display()),
        Column(
            "review",
            _("review at year end"),
            value=lambda o: o.get_review_display(),
            sort="review",
            link=lambda o: url("goal_review", o.pk),
            link_allowed=_may_manage,
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
    form_class: type[BaseForm] = forms.YearlyGoalForm
    title = _("New yearly goal")

    def load(self) -> Model | None:
        require(perms.can_use_school_concepts(self.request.user))
        return get_object_or_404(
            schools_visible_to(user=self.request.user), pk=self.kwargs["school_pk"]
        )

    def allowed(self, obj: Any) -> bool:
        return perms.can_manage_yearly_goals(self.request.user, obj)

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return {"initial": {"school_year": current_school_year()}}

    def save(self, form: Any, obj: Any) -> Model:
        return services.yearly_goal_create(school=obj, by=self.request.user, **form.cleaned_data)

    def success_url(self, obj: Any) -> str:
        return goals_url(obj.school_id)


class GoalUpdate(GoalCreate):
    title = _("Edit yearly goal")

    def load(self) -> Model | None:
        require(perms.can_use_school_concepts(self.request.user))
        return get_object_or_404(
            selectors.yearly_goals_visible_to(user=self.request.user), pk=self.kwargs["pk"]
        )

    def allowed(self, obj: Any) -> bool:
        return _may_manage(self.request.user, obj)

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        return ServiceFormView.form_kwargs(self, obj)

    def save(self, form: Any, obj: Any) -> Model:
        return services.yearly_goal_update(goal=obj, by=self.request.user, **form.cleaned_data)


class GoalReview(GoalUpdate):
    form_class = forms.GoalReviewForm
    title = _("Review the yearly goal")

    def form_kwargs(self, obj: Any) -> dict[str, Any]:
        if obj.review == YearlyGoal.Review.OPEN:
            return {}
        return {"initial": {"review": obj.review, "review_comment": obj.review_comment}}

    def context(self, form: Any, obj: Any) -> dict[str, Any]:
        context = super().context(form, obj)
        context["quote"] = obj
        return context

    def save(self, form: Any, obj: Any) -> Model:
        return services.yearly_goal_review(goal=obj, by=self.request.user, **form.cleaned_data)
