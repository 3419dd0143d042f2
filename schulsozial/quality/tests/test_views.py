"""The quality pages: scoping per role, the cycle table against the records,
outcome figures under the viewer's disclosure rules, audit of reads, the PDF
minutes, the exports, German text."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from schulsozial.activities.tests.factories import doc_world, entry
from schulsozial.concepts.models import YearlyGoal
from schulsozial.core.models import AuditEntry
from schulsozial.quality import selectors, services
from schulsozial.quality.models import Perspective, SelfEvaluation
from schulsozial.quality.services import ChangeInput, ParticipantInput

from .factories import co_signed, framework, rate_all, started, submitted

pytestmark = pytest.mark.django_db
ST = SelfEvaluation.Status


def page(client, url):
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_home_lists_only_visible_evaluations(world, client_for):
    framework(world)
    own = started(world, 0)
    other = started(world, 2)
    expected = {
        "coordinator": {own.pk, other.pk},
        "carrier": {own.pk, other.pk},  # carrier A serves schools 0, 1 and 2
        "worker": {own.pk},
        "worker2": {other.pk},
        "principal": {own.pk},
    }
    for persona, ids in expected.items():
        html = page(client_for(persona), reverse("quality:home"))
        shown = {e.pk for e in SelfEvaluation.objects.all() if f'data-evaluation="{e.pk}"' in html}
        assert shown == ids, persona
    for persona in ("committee", "admin"):
        assert client_for(persona).get(reverse("quality:home")).status_code == 403


def test_other_municipality_never_sees_the_evaluation(world, client_for):
    from schulsozial.accounts.models import Role
    from schulsozial.testing.personas import make_user

    evaluation = started(world)
    foreign = make_user("fremd", Role.COORDINATION, municipality=world.other_town)
    client = client_for("anonymous")
    client.force_login(foreign)
    url = reverse("quality:evaluation_detail", args=[evaluation.pk])
    assert client.get(url).status_code == 404
    assert selectors.evaluations_visible_to(user=foreign).count() == 0


def test_worker_starts_and_rates_through_the_pages(world, client_for):
    framework(world)
    client = client_for("worker")
    html = page(client, reverse("quality:home"))
    assert "Selbstevaluation von Testschule 0 beginnen" in html
    response = client.post(reverse("quality:evaluation_start", args=[world.schools[0].pk]))
    evaluation = SelfEvaluation.objects.get(school=world.schools[0])
    edit = reverse("quality:evaluation_edit", args=[evaluation.pk, "worker"])
    assert response["Location"] == edit
    form = page(client, edit)
    # Accessible: each standard and its rating scale are fieldsets with legends.
    assert form.count("<fieldset") >= 6 and "<legend" in form
    assert "Strukturqualität" in form and "Ergebnisqualität" in form
    assert "nicht zutreffend" in form
    standards = list(evaluation.framework_version.standards.all())
    data = {"then": "detail"}
    for s in standards:
        data[f"s{s.pk}-value"] = "na" if s.code == "ST-03" else "3"
    response = client.post(edit, data)
    # The reason is missing: an error summary, nothing saved.
    assert response.status_code == 200
    body = response.content.decode()
    assert 'data-error-summary="true"' in body and "ST-03" in body
    assert not evaluation.ratings.exists()
    data[f"s{standards[2].pk}-reason"] = "Kein Sachbericht vorgesehen"
    response = client.post(edit, data)
    assert response.status_code == 302
    rating = evaluation.ratings.get(standard=standards[2])
    assert rating.not_applicable and rating.value is None
    client.post(reverse("quality:evaluation_submit", args=[evaluation.pk]))
    evaluation.refresh_from_db()
    assert evaluation.status == ST.SUBMITTED


def test_side_by_side_page_marks_differences(world, client_for):
    evaluation = co_signed(world)  # worker 4,3,2; school 2,3,2
    html = page(client_for("carrier"), reverse("quality:evaluation_detail", args=[evaluation.pk]))
    assert 'data-standard="ST-01" data-differs="true"' in html
    assert 'data-standard="ST-02" data-differs="true"' not in html
    assert "(weicht ab)" in html
    assert "1 Standard ist zwei oder mehr Stufen unterschiedlich bewertet." in html
    # The carrier may still add its view.
    assert 'data-action="edit-carrier"' in html and 'data-action="carrier-submit"' in html


def test_reading_an_evaluation_is_audited(world, client_for):
    evaluation = submitted(world)
    before = AuditEntry.objects.filter(action="read").count()
    client_for("principal").get(reverse("quality:evaluation_detail", args=[evaluation.pk]))
    entry_ = AuditEntry.objects.filter(action="read").order_by("-pk").first()
    assert AuditEntry.objects.filter(action="read").count() == before + 1
    assert entry_.object_type == "quality.selfevaluation"
    assert entry_.object_id == str(evaluation.pk)
    assert entry_.actor == world.users["principal"]
    assert entry_.municipality_id == world.town.pk


def test_principal_co_signs_on_the_page(world, client_for):
    evaluation = submitted(world)
    client = client_for("principal")
    detail = reverse("quality:evaluation_detail", args=[evaluation.pk])
    html = page(client, detail)
    assert 'data-action="edit-school"' in html and 'data-action="co-sign"' in html
    assert 'data-school-open="3"' in html
    assert "Vor der Mitzeichnung bewerten Sie bitte die Sicht der Schule: 3 Standards" in html
    response = client.post(reverse("quality:evaluation_co_sign", args=[evaluation.pk]))
    evaluation.refresh_from_db()
    assert evaluation.status == ST.SUBMITTED  # the school's view is missing
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Bewerten Sie zuerst jeden Standard" in m for m in messages)
    rate_all(evaluation, Perspective.SCHOOL, [3, 3, 3], world.users["principal"])
    client.post(reverse("quality:evaluation_co_sign", args=[evaluation.pk]), {"summary": "Passt."})
    evaluation.refresh_from_db()
    assert evaluation.status == ST.CO_SIGNED
    assert "mitgezeichnet am" in page(client, detail)


def test_closing_review_page_creates_goals(world, client_for):
    evaluation = co_signed(world)
    client = client_for("worker")
    url = reverse("quality:closing_review", args=[evaluation.pk])
    html = page(client, url)
    assert html.count('data-change="') == 3  # the default of at most three changes
    response = client.post(
        url,
        {
            "strengths": "Erreichbarkeit",
            "weaknesses": "Elternarbeit",
            "c1-goal": "Elternsprechstunde",
            "c1-measures": "monatlich",
            "c1-responsible": "worker",
            "c2-responsible": "worker",
            "c3-responsible": "worker",
        },
    )
    assert response.status_code == 302
    goal = YearlyGoal.objects.get(goal="Elternsprechstunde")
    assert goal.school == world.schools[0]
    assert goal.school_year.start.year == world.year.start.year + 1


def _cycle_world(world):
    """Records for the cycle table: school 0 closed with a dialogue, school 2
    submitted, schools 1 and 3 nothing; a reviewed goal of this year at school 2."""
    evaluation = co_signed(world)
    services.closing_review_create(
        evaluation=evaluation,
        strengths="",
        weaknesses="",
        changes=[ChangeInput(goal="Ziel", measures="Maßnahme", responsible="worker")],
        by=world.users["worker"],
    )
    services.dialogue_create(
        school=world.schools[0],
        school_year=world.year,
        date=world.year.start,
        participants=[ParticipantInput(role="worker")],
        evaluation=evaluation,
        by=world.users["coordinator"],
    )
    other = started(world, 2)
    rate_all(other, Perspective.WORKER, [2, 2, 2], world.users["worker2"])
    services.evaluation_submit(evaluation=other, by=world.users["worker2"])
    YearlyGoal.objects.create(
        school=world.schools[2],
        school_year=world.year,
        goal="G",
        measures="M",
        responsible="worker",
        review=YearlyGoal.Review.ACHIEVED,
        review_comment="ok",
    )
    YearlyGoal.objects.create(
        school=world.schools[1],
        school_year=world.year,
        goal="offen",
        measures="M",
        responsible="worker",
    )


def test_cycle_table_equals_the_records(world, client_for):
    _cycle_world(world)
    rows = {
        r.school.pk: r
        for r in selectors.cycle_table(user=world.users["coordinator"], school_year=world.year)
    }
    assert set(rows) == {s.pk for s in world.schools}
    # Each step recomputed from the records.
    for school in world.schools:
        evaluation = SelfEvaluation.objects.filter(school=school, school_year=world.year).first()
        status = evaluation.status if evaluation else None
        goals = YearlyGoal.objects.filter(school=school, school_year=world.year)
        expected = {
            "submitted": status in ("submitted", "co_signed", "closed"),
            "co_signed": status in ("co_signed", "closed"),
            "dialogue": school.quality_dialogues.filter(school_year=world.year).exists(),
            "goals_set": YearlyGoal.objects.filter(
                school=school, school_year__start__gt=world.year.start
            ).exists(),
            "goals_reviewed": goals.exists() and not goals.filter(review="open").exists(),
            "concept_current": False,
        }
        assert rows[school.pk].steps == expected, school.name
    assert rows[world.schools[0].pk].done == 4
    totals = selectors.cycle_totals(list(rows.values()))
    assert totals == {
        "submitted": 2,
        "co_signed": 1,
        "dialogue": 1,
        "goals_set": 1,
        "goals_reviewed": 1,
        "concept_current": 0,
    }
    html = page(client_for("coordinator"), reverse("quality:cycle"))
    assert 'data-total="submitted">2<' in html and 'data-total="dialogue">1<' in html
    row0 = html.split(f'data-school="{world.schools[0].school_number}"')[1].split("</tr>")[0]
    assert row0.count('data-done="yes"') == 4


def test_cycle_table_filters_and_carrier_scope(world, client_for):
    _cycle_world(world)
    carrier_b = selectors.cycle_table(
        user=world.users["coordinator"], school_year=world.year, carrier_id=world.other_carrier.pk
    )
    assert [r.school for r in carrier_b] == [world.schools[2]]
    gs = selectors.cycle_table(
        user=world.users["coordinator"], school_year=world.year, school_type="GS"
    )
    assert {r.school for r in gs} == {world.schools[0], world.schools[1]}
    mine = selectors.cycle_table(user=world.users["carrier"], school_year=world.year)
    assert {r.school for r in mine} == set(world.schools[:3])  # carrier A's schools
    html = page(client_for("carrier"), reverse("quality:cycle") + f"?carrier={world.carrier.pk}")
    assert world.schools[3].school_number not in html


def test_cycle_export_csv_equals_the_table_and_is_audited(world, client_for):
    _cycle_world(world)
    response = client_for("coordinator").get(reverse("quality:cycle_export", args=["csv"]))
    assert response.status_code == 200
    assert "qm-zyklus" in response["Content-Disposition"]
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert rows[0][:4] == ["Schulnummer", "Schule", "Schulform", "Selbstevaluation eingereicht"]
    by_number = {r[0]: r for r in rows[1:]}
    assert by_number[world.schools[0].school_number][3:] == ["ja", "ja", "ja", "ja", "nein", "nein"]
    assert AuditEntry.objects.filter(action="export", object_type="QM-Zyklus").exists()
    xlsx = client_for("carrier").get(reverse("quality:cycle_export", args=["xlsx"]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"


def test_outcome_figures_follow_the_viewers_disclosure(world, client_for):
    doc_world(world)  # one record of the worker at school 0 (topic bullying)
    from schulsozial.activities import services as activity_services
    from schulsozial.activities.tests.factories import activity_input

    truancy = entry(world.town, "topic", "truancy")
    for _ in range(6):
        activity_services.activity_record(
            data=activity_input(world.town, world.schools[0], topics=(truancy,)),
            by=world.users["worker"],
        )
    evaluation = submitted(world)
    coordination = selectors.outcome_figures(user=world.users["coordinator"], evaluation=evaluation)
    principal = selectors.outcome_figures(user=world.users["principal"], evaluation=evaluation)
    assert not coordination.protected and principal.protected
    coord_topics = dict(coordination.topics)
    assert coord_topics[truancy.label] == 6
    bullying = entry(world.town, "topic", "bullying").label
    assert coord_topics[bullying] == 1
    # Protected for the principal: the single bullying record is withheld, never 1.
    principal_topics = dict(principal.topics)
    assert principal_topics.get(bullying) in (None,) and principal_topics.get(bullying, 0) != 1
    # The same figures the statistics page gives that viewer.
    from schulsozial.statistics.selectors import Filters, scopes_for, statistics_report

    scope = next(s for s in scopes_for(user=world.users["principal"]) if s.kind == "principal")
    report = statistics_report(
        scope=scope,
        filters=Filters(school_year=world.year.start.year, school_id=world.schools[0].pk),
    )
    assert principal.topics == [(r.label, r.values[0]) for r in report.section("topic").rows]
    html = page(client_for("principal"), reverse("quality:evaluation_detail", args=[evaluation.pk]))
    assert 'data-figures="true"' in html and "zurückgehalten" in html


def test_dialogue_pages_and_pdf_minutes(world, client_for):
    from pypdf import PdfReader

    evaluation = co_signed(world)
    goal = YearlyGoal.objects.create(
        school=world.schools[0],
        school_year=world.year,
        goal="Klassenrat <einführen> & üben",
        measures="M",
        responsible="worker",
    )
    client = client_for("coordinator")
    url = reverse("quality:dialogue_create") + f"?school={world.schools[0].pk}"
    html = page(client, url)
    assert "nie Schülerinnen, Schüler oder Eltern" in html.replace("Nie", "nie")
    response = client.post(
        url,
        {
            "school_id": world.schools[0].pk,
            "date": world.year.start.isoformat(),
            "evaluation": evaluation.pk,
            "agreements": "Halbjährlich <b>treffen</b> & berichten",
            "follow_up_goals": [goal.pk],
            "p1-role": "worker",
            "p1-name": "A. Fachkraft",
            "p1-count": "1",
            "p2-role": "partner",
            "p2-institution": "ASD",
            "p2-count": "2",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    dialogue = world.schools[0].quality_dialogues.get()
    detail = page(client, reverse("quality:dialogue_detail", args=[dialogue.pk]))
    assert "Halbjährlich &lt;b&gt;treffen&lt;/b&gt; &amp; berichten" in detail
    pdf = client.get(reverse("quality:dialogue_pdf", args=[dialogue.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert "Protokoll des Qualitätsdialogs" in text
    assert "Halbjährlich <b>treffen</b> & berichten" in text
    assert "Klassenrat <einführen> & üben" in text
    assert "A. Fachkraft" in text and "ASD" in text
    # A partner carries no name.
    bad = client.post(
        url,
        {
            "school_id": world.schools[0].pk,
            "date": world.year.start.isoformat(),
            "p1-role": "partner",
            "p1-name": "Frau X",
            "p1-count": "1",
        },
    )
    assert bad.status_code == 200 and "nur für Fachpersonal" in bad.content.decode()


def test_tasks_show_overdue_steps_to_whoever_must_act(world):
    from schulsozial.quality.worklist import quality_tasks

    evaluation = submitted(world)
    today = world.year.start
    kinds = {
        p: [t.kind for t in quality_tasks(world.users[p], today)]
        for p in ("worker", "principal", "carrier", "coordinator", "worker2")
    }
    assert "co_sign_self_evaluation" in kinds["principal"]
    assert "carrier_view_self_evaluation" in kinds["carrier"]
    assert "co_sign_self_evaluation" not in kinds["worker"]
    assert "submit_self_evaluation" not in kinds["worker"]  # already submitted
    assert "start_self_evaluation" in kinds["worker2"]  # school 2 has none yet
    rate_all(evaluation, Perspective.SCHOOL, [3, 3, 3], world.users["principal"])
    services.evaluation_co_sign(evaluation=evaluation, by=world.users["principal"])
    assert "co_sign_self_evaluation" not in [
        t.kind for t in quality_tasks(world.users["principal"], today)
    ]
    assert "closing_review" in [t.kind for t in quality_tasks(world.users["worker"], today)]
    assert "quality_dialogue" in [t.kind for t in quality_tasks(world.users["coordinator"], today)]
    from schulsozial.notifications.registry import task_providers

    assert quality_tasks in task_providers()


def test_settings_page_saves_for_coordination(world, client_for):
    client = client_for("coordinator")
    url = reverse("quality:settings")
    assert "Stufen der Bewertungsskala" in page(client, url)
    response = client.post(
        url,
        {
            "scale_steps": 5,
            "scale_labels": "",
            "want_school_perspective": "on",
            "max_changes": 2,
            "submit_due_month": 6,
            "submit_due_day": 30,
            "cosign_days": 14,
            "survey_min_answers": 10,
        },
    )
    assert response.status_code == 302
    config = selectors.settings_of(world.town.pk)
    assert (config.scale_steps, config.max_changes, config.want_carrier_perspective) == (
        5,
        2,
        False,
    )
    evaluation = started(world)
    assert evaluation.scale_steps == 5
    assert set(evaluation.perspectives.values_list("perspective", flat=True)) == {
        "worker",
        "school",
    }


def test_submission_deadline_in_the_workers_calendar(world):
    from schulsozial.notifications.registry import deadline_providers
    from schulsozial.quality.worklist import quality_deadlines, submit_due

    evaluation = started(world)
    found = list(quality_deadlines(world.users["worker"], world.year.start))
    assert [d.key for d in found] == [f"self_evaluation_submit:{evaluation.pk}"]
    # The default submission date: 31 May of the school year.
    assert found[0].date == submit_due(evaluation, world.year)
    assert (found[0].date.month, found[0].date.day) == (5, 31)
    assert found[0].date.year == world.year.end.year
    assert list(quality_deadlines(world.users["principal"], world.year.start)) == []
    assert quality_deadlines in deadline_providers()


def test_a_carrier_s_cycle_filter_offers_its_own_carrier_only(world, client_for):
    """A school served by two carriers must not show the other carrier's name
    to a carrier's manager in the filter of the cycle table."""
    from decimal import Decimal

    from schulsozial.core.actors import SYSTEM
    from schulsozial.masterdata import services as masterdata

    other = masterdata.carrier_create(
        by=SYSTEM, municipality=world.town, name="Fremdträger", kind="welfare"
    )
    staff = masterdata.staff_create(
        municipality=world.town,
        by=SYSTEM,
        carrier=other,
        label="Fremd 1",
        contract_start=world.year.start,
        qualification="sw_ba",
        weekly_hours=Decimal("19.5"),
    )
    position = masterdata.position_create(
        municipality=world.town,
        by=SYSTEM,
        code="F-1",
        carrier=other,
        funding_stream=world.stream,
        fte=Decimal("0.5"),
        staff_member=staff,
        valid_from=world.year.start,
    )
    masterdata.assignment_set(
        position=position, school=world.schools[0], weekly_hours=Decimal("19.5"), by=SYSTEM
    )
    url = reverse("quality:cycle")
    assert "Fremdträger" not in client_for("carrier").get(url).content.decode()
    assert "Fremdträger" in client_for("coordinator").get(url).content.decode()


