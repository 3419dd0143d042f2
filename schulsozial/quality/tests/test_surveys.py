"""Anonymous surveys: answering without login and without cookies, nothing
stored that names a person or an address (rows and audit log inspected),
results hidden below the minimum and under disclosure control, a closed link
and a link outside its period refuse answers, free texts only pooled."""

from __future__ import annotations

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from schulsozial.core.models import AuditEntry
from schulsozial.quality import selectors, services
from schulsozial.quality.models import (
    Survey,
    SurveyAnswer,
    SurveyQuestion,
    SurveyResponse,
)

pytestmark = pytest.mark.django_db
ADDRESS = "203.0.113.77"


def open_survey(world, *, audience="staff", days=(-1, 10), minimum=None):
    coordinator = world.users["coordinator"]
    data = {"surveys_enabled": True}
    if minimum:
        data["survey_min_answers"] = minimum
    services.settings_update(municipality=world.town, by=coordinator, **data)
    today = timezone.localdate()
    return services.survey_create(
        school=world.schools[0],
        audience=audience,
        opens_on=today + datetime.timedelta(days=days[0]),
        closes_on=today + datetime.timedelta(days=days[1]),
        by=coordinator,
    )


def answer_form(survey, value=3, text=""):
    data = {}
    for q in survey.question_set.questions.all():
        if q.kind == SurveyQuestion.Kind.TEXT:
            data[f"q{q.pk}"] = text
        else:
            data[f"q{q.pk}"] = str(min(value, q.steps))
    return data


def test_default_question_sets_are_copied_in_plain_german(world):
    survey = open_survey(world)
    questions = list(survey.question_set.questions.all())
    assert survey.question_set.title.startswith("Befragung der Lehrkräfte")
    assert {q.kind for q in questions} >= {"scale4", "yes_no", "text"}
    pupils = open_survey(world, audience="pupils")
    assert "du" in pupils.question_set.intro.split()


def test_anonymous_answer_stores_nothing_personal(world):
    survey = open_survey(world)
    audit_before = AuditEntry.objects.count()
    client = Client(REMOTE_ADDR=ADDRESS, HTTP_X_FORWARDED_FOR=ADDRESS)
    url = reverse("quality:survey_answer", args=[survey.token])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Befragung der Lehrkräfte" in html and "trifft eher zu" in html
    assert "csrfmiddlewaretoken" not in html
    response = client.post(url, answer_form(survey, text="Mehr Sprechstunden"))
    assert response.status_code == 200
    assert "Vielen Dank" in response.content.decode()
    # no cookie at all (no session, no CSRF cookie)
    assert not response.cookies and not page.cookies
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    # the rows: no user, no address, no time stamp
    for model in (SurveyResponse, SurveyAnswer):
        names = {f.name for f in model._meta.get_fields()}
        assert not names & {"user", "ip_address", "created_at", "submitted_at", "session"}
    for row in SurveyAnswer.objects.values():
        assert ADDRESS not in str(row)
    # nothing in the audit log for the answer, and the address nowhere
    assert AuditEntry.objects.count() == audit_before
    assert not AuditEntry.objects.filter(ip_address=ADDRESS).exists()


def test_results_hidden_below_minimum_then_under_disclosure(world, client_for):
    survey = open_survey(world, minimum=10)
    for _i in range(9):
        services.survey_answer(survey=survey, answers=_answers(survey, 3))
    results = selectors.survey_results(survey=survey)
    assert not results.shown and results.questions == []
    html = client_for("coordinator").get(reverse("quality:survey_detail", args=[survey.pk]))
    assert 'data-results="hidden"' in html.content.decode()
    services.survey_answer(survey=survey, answers=_answers(survey, 4))
    results = selectors.survey_results(survey=survey)
    assert results.shown
    first = results.questions[0]
    # 9 x step 3 and 1 x step 4: the single 4 is withheld, and so is the 9
    # (it would give the 1 away from the total of 10)
    assert first.counts[3] is None and first.counts[2] is None
    assert first.answered == 10
    assert first.mean is None  # it would narrow the withheld counts down
    for _i in range(4):
        services.survey_answer(survey=survey, answers=_answers(survey, 4))
    first = selectors.survey_results(survey=survey).questions[0]
    assert first.counts[2:] == [9, 5] and first.answered == 14
    assert str(first.mean) == "3.36"  # (9 * 3 + 5 * 4) / 14
    html = client_for("coordinator").get(reverse("quality:survey_detail", args=[survey.pk]))
    assert "•" in html.content.decode()


