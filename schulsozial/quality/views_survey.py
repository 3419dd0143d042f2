"""Anonymous surveys (issue 16, part two): coordination's pages and the
public answer page.

The answer page needs no login and sets no cookie: it is csrf_exempt (a CSRF
token would need a cookie, and there is no session to ride on: a forged post
could only add one more anonymous answer, which the link holder can do
anyway), and keeps the link's secret token in the address, a honeypot field
that people never see and a rate limit per link instead (counted in the
database, so that it holds across workers: services.survey_rate_exceeded).
It writes no audit entry and reads no client address (see
services.survey_answer)."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from schulsozial.core.listing import require
from schulsozial.masterdata.models import School

from . import permissions as perms
from . import selectors, services
from .models import SurveyAudience, SurveyQuestion, SurveyQuestionSet
from .survey_defaults import DEFAULT_SETS, SCALE_WORDS

# Answers per link and minute at most (a class answering together stays well below).
RATE_PER_MINUTE = 60
HONEYPOT = "website"
# The message context of the texts that address pupils with du.
PUPILS = "survey for pupils"


def _nav(request: HttpRequest) -> dict[str, bool]:
    return {
        "cycle": perms.can_view_cycle_table(request.user),
        "settings": perms.can_open_settings(request.user),
    }


class SurveyForm(forms.Form):
    school: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=gettext_lazy("school"), queryset=School.objects.none(), empty_label="–"
    )
    audience = forms.ChoiceField(label=gettext_lazy("audience"), choices=SurveyAudience.choices)
    opens_on = forms.DateField(
        label=gettext_lazy("open from"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    closes_on = forms.DateField(
        label=gettext_lazy("open until"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, schools: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["school"]
        if isinstance(field, forms.ModelChoiceField):
            field.queryset = schools


@login_required
def survey_list(request: HttpRequest) -> HttpResponse:
    user = request.user
    require(perms.can_manage_surveys(user))
    today = timezone.localdate()
    form = SurveyForm(
        request.POST or None,
        schools=selectors.survey_schools(user=user),
        initial={"opens_on": today, "closes_on": today + datetime.timedelta(days=28)},
    )
    enabled = any(
        selectors.settings_of(mid).surveys_enabled for mid in perms.survey_municipality_ids(user)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            survey = services.survey_create(
                school=data["school"],
                audience=data["audience"],
                opens_on=data["opens_on"],
                closes_on=data["closes_on"],
                by=user,
            )
        except ValidationError as error:
            for message in error.messages:
                form.add_error(None, message)
        else:
            messages.success(request, _("The survey is created."))
            return HttpResponseRedirect(reverse("quality:survey_detail", args=[survey.pk]))
    surveys = selectors.surveys_visible_to(user=user).order_by("-opens_on", "school__name")
    return render(
        request,
        "quality/survey_list.html",
        {
            "form": form,
            "surveys": [(s, services.survey_is_open(s, today)) for s in surveys[:300]],
            "enabled": enabled,
            "quality_nav": _nav(request),
        },
    )


@login_required
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from schulsozial.accounts.twofactor import qr_svg

    require(perms.can_manage_surveys(request.user))
    survey = selectors.survey_detail(user=request.user, pk=pk)
    link = request.build_absolute_uri(reverse("quality:survey_answer", args=[survey.token]))
    results = selectors.survey_results(survey=survey)
    return render(
        request,
        "quality/survey_detail.html",
        {
            "survey": survey,
            "link": link,
            "qr": qr_svg(link),
            "results": results,
            "is_open": services.survey_is_open(survey, timezone.localdate()),
            "can_close": survey.closed_at is None
            and perms.can_run_survey_at(request.user, survey.school),
            "quality_nav": _nav(request),
        },
    )


@login_required
@require_POST
def survey_close(request: HttpRequest, pk: int) -> HttpResponse:
    require(perms.can_manage_surveys(request.user))
    survey = selectors.survey_detail(user=request.user, pk=pk)
    services.survey_close(survey=survey, by=request.user)
    messages.success(request, _("The survey is closed; its link takes no more answers."))
    return HttpResponseRedirect(reverse("quality:survey_detail", args=[survey.pk]))


@login_required
def survey_texts(request: HttpRequest) -> HttpResponse:
    require(perms.can_manage_surveys(request.user))
    return render(
        request,
        "quality/survey_texts.html",
        {"pools": selectors.survey_texts(user=request.user), "quality_nav": _nav(request)},
    )


# --------------------------------------------------------------------------- public page


def _questions(survey: Any) -> list[tuple[Any, list[tuple[int, str]]]]:
    result = []
    for question in survey.question_set.questions.all():
        words = SCALE_WORDS.get(question.steps, [])
        result.append((question, list(enumerate(words, start=1))))
    return result


def _read_answers(request: HttpRequest, survey: Any) -> dict[int, Any]:
    answers: dict[int, Any] = {}
    for question in survey.question_set.questions.all():
        raw = request.POST.get(f"q{question.pk}", "")
        if question.kind == SurveyQuestion.Kind.TEXT:
            answers[question.pk] = raw
        elif raw.isascii() and raw.isdigit():
            answers[question.pk] = int(raw)
    return answers


@csrf_exempt
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The anonymous answer page of a school's survey link."""
    require(perms.can_answer_survey(request.user))
    survey = selectors.survey_by_token(token)
    if not services.survey_is_open(survey, timezone.localdate()):
        return render(request, "quality/survey_closed.html", {"survey": survey}, status=410)
    error = ""
    values: dict[int, Any] = {}
    informal = survey.question_set.informal
    if request.method == "POST":
        if request.POST.get(HONEYPOT):
            return render(request, "quality/survey_thanks.html", {"survey": survey})
        if services.survey_rate_exceeded(survey=survey, limit=RATE_PER_MINUTE):
            error = (
                pgettext(PUPILS, "Too many answers in a short time. Please try again in a minute.")
                if informal
                else _("Too many answers in a short time. Please try again in a minute.")
            )
        else:
            values = _read_answers(request, survey)
            try:
                services.survey_answer(survey=survey, answers=values)
            except ValidationError as problem:
                error = " ".join(
                    pgettext(PUPILS, "Please answer every question.")
                    if informal and item.code == "unanswered"
                    else " ".join(item.messages)
                    for item in problem.error_list
                )
            else:
                return render(request, "quality/survey_thanks.html", {"survey": survey})
    return render(
        request,
        "quality/survey_answer.html",
        {
            "survey": survey,
            "questions": _questions(survey),
            "values": {f"q{k}": str(v) for k, v in values.items()},
            "error": error,
            "honeypot": HONEYPOT,
        },
        status=400 if error else 200,
    )