def test_closing_review_does_not_call_the_measures_optional(world, client_for):
    """Every chosen change needs its measures: the first change's field is
    marked as required, the others say when they are needed, and a goal
    without measures gets one message, not two."""
    import re

    evaluation = co_signed(world)
    client = client_for("worker")
    url = reverse("quality:closing_review", args=[evaluation.pk])
    html = page(client, url)
    label = re.search(r'<label[^>]*for="id_c1-measures"[^>]*>(.*?)</label>', html, re.S)
    assert label and "Maßnahmen" in label.group(1) and "optional" not in label.group(1)
    later = html.split('data-change="2"', 1)[1].split("</fieldset>", 1)[0]
    assert "Nötig, sobald Sie ein Ziel eintragen." in later
    response = client.post(
        url,
        {
            "c1-goal": "Elternsprechstunde",
            "c1-responsible": "worker",
            "c2-goal": "Klassenrat",
            "c2-responsible": "worker",
            "c3-responsible": "worker",
        },
    )
    text = response.content.decode()
    assert response.status_code == 200
    first = text.split('data-change="1"', 1)[1].split("</fieldset>", 1)[0]
    second = text.split('data-change="2"', 1)[1].split("</fieldset>", 1)[0]
    assert first.count('class="kern-error"') == 1 and second.count('class="kern-error"') == 1
    assert "Bitte nennen Sie die Maßnahmen." in second
    assert not YearlyGoal.objects.filter(goal="Elternsprechstunde").exists()