def _answers(survey, value, text=""):
    result = {}
    for q in survey.question_set.questions.all():
        result[q.pk] = text if q.kind == SurveyQuestion.Kind.TEXT else min(value, q.steps)
    return result


def test_closed_link_and_outside_period_refuse(world, client_for):
    survey = open_survey(world)
    client = Client()
    url = reverse("quality:survey_answer", args=[survey.token])
    client_for("coordinator").post(reverse("quality:survey_close", args=[survey.pk]))
    survey.refresh_from_db()
    assert survey.closed_at is not None
    for response in (client.get(url), client.post(url, answer_form(survey))):
        assert response.status_code == 410
        assert "nimmt keine Antworten an" in response.content.decode()
    assert not SurveyResponse.objects.filter(survey=survey).exists()
    later = open_survey(world, days=(3, 10))
    response = client.post(reverse("quality:survey_answer", args=[later.token]), answer_form(later))
    assert response.status_code == 410
    past = Survey.objects.create(
        school=world.schools[0],
        question_set=later.question_set,
        token="abgelaufen",
        opens_on=timezone.localdate() - datetime.timedelta(days=20),
        closes_on=timezone.localdate() - datetime.timedelta(days=1),
    )
    response = client.post(reverse("quality:survey_answer", args=[past.token]), answer_form(past))
    assert response.status_code == 410
    assert not SurveyResponse.objects.exists()
    assert Client().get(reverse("quality:survey_answer", args=["unbekannt"])).status_code == 404


def test_honeypot_and_incomplete_answers_store_nothing(world):
    survey = open_survey(world)
    url = reverse("quality:survey_answer", args=[survey.token])
    client = Client()
    data = answer_form(survey)
    client.post(url, {**data, "website": "http://spam.example"})
    assert not SurveyResponse.objects.exists()
    first = survey.question_set.questions.exclude(kind="text").first()
    data.pop(f"q{first.pk}")
    response = client.post(url, data)
    assert response.status_code == 400
    assert "Bitte beantworten Sie jede Frage" in response.content.decode()
    assert not SurveyResponse.objects.exists()


def test_surveys_off_and_free_texts_only_pooled(world, client_for):
    from django.core.exceptions import ValidationError

    today = timezone.localdate()
    with pytest.raises(ValidationError):
        services.survey_create(
            school=world.schools[0],
            audience="staff",
            opens_on=today,
            closes_on=today,
            by=world.users["coordinator"],
        )
    survey = open_survey(world, minimum=5)
    client = client_for("coordinator")
    for i in range(4):
        services.survey_answer(survey=survey, answers=_answers(survey, 2, f"Zeile {4 - i}"))
    html = client.get(reverse("quality:survey_texts")).content.decode()
    assert 'data-texts="hidden"' in html and "Zeile" not in html
    services.survey_answer(survey=survey, answers=_answers(survey, 2, "Anton"))
    html = client.get(reverse("quality:survey_texts")).content.decode()
    assert "Zeile 1" in html
    # sorted alphabetically, not in the order of arrival, and without the school
    assert html.index("Anton") < html.index("Zeile 1") < html.index("Zeile 4")
    section = html[html.index("Freitext-Antworten der Befragungen") :]
    assert world.schools[0].name not in section
    assert client_for("carrier").get(reverse("quality:survey_texts")).status_code == 403


def test_coordination_creates_a_survey_with_link_and_qr(world, client_for):
    services.settings_update(
        municipality=world.town, by=world.users["coordinator"], surveys_enabled=True
    )
    client = client_for("coordinator")
    today = timezone.localdate()
    response = client.post(
        reverse("quality:survey_list"),
        {
            "school": world.schools[1].pk,
            "audience": "pupils",
            "opens_on": today.isoformat(),
            "closes_on": (today + datetime.timedelta(days=7)).isoformat(),
        },
    )
    assert response.status_code == 302
    survey = Survey.objects.get(school=world.schools[1])
    html = client.get(response["Location"]).content.decode()
    assert survey.token in html and "<svg" in html
    assert AuditEntry.objects.filter(action="create", object_id=str(survey.pk)).exists()
    other = client_for("coordinator").get(reverse("quality:survey_list")).content.decode()
    assert world.schools[1].name in other