# --------------------------------------------------------------------------- question sets


class QuestionForm(forms.Form):
    pk = forms.IntegerField(required=False, widget=forms.HiddenInput)
    position = forms.IntegerField(label=gettext_lazy("position"), min_value=0, initial=0)
    text = forms.CharField(label=gettext_lazy("question"), max_length=300, required=False)
    kind = forms.ChoiceField(
        label=gettext_lazy("kind of answer"), choices=SurveyQuestion.Kind.choices
    )
    delete = forms.BooleanField(label=gettext_lazy("remove"), required=False)


class BaseQuestionFormSet(forms.BaseFormSet):
    """The blank rows for new questions continue the numbering of the
    existing ones (with 0 a question added at the bottom went to the top)."""

    def get_form_kwargs(self, index: int | None) -> dict[str, Any]:
        kwargs = super().get_form_kwargs(index)
        first_blank = self.initial_form_count()
        if index is not None and index >= first_blank:
            last = max((int(row.get("position") or 0) for row in self.initial or []), default=0)
            kwargs["initial"] = {"position": last + 1 + index - first_blank}
        return kwargs


QuestionFormSet = forms.formset_factory(QuestionForm, formset=BaseQuestionFormSet, extra=2)


@login_required
def question_set_edit(request: HttpRequest, audience: str) -> HttpResponse:
    from schulsozial.masterdata.models import Municipality

    user = request.user
    require(perms.can_manage_surveys(user))
    if audience not in SurveyAudience.values:
        raise Http404
    municipality = (
        Municipality.objects.filter(pk__in=perms.survey_municipality_ids(user))
        .order_by("name")
        .first()
    )
    if municipality is None or not perms.can_manage_settings(user, municipality.pk):
        raise Http404
    # A GET writes nothing: until the municipality saves its own questions,
    # the page shows the shipped default set (its first save stores it).
    question_set = selectors.question_set_of(municipality=municipality, audience=audience)
    if question_set is None:
        default = DEFAULT_SETS[audience]
        shown = SurveyQuestionSet(
            municipality=municipality, audience=audience, title=str(default["title"])
        )
        questions = default["questions"]
        initial = [
            {"pk": None, "position": n, "text": text, "kind": kind}
            for n, (text, kind) in enumerate(questions if isinstance(questions, list) else [], 1)
        ]
    else:
        shown = question_set
        initial = [
            {"pk": q.pk, "position": q.position, "text": q.text, "kind": q.kind}
            for q in question_set.questions.all()
        ]
    formset = QuestionFormSet(request.POST or None, initial=initial)
    if request.method == "POST" and formset.is_valid():
        if question_set is None:
            question_set = services.survey_question_set(
                municipality=municipality, audience=audience, by=user, copy_questions=False
            )
        rows = [
            services.QuestionInput(
                pk=f.cleaned_data.get("pk"),
                text=f.cleaned_data.get("text") or "",
                kind=f.cleaned_data.get("kind") or SurveyQuestion.Kind.SCALE4,
                position=f.cleaned_data.get("position") or 0,
                delete=bool(f.cleaned_data.get("delete")),
            )
            for f in formset.forms
            if f.cleaned_data
        ]
        try:
            services.survey_questions_save(question_set=question_set, rows=rows, by=user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The questions are saved."))
            return HttpResponseRedirect(request.path)
    return render(
        request,
        "quality/question_set.html",
        {"question_set": shown, "formset": formset, "quality_nav": _nav(request)},
    )