def test_withheld_topics_are_not_reported_as_no_activities(world, client_for):
    """Under disclosure control the statistics withhold the topic table for a
    single school; the figures box said "no activities documented" although
    the reach figures above it counted them."""
    doc_world(world)
    from schulsozial.activities import services as activity_services
    from schulsozial.activities.tests.factories import activity_input

    truancy = entry(world.town, "topic", "truancy")
    for _ in range(6):
        activity_services.activity_record(
            data=activity_input(world.town, world.schools[0], topics=(truancy,)),
            by=world.users["worker"],
        )
    # another school of the carrier with records: the school filter now
    # selects part of the carrier's table, so the topics are withheld
    from schulsozial.accounts.models import Role
    from schulsozial.core.actors import SYSTEM
    from schulsozial.masterdata import services as masterdata_services
    from schulsozial.testing.personas import make_user

    colleague = make_user("fachkraft3", Role.WORKER, school=world.schools[2])
    masterdata_services.staff_update(staff=world.staff[1], user=colleague, by=SYSTEM)
    for _ in range(6):
        activity_services.activity_record(
            data=activity_input(world.town, world.schools[2], topics=(truancy,)), by=colleague
        )
    evaluation = submitted(world)
    figures = selectors.outcome_figures(user=world.users["carrier"], evaluation=evaluation)
    assert figures is not None and figures.protected
    assert figures.topics == [] and figures.topics_withheld
    html = page(client_for("carrier"), reverse("quality:evaluation_detail", args=[evaluation.pk]))
    box = html.split('data-figures="true"', 1)[1].split("</aside>", 1)[0]
    assert "Für dieses Schuljahr sind keine Tätigkeiten dokumentiert." not in box
    assert "werden die Tätigkeiten nach Thema für eine einzelne Schule nicht gezeigt" in box


