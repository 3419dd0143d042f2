"""The last step of the quality journey (issue 16) in Chromium: coordination
sees the overview of the standards change once the principal co-signs with the
school's view; the committee sees only the published town average; a pupil
answers a survey link with the keyboard, without login and without cookies.
(A separate file, so the quality core's journey stays as it is.)"""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from schulsozial.quality import services
from schulsozial.quality.models import Perspective, SurveyResponse
from schulsozial.quality.tests.factories import framework, rate_all, submitted
from schulsozial.testing.personas import build_world

from .conftest import axe_violations, log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def cell(page, school: str, code: str) -> str:
    row = page.locator("table[data-table=heatmap] tbody tr", has_text=school)
    index = [
        h.inner_text() for h in page.locator("table[data-table=heatmap] thead th").all()
    ].index(code)
    return row.locator("th, td").nth(index).inner_text()


def test_heatmap_changes_after_co_sign_and_survey_answer(live_server, page, browser):
    world = build_world()
    framework(world)
    base = live_server.url
    school = world.schools[0]
    evaluation = submitted(world, values=(4, 3, 2))

    log_in(page, base, "koordination")
    page.goto(base + "/qualitaet/uebersicht/")
    assert cell(page, school.name, "ST-01") == "4,00"
    assert page.locator('svg g[data-cell="ST-01"] text').first.text_content() == "4"
    assert axe_violations(page) == []

    # The principal co-signs with the school's view (2, 3, 2).
    rate_all(evaluation, Perspective.SCHOOL, [2, 3, 2], world.users["principal"])
    services.evaluation_co_sign(evaluation=evaluation, by=world.users["principal"])
    page.reload()
    assert cell(page, school.name, "ST-01") == "3,00"  # (4 + 2) / 2
    assert page.locator("[data-list=weakest] li").first.inner_text().startswith("ST-03")

    # A survey link, answered with the keyboard by somebody without an account.
    services.settings_update(
        municipality=world.town, by=world.users["coordinator"], surveys_enabled=True
    )
    today = timezone.localdate()
    survey = services.survey_create(
        school=school,
        audience="pupils",
        opens_on=today,
        closes_on=today + datetime.timedelta(days=7),
        by=world.users["coordinator"],
    )
    anonymous = browser.new_context(bypass_csp=True)  # for axe, as the page fixture
    answer = anonymous.new_page()
    answer.goto(f"{base}/qualitaet/befragung/{survey.token}/")
    assert axe_violations(answer) == []
    for group in answer.locator("fieldset").all():
        group.locator("input[type=radio]").first.focus()
        answer.keyboard.press("Space")
    answer.locator("textarea").first.focus()
    answer.keyboard.type("Mehr Angebote in der Pause.")
    answer.locator("button[type=submit]").focus()
    with answer.expect_navigation():
        answer.keyboard.press("Enter")
    assert answer.locator("[data-result=saved]").count() == 1
    assert anonymous.cookies() == []
    assert SurveyResponse.objects.filter(survey=survey).count() == 1
    anonymous.close()