def test_question_set_is_configurable_per_municipality(world, client_for):
    survey = open_survey(world, minimum=5)
    client = client_for("coordinator")
    url = reverse("quality:question_set_edit", args=["staff"])
    html = client.get(url).content.decode()
    assert "Befragung der Lehrkräfte" in html and 'data-table="questions"' in html
    questions = list(survey.question_set.questions.all())
    data = {"form-TOTAL_FORMS": str(len(questions) + 1), "form-INITIAL_FORMS": str(len(questions))}
    for i, q in enumerate(questions):
        data.update(
            {
                f"form-{i}-pk": q.pk,
                f"form-{i}-position": q.position,
                f"form-{i}-text": q.text,
                f"form-{i}-kind": q.kind,
            }
        )
    n = len(questions)
    data.update(
        {
            f"form-{n}-position": "99",
            f"form-{n}-text": "Die Räume sind gut erreichbar.",
            f"form-{n}-kind": "scale5",
        }
    )
    assert client.post(url, data).status_code == 302
    added = survey.question_set.questions.get(text="Die Räume sind gut erreichbar.")
    assert added.steps == 5
    # an answered question keeps its kind
    services.survey_answer(survey=survey, answers=_answers(survey, 3))
    data["form-0-kind"] = "text"
    data["form-TOTAL_FORMS"] = str(n)
    client.post(url, data)
    assert SurveyQuestion.objects.get(pk=questions[0].pk).kind == questions[0].kind
    assert AuditEntry.objects.filter(
        object_type="quality.surveyquestionset", action="update"
    ).exists()


def test_the_question_page_writes_nothing_on_get_and_saves_the_defaults_once(world, client_for):
    """Opening the questionnaire shows the shipped questions without storing
    them (a GET writes nothing); the first save stores them as edited, once."""
    from schulsozial.quality.models import SurveyQuestion, SurveyQuestionSet

    client = client_for("coordinator")
    url = reverse("quality:question_set_edit", args=["staff"])
    page = client.get(url)
    assert page.status_code == 200
    assert "Befragung der Lehrkräfte" in page.content.decode()
    assert not SurveyQuestionSet.objects.exists() and not SurveyQuestion.objects.exists()
    shown = page.context["formset"].initial
    data = {  # as the page's management form states it
        "form-TOTAL_FORMS": str(len(shown)),
        "form-INITIAL_FORMS": str(len(shown)),
    }
    for i, row in enumerate(shown):
        data.update(
            {
                f"form-{i}-position": str(row["position"]),
                f"form-{i}-text": row["text"] if i else "Kennen Sie das Angebot?",
                f"form-{i}-kind": row["kind"],
            }
        )
    client.post(url, data)
    (saved,) = SurveyQuestionSet.objects.filter(municipality=world.town, audience="staff")
    texts = list(saved.questions.order_by("position").values_list("text", flat=True))
    assert len(texts) == len(shown)  # no default copied besides the saved rows
    assert texts[0] == "Kennen Sie das Angebot?"


def test_rate_limit_holds_across_workers_with_their_own_memory(world, monkeypatch):
    """Each gunicorn worker has its own process memory (and its own local
    cache): clearing the cache between the answers stands in for the next
    answer reaching another worker. The limit per link must still hold."""
    from django.core.cache import cache

    from schulsozial.quality import views_survey

    monkeypatch.setattr(views_survey, "RATE_PER_MINUTE", 2)
    survey = open_survey(world)
    url = reverse("quality:survey_answer", args=[survey.token])
    for _n in range(2):
        assert Client().post(url, answer_form(survey)).status_code == 200
        cache.clear()
    refused = Client().post(url, answer_form(survey))
    assert refused.status_code == 400
    assert "Zu viele Antworten in kurzer Zeit" in refused.content.decode()
    assert SurveyResponse.objects.filter(survey=survey).count() == 2


def test_rate_window_starts_afresh_each_minute_and_keeps_no_history(world):
    survey = open_survey(world)
    other = open_survey(world, audience="pupils")
    minute = timezone.now().replace(second=10, microsecond=0)
    hits = [services.survey_rate_exceeded(survey=survey, limit=2, now=minute) for _n in range(3)]
    assert hits == [False, False, True]
    # the next minute counts from one again, and the other link has its own count
    later = minute + datetime.timedelta(minutes=1)
    assert services.survey_rate_exceeded(survey=survey, limit=2, now=later) is False
    assert services.survey_rate_exceeded(survey=other, limit=2, now=later) is False
    # only the current minute is kept: no record of when earlier answers came
    from schulsozial.quality.models import SurveyRateWindow

    assert list(SurveyRateWindow.objects.values_list("count", flat=True)) == [1, 1]
    services.survey_rate_exceeded(survey=other, limit=2, now=later + datetime.timedelta(minutes=5))
    assert list(SurveyRateWindow.objects.values_list("survey_id", flat=True)) == [other.pk]