def test_dialogue_minutes_pdf_describes_itself_in_german(world, client_for):
    """The document properties showed Autor (anonymous) and Thema
    (unspecified), ReportLab's defaults, and no language for screen readers."""
    import datetime

    from pypdf import PdfReader

    framework(world)
    dialogue = services.dialogue_create(
        school=world.schools[0],
        school_year=world.year,
        date=datetime.date(2026, 6, 17),
        participants=[ParticipantInput(role="worker")],
        by=world.users["worker"],
    )
    pdf = client_for("worker").get(reverse("quality:dialogue_pdf", args=[dialogue.pk]))
    reader = PdfReader(io.BytesIO(pdf.content))
    meta = reader.metadata
    assert meta.author == "schulsozial"
    assert meta.subject == "Protokoll des Qualitätsdialogs"
    assert meta.title.startswith("Protokoll des Qualitätsdialogs Testschule 0")
    assert "(unspecified)" not in (meta.creator or "") + (meta.subject or "")
    assert reader.trailer["/Root"].get("/Lang") == "de-DE"


def test_submit_step_says_how_many_standards_are_still_open(world, client_for):
    """The submit button was offered without a word that standards were still
    unrated; pressing it only then told the worker. The step now says how many
    are open and links to the form (as the co-sign step does), for the
    workers and for the carrier."""
    evaluation = started(world)
    url = reverse("quality:evaluation_detail", args=[evaluation.pk])
    html = page(client_for("worker"), url)
    steps = html.split('id="steps-head"', 1)[1].split("</section>", 1)[0]
    assert (
        "Vor dem Einreichen bewerten Sie bitte jeden Standard: 3 Standards sind noch offen."
        in steps
    )
    edit = reverse("quality:evaluation_edit", args=[evaluation.pk, "worker"])
    assert f'href="{edit}"' in steps
    rate_all(evaluation, Perspective.WORKER, [4, 3, 2], world.users["worker"])
    steps = page(client_for("worker"), url).split('id="steps-head"', 1)[1].split("</section>", 1)[0]
    assert "noch offen" not in steps
    services.evaluation_submit(evaluation=evaluation, by=world.users["worker"])
    steps = (
        page(client_for("carrier"), url).split('id="steps-head"', 1)[1].split("</section>", 1)[0]
    )
    assert "3 Standards sind noch offen." in steps
    assert reverse("quality:evaluation_edit", args=[evaluation.pk, "carrier"]) in steps


def test_side_by_side_scroll_regions_are_named_and_focusable(world, client_for):
    """Each horizontally scrolling comparison table sits in a keyboard-focusable
    region named by the table's own caption (WCAG 2.1.1 and 4.1.2)."""
    import re

    evaluation = co_signed(world)
    html = page(client_for("carrier"), reverse("quality:evaluation_detail", args=[evaluation.pk]))
    wrappers = re.findall(r'<div class="table-scroll"([^>]*)>', html)
    assert wrappers
    for attrs in wrappers:
        assert 'role="region"' in attrs and 'tabindex="0"' in attrs
        label = re.search(r'aria-labelledby="([^"]+)"', attrs).group(1)
        caption = re.search(rf'<caption id="{label}">([^<]+)</caption>', html)
        assert caption and caption.group(1).strip()