def test_result_headers_stand_over_their_right_aligned_counts(world, client_for):
    """The counts are right-aligned; their column headers must be too, or a
    count reads as belonging to the next column (17 answers under Average)."""
    import re

    survey = open_survey(world, minimum=5)
    for _i in range(6):
        services.survey_answer(survey=survey, answers=_answers(survey, 3))
    html = client_for("coordinator").get(reverse("quality:survey_detail", args=[survey.pk]))
    tables = re.findall(r'<table[^>]*data-table="question".*?</table>', html.content.decode(), re.S)
    assert tables
    for table in tables:
        heads = re.findall(r'<th scope="col" class="([^"]*)">([^<]*)</th>', table)
        cells = re.findall(r'<td class="([^"]*)"', table)
        assert len(heads) == len(cells) >= 3
        assert "Summe" in [text for _c, text in heads]
        for (head, text), cell in zip(heads, cells, strict=True):
            assert "kern-table__cell--numeric" in cell
            assert "kern-table__header--numeric" in head, text


def test_pupils_are_addressed_with_du_throughout(world):
    """The pupils' questions say du; the hint, the error and the thank-you
    page must not switch to Sie (staff keep Sie)."""
    pupils = open_survey(world, audience="pupils")
    staff = open_survey(world, audience="staff")
    pupil_url = reverse("quality:survey_answer", args=[pupils.token])
    html = Client().get(pupil_url).content.decode()
    assert "Wir wollen wissen, wie du" in html
    assert "wer du bist" in html and "wer Sie sind" not in html
    data = answer_form(pupils)
    first = pupils.question_set.questions.exclude(kind="text").first()
    incomplete = {k: v for k, v in data.items() if k != f"q{first.pk}"}
    refused = Client().post(pupil_url, incomplete).content.decode()
    assert "Bitte beantworte jede Frage." in refused
    thanks = Client().post(pupil_url, data).content.decode()
    assert "Vielen Dank für deine Antworten" in thanks and "Ihre" not in thanks
    staff_html = Client().get(reverse("quality:survey_answer", args=[staff.token])).content.decode()
    assert "wer Sie sind" in staff_html


def test_a_question_added_in_a_blank_row_comes_last(world, client_for):
    """The blank rows offered the position 0, so a question added at the
    bottom of the page went to the top of the questionnaire."""
    client = client_for("coordinator")
    url = reverse("quality:question_set_edit", args=["pupils"])
    page = client.get(url)
    formset = page.context["formset"]
    shown = formset.initial
    blank = [f.initial.get("position", f.fields["position"].initial) for f in formset.extra_forms]
    assert blank == [len(shown) + 1, len(shown) + 2]
    data = {"form-TOTAL_FORMS": str(len(shown) + 2), "form-INITIAL_FORMS": str(len(shown))}
    for i, row in enumerate(shown):
        data.update(
            {
                f"form-{i}-position": str(row["position"]),
                f"form-{i}-text": row["text"],
                f"form-{i}-kind": row["kind"],
            }
        )
    n = len(shown)
    data.update(
        {
            f"form-{n}-position": str(blank[0]),
            f"form-{n}-text": "Ich würde die Schulsozialarbeit weiterempfehlen.",
            f"form-{n}-kind": "scale4",
            f"form-{n + 1}-position": str(blank[1]),
            f"form-{n + 1}-kind": "scale4",
        }
    )
    assert client.post(url, data).status_code == 302
    from schulsozial.quality.models import SurveyQuestionSet

    saved = SurveyQuestionSet.objects.get(municipality=world.town, audience="pupils")
    texts = [q.text for q in saved.questions.all()]
    assert len(texts) == n + 1
    assert texts[-1] == "Ich würde die Schulsozialarbeit weiterempfehlen."


def test_new_survey_form_shows_no_django_dashes(world, client_for):
    services.settings_update(
        municipality=world.town, by=world.users["coordinator"], surveys_enabled=True
    )
    html = client_for("coordinator").get(reverse("quality:survey_list")).content.decode()
    assert "Neue Befragung" in html
    assert "---------" not in html
