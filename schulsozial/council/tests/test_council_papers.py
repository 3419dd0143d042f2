"""Council papers (issue 14): the decision rule, the services (duplicates,
upsert, Beratungsfolge, attachments, links), the framework adoption with a
paper (taken note vs. decided, an older decision), scoping per role, the
pages (list filters, paste page, form, object pages) and the exports."""

from __future__ import annotations

import datetime
import io
from pathlib import Path

import openpyxl
import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation

from schulsozial.concepts import services as concept_services
from schulsozial.concepts.tests.factories import concept_world
from schulsozial.core.actors import SYSTEM
from schulsozial.core.models import AuditEntry
from schulsozial.council import decision, selectors, services
from schulsozial.council.models import Committee, Paper, PaperLink
from schulsozial.council.tests.factories import DECIDED_STEPS, HERNE_STEPS, paper, pdf_file

C = services.ConsultationData
D = decision.Step
SEEDS = Path("/work/shared/seeds")
HERNE_SEED = SEEDS / "herne_2015_gesamtkonzept_schulsozialarbeit.txt"
KAMEN_SEED = SEEDS / "kamen_2019_rahmenkonzept_schulsozialarbeit.txt"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


# --------------------------------------------------------------------------- decision rule


def test_herne_2015_0159_three_committees_took_note_is_not_a_decision():
    steps = [D(s.role, s.result, s.date, s.committee) for s in HERNE_STEPS]
    result = decision.outcome(steps)
    assert result.kind is decision.Kind.TAKEN_NOTE
    assert not result.decided and result.step is None


@pytest.mark.parametrize(
    ("steps", "kind"),
    [
        ([D("preliminary", "einstimmig beschlossen"), D("decision", "einstimmig beschlossen")],
         decision.Kind.DECIDED),
        ([D("decision", "ungeändert beschlossen")], decision.Kind.DECIDED),
        ([D("decision", "mehrheitlich beschlossen")], decision.Kind.DECIDED),
        # a committee's recommendation is no decision of the deciding body
        ([D("preliminary", "einstimmig beschlossen")], decision.Kind.PENDING),
        ([D("preliminary", "beschlossen"), D("decision", "")], decision.Kind.PENDING),
        ([D("decision", "vertagt")], decision.Kind.PENDING),
        ([D("decision", "zurückgezogen")], decision.Kind.PENDING),
        ([D("decision", "abgelehnt")], decision.Kind.REJECTED),
        ([D("decision", "nicht beschlossen")], decision.Kind.REJECTED),
        ([D("decision", "vertagt"), D("decision", "geändert beschlossen")], decision.Kind.DECIDED),
        ([D("information", "zur Kenntnis genommen")], decision.Kind.TAKEN_NOTE),
        ([], decision.Kind.PENDING),
    ],
)  # fmt: skip
def test_decision_rule(steps, kind):
    assert decision.outcome(steps).kind is kind


def test_the_deciding_step_is_named_with_its_committee_and_date():
    steps = [
        D("preliminary", "einstimmig beschlossen", datetime.date(2019, 9, 10), "JHA"),
        D("decision", "einstimmig beschlossen", datetime.date(2019, 9, 24), "Rat"),
    ]
    result = decision.outcome(steps)
    assert result.decided and result.step.body == "Rat"
    assert result.date == datetime.date(2019, 9, 24)


# --------------------------------------------------------------------------- services


def test_a_paper_number_is_recorded_once_per_municipality_with_a_german_error(world):
    paper(world.town, "2015/0159")
    with translation.override("de"), pytest.raises(ValidationError) as refused:
        paper(world.town, " 2015 / 0159 ")
    assert refused.value.error_dict["reference"][0].code == "duplicate_reference"
    text = " ".join(refused.value.messages)
    assert "Die Vorlage 2015/0159 ist für diese Kommune schon erfasst" in text
    assert Paper.objects.filter(municipality=world.town).count() == 1
    # another municipality has its own numbers
    paper(world.other_town, "2015/0159")
    other = paper(world.town, "2016/0001")
    with pytest.raises(ValidationError):  # renaming onto a recorded number
        services.paper_update(paper=other, data={"reference": "2015/0159"}, by=SYSTEM)


def test_the_beratungsfolge_keeps_its_order_and_creates_committees_once(world):
    item = paper(world.town)
    steps = [(c.order, c.committee.name, c.date, c.role) for c in item.consultations.all()]
    assert steps == [
        (1, "Ausschuss für Kinder, Jugend und Familie", datetime.date(2015, 3, 25), "hearing"),
        (2, "Integrationsrat", datetime.date(2015, 5, 6), "hearing"),
        (3, "Schulausschuss", datetime.date(2015, 5, 13), "hearing"),
    ]
    services.consultations_set(
        paper=item,
        consultations=[C("schulausschuss", None, "decision", "beschlossen"), C("Rat")],
        by=SYSTEM,
    )
    assert [c.committee.name for c in item.consultations.all()] == ["Schulausschuss", "Rat"]
    names = Committee.objects.filter(municipality=world.town).values_list("name", flat=True)
    assert sorted(names) == sorted(
        ["Ausschuss für Kinder, Jugend und Familie", "Integrationsrat", "Schulausschuss", "Rat"]
    )
    assert selectors.outcome_of(item).decided


def test_upsert_creates_then_leaves_unchanged_then_updates_matching_oparl_id(world):
    data = {
        "reference": "VO/2024/0417",
        "title": "Schulsozialarbeit an Grundschulen",
        "paper_type": "Mitteilungsvorlage",
        "oparl_id": "https://ris.example/oparl/paper/417",
    }
    first, state = services.paper_upsert(
        municipality_id=world.town.pk, data=data, consultations=DECIDED_STEPS, by=SYSTEM
    )
    assert state is services.Upsert.CREATED
    entries = AuditEntry.objects.count()
    again, state = services.paper_upsert(
        municipality_id=world.town.pk, data=data, consultations=DECIDED_STEPS, by=SYSTEM
    )
    assert state is services.Upsert.UNCHANGED and again.pk == first.pk
    assert AuditEntry.objects.count() == entries  # nothing written
    changed, state = services.paper_upsert(
        municipality_id=world.town.pk,
        data={**data, "reference": "VO/2024/0417-1", "title": "Schulsozialarbeit (neu)"},
        by=SYSTEM,
    )
    assert state is services.Upsert.UPDATED and changed.pk == first.pk
    changed.refresh_from_db()
    assert changed.reference == "VO/2024/0417-1" and changed.title == "Schulsozialarbeit (neu)"
    assert changed.consultations.count() == 2  # no consultations given: kept
    # matching by reference when there is no OParl id yet
    handmade = paper(world.town, "2015/0159")
    matched, state = services.paper_upsert(
        municipality_id=world.town.pk,
        data={"reference": "2015/0159", "oparl_id": "https://ris.example/oparl/paper/159"},
        by=SYSTEM,
    )
    assert matched.pk == handmade.pk and state is services.Upsert.UPDATED


def test_only_coordination_of_the_municipality_writes(world):
    for name in ("carrier", "worker", "principal", "committee", "admin"):
        with pytest.raises(PermissionDenied):
            paper(world.town, f"X/{name}", by=world.users[name])
    item = paper(world.town, by=world.users["coordinator"])
    with pytest.raises(PermissionDenied):
        paper(world.other_town, "N/1", by=world.users["coordinator"])
    with pytest.raises(PermissionDenied):
        services.attachment_add(paper=item, file=pdf_file(), by=world.users["committee"])


def test_attachments_are_checked_for_type_size_and_content(world, settings):
    item = paper(world.town)
    saved = services.attachment_add(paper=item, file=pdf_file("Gesamtkonzept.pdf"), by=SYSTEM)
    assert saved.content_type == "application/pdf" and saved.size > 0
    bad = [
        SimpleUploadedFile("programm.exe", b"MZ\x90\x00", content_type="application/pdf"),
        SimpleUploadedFile("getarnt.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"),
        SimpleUploadedFile("leer.pdf", b"", content_type="application/pdf"),
    ]
    for upload in bad:
        with pytest.raises(ValidationError):
            services.attachment_add(paper=item, file=upload, by=SYSTEM)
    big = SimpleUploadedFile("gross.pdf", b"%PDF" + b"0" * 32, content_type="application/pdf")
    big.size = 21 * 1024 * 1024
    with pytest.raises(ValidationError, match="20 MB"):
        services.attachment_add(paper=item, file=big, by=SYSTEM)
    assert item.attachments.count() == 1


def test_a_link_has_exactly_one_target_of_the_same_municipality(world):
    cw = concept_world(world)
    item = paper(world.town)
    with pytest.raises(ValidationError):
        services.paper_link(paper=item, by=SYSTEM)
    with pytest.raises(ValidationError):
        services.paper_link(
            paper=item, framework_version=cw.adopted, school_year=world.year, by=SYSTEM
        )
    foreign = paper(world.other_town, "N/2026/1")
    with pytest.raises(ValidationError):
        services.paper_link(paper=foreign, framework_version=cw.adopted, by=SYSTEM)
    link = services.paper_link(paper=item, framework_version=cw.adopted, by=SYSTEM)
    assert services.paper_link(paper=item, framework_version=cw.adopted, by=SYSTEM) == link
    assert PaperLink.objects.filter(paper=item).count() == 1


# --------------------------------------------------------------------------- framework


def _answer(cw):
    concept_services.comment_answer(
        comment=cw.comment, answer="accepted", reason="Übernommen.", by=SYSTEM
    )


def test_a_paper_that_only_took_note_puts_the_version_in_force_but_not_as_adopted(
    world, client_for
):
    cw = concept_world(world)
    _answer(cw)
    herne = paper(world.town, "2026/0159", steps=[
        C("Ausschuss für Kinder, Jugend und Familie", timezone.localdate(), "hearing",
          "zur Kenntnis genommen"),
        C("Schulausschuss", timezone.localdate(), "hearing", "zur Kenntnis genommen"),
    ])  # fmt: skip
    version = concept_services.framework_adopt(
        version=cw.draft, paper=herne, confirm_open_consultation=True, by=SYSTEM
    )
    version.refresh_from_db()
    assert version.status == "adopted"
    version.forget_council_decision()
    assert not version.council_decided and version.paper_number == "2026/0159"
    page = client_for("coordinator").get(f"/konzepte/framework/{version.pk}/").content.decode()
    assert 'data-decided="false"' in page
    assert "zur Kenntnis genommen, nicht vom Rat beschlossen" in page
    assert "Diese Fassung wurde vom Rat beschlossen" not in page
    assert 'data-paper="2026/0159" data-outcome="taken_note"' in page


def test_a_decided_paper_shows_the_version_as_adopted_by_the_deciding_committee(world, client_for):
    cw = concept_world(world)
    _answer(cw)
    today = timezone.localdate()
    kamen = paper(world.town, "095/2026", steps=[
        C("Jugendhilfeausschuss", today - datetime.timedelta(days=3), "preliminary",
          "einstimmig beschlossen"),
        C("Rat", today, "decision", "einstimmig beschlossen"),
    ])  # fmt: skip
    version = concept_services.framework_adopt(
        version=cw.draft, paper=kamen, confirm_open_consultation=True, by=SYSTEM
    )
    version.forget_council_decision()
    assert version.council_decided and version.decision_body == "Rat"
    assert version.decision_date == today
    page = client_for("committee").get(f"/konzepte/framework/{version.pk}/").content.decode()
    assert 'data-decided="true"' in page and "Rat, " in page


def test_an_older_decision_does_not_supersede_the_version_in_force_without_confirmation(
    world, client_for
):
    cw = concept_world(world)  # version 1 adopted 20 days ago
    _answer(cw)
    old = paper(world.town, "2015/0159", steps=[
        C("Rat", datetime.date(2015, 5, 13), "decision", "beschlossen"),
    ])  # fmt: skip
    with translation.override("de"), pytest.raises(ValidationError) as refused:
        concept_services.framework_adopt(
            version=cw.draft, paper=old, confirm_open_consultation=True, by=SYSTEM
        )
    assert refused.value.code == "older_decision"
    since = (timezone.localdate() - datetime.timedelta(days=20)).strftime("%d.%m.%Y")
    assert f"Fassung 1 gilt seit {since}" in refused.value.messages[0]
    assert "13.05.2015" in refused.value.messages[0]
    cw.adopted.refresh_from_db()
    assert cw.adopted.status == "adopted"
    assert not PaperLink.objects.filter(framework_version=cw.draft).exists()

    client = client_for("coordinator")
    url = f"/konzepte/framework/{cw.draft.pk}/adopt/"
    form = client.get(url).content.decode()
    assert 'data-fact="in-force"' in form and f"Fassung 1 gilt seit {since}" in form
    post = {"paper": old.pk, "confirm_open_consultation": "on"}
    response = client.post(url, post)
    assert response.status_code == 200 and "Fassung 1 gilt seit" in response.content.decode()
    response = client.post(url, {**post, "confirm_older_decision": "on"})
    assert response.status_code == 302
    cw.draft.refresh_from_db()
    cw.adopted.refresh_from_db()
    assert cw.draft.status == "adopted" and cw.adopted.status == "superseded"


def test_the_adoption_refuses_a_recorded_number_and_a_rejected_or_open_paper(world):
    cw = concept_world(world)
    _answer(cw)
    today = timezone.localdate()
    with translation.override("de"), pytest.raises(ValidationError) as refused:
        concept_services.framework_adopt(
            version=cw.draft,
            decision_body="JHA",
            decision_date=today,
            paper_number="001/2026",
            confirm_open_consultation=True,
            by=SYSTEM,
        )  # fmt: skip  (001/2026 is the factories' adoption paper)
    assert "Die Vorlage 001/2026 ist schon erfasst" in " ".join(refused.value.messages)
    rejected = paper(world.town, "R/1", steps=[C("Rat", today, "decision", "abgelehnt")])
    open_paper = paper(world.town, "R/2", steps=[C("Rat", today, "decision", "")])
    for item, code in ((rejected, "paper_rejected"), (open_paper, "paper_pending")):
        with pytest.raises(ValidationError) as refused:
            concept_services.framework_adopt(
                version=cw.draft, paper=item, confirm_open_consultation=True, by=SYSTEM
            )
        assert refused.value.code == code
    cw.draft.refresh_from_db()
    assert cw.draft.status == "consultation"


# --------------------------------------------------------------------------- scoping


def test_readers_see_public_papers_only_coordination_sees_non_public(world, client_for):
    public = paper(world.town, "2015/0159")
    secret = paper(world.town, "N/2026/7", status=Paper.Status.NON_PUBLIC, title="Personalsache")
    foreign = paper(world.other_town, "F/2026/1", title="Nachbarvorlage")
    for name in ("coordinator", "carrier", "worker", "principal", "committee"):
        visible = set(selectors.papers_visible_to(user=world.users[name]))
        expected = {public, secret} if name == "coordinator" else {public}
        assert visible == expected, name
        assert foreign not in visible
    assert not selectors.papers_visible_to(user=world.users["admin"]).exists()
    committee = client_for("committee")
    assert committee.get(f"/ratsvorlagen/{public.pk}/").status_code == 200
    assert committee.get(f"/ratsvorlagen/{secret.pk}/").status_code == 404
    assert client_for("coordinator").get(f"/ratsvorlagen/{foreign.pk}/").status_code == 404
    listing = committee.get("/ratsvorlagen/").content.decode()
    assert "2015/0159" in listing and "N/2026/7" not in listing
    # a non-public paper's page is a sensitive read (audited)
    client_for("coordinator").get(f"/ratsvorlagen/{secret.pk}/")
    assert AuditEntry.objects.filter(action="read", object_id=str(secret.pk)).exists()


def test_attachment_download_is_scoped_like_its_paper(world, client_for):
    public = paper(world.town, "2015/0159")
    secret = paper(world.town, "N/1", status=Paper.Status.NON_PUBLIC)
    a = services.attachment_add(paper=public, file=pdf_file("Konzept.pdf"), by=SYSTEM)
    b = services.attachment_add(paper=secret, file=pdf_file("Intern.pdf"), by=SYSTEM)
    committee = client_for("committee")
    response = committee.get(f"/ratsvorlagen/attachments/{a.pk}/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content).startswith(b"%PDF")
    assert "Konzept.pdf" in response["Content-Disposition"]
    assert committee.get(f"/ratsvorlagen/attachments/{b.pk}/").status_code == 404
    assert client_for("coordinator").get(f"/ratsvorlagen/attachments/{b.pk}/").status_code == 200


# --------------------------------------------------------------------------- pages


def test_the_list_filters_by_committee_year_type_and_linked_object(world, client_for):
    cw = concept_world(world)
    herne = paper(world.town, "2015/0159")
    kamen = paper(world.town, "095/2019", steps=DECIDED_STEPS, title="Rahmenkonzept Kamen")
    services.paper_update(paper=kamen, data={"date": datetime.date(2019, 9, 1)}, by=SYSTEM)
    services.paper_update(paper=herne, data={"date": datetime.date(2015, 3, 10)}, by=SYSTEM)
    services.paper_link(paper=herne, framework_version=cw.adopted, by=SYSTEM)
    client = client_for("coordinator")

    def refs(query: str) -> set[str]:
        body = client.get(f"/ratsvorlagen/?{query}").content.decode()
        return {r for r in ("2015/0159", "095/2019", "001/2026") if f">{r}<" in body}

    integration = Committee.objects.get(municipality=world.town, name="Integrationsrat")
    assert refs(f"committee={integration.pk}") == {"2015/0159"}
    assert refs("year=2019") == {"095/2019"}
    assert refs("linked=framework") == {"2015/0159", "001/2026"}
    assert refs("linked=none") == {"095/2019"}
    assert refs(f"paper_type={kamen.paper_type_id}") == {"2015/0159", "095/2019"}
    assert refs("q=Kamen") == {"095/2019"}
    page = client.get("/ratsvorlagen/").content.decode()
    assert "zur Kenntnis genommen, nicht beschlossen" in page  # Herne's status column
    assert "Vorlage einfügen" in page and "Neue Vorlage" in page
    assert "Vorlage einfügen" not in client_for("committee").get("/ratsvorlagen/").content.decode()


def test_exports_read_back_with_german_headings_and_only_what_the_reader_may_see(world, client_for):
    paper(world.town, "2015/0159")
    paper(world.town, "N/2026/7", status=Paper.Status.NON_PUBLIC, title="Interna")
    response = client_for("committee").get("/ratsvorlagen/?format=xlsx")
    assert response.status_code == 200
    book = openpyxl.load_workbook(io.BytesIO(response.content))
    rows = [list(row) for row in book.active.iter_rows(values_only=True)]
    header_index = next(i for i, r in enumerate(rows) if r and r[0] == "Vorlagennummer")
    header = rows[header_index]
    for heading in ("Betreff", "Vorlagenart", "Beratungsfolge", "Beschlussstand", "Betrifft"):
        assert heading in header
    data = [r for r in rows[header_index + 1 :] if r and r[0]]
    assert [r[0] for r in data] == ["2015/0159"]
    row = dict(zip(header, data[0], strict=False))
    assert row["Beschlussstand"] == "zur Kenntnis genommen, nicht beschlossen"
    assert "Integrationsrat 06.05.2015" in row["Beratungsfolge"]
    csv = client_for("coordinator").get("/ratsvorlagen/?format=csv").content.decode("utf-8-sig")
    assert "N/2026/7" in csv and "2015/0159" in csv
    assert AuditEntry.objects.filter(action="export", object_type="council_papers").exists()


@pytest.mark.skipif(not HERNE_SEED.exists(), reason="seed not available")
def test_paste_page_prefills_the_form_from_the_herne_seed_and_marks_what_is_missing(
    world, client_for
):
    client = client_for("coordinator")
    response = client.post("/ratsvorlagen/paste/", {"text": HERNE_SEED.read_text()})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'value="2015/0159"' in body
    assert 'value="Gesamtkonzept Schulsozialarbeit in Herne 2015"' in body
    assert 'value="FB 42 - Kinder-Jugend-Familie"' in body
    assert 'value="Integrationsrat"' in body and 'value="2015-05-13"' in body
    formset = response.context["formset"]
    assert [f.initial["role"] for f in formset.forms[:3]] == ["hearing"] * 3
    assert response.context["form"].initial["status"] == "public"
    assert "date" in response.context["missing"] and "reference" not in response.context["missing"]
    assert "bitte von Hand ergänzen" in body
    assert not Paper.objects.filter(reference="2015/0159").exists()  # nothing saved yet


def test_the_form_saves_a_paper_with_its_beratungsfolge_and_new_committees(world, client_for):
    client = client_for("coordinator")
    data = {
        "municipality": world.town.pk,
        "reference": "2015/0159",
        "title": "Gesamtkonzept Schulsozialarbeit in Herne 2015",
        "new_paper_type": "Berichtsvorlage",
        "status": "public",
        "lead_department": "FB 42 - Kinder-Jugend-Familie",
        "author": "Nikolai Ammann",
        "steps-TOTAL_FORMS": "4",
        "steps-INITIAL_FORMS": "0",
        "steps-MIN_NUM_FORMS": "0",
        "steps-MAX_NUM_FORMS": "30",
    }
    for i, step in enumerate(HERNE_STEPS):
        data |= {
            f"steps-{i}-committee": step.committee,
            f"steps-{i}-date": step.date.isoformat(),
            f"steps-{i}-role": step.role,
            f"steps-{i}-result": "zur Kenntnis genommen",
        }
    response = client.post("/ratsvorlagen/new/", data)
    assert response.status_code == 302
    saved = Paper.objects.get(municipality=world.town, reference="2015/0159")
    assert saved.paper_type.name == "Berichtsvorlage"
    assert [c.committee.name for c in saved.consultations.all()] == [
        s.committee for s in HERNE_STEPS
    ]
    page = client.get(response["Location"]).content.decode()
    assert 'data-outcome="taken_note"' in page and "Integrationsrat" in page
    # the same number again: a German error on the field, nothing saved
    again = client.post("/ratsvorlagen/new/", data)
    assert again.status_code == 200
    assert "ist für diese Kommune schon erfasst" in again.content.decode()
    assert Paper.objects.filter(municipality=world.town).count() == 1


def test_papers_show_on_the_scenario_and_concept_overview_pages(world, client_for):
    from decimal import Decimal

    from schulsozial.allocation import services as allocation
    from schulsozial.allocation.templates_rules import pupils_only

    scenario = allocation.scenario_create(
        municipality=world.town, school_year=world.year, name="Verteilung Teststadt",
        rules_toml=pupils_only(Decimal("4")), by=SYSTEM,
    )  # fmt: skip
    distribution = paper(world.town, "V/2026/1", steps=DECIDED_STEPS, title="Verteilung 2026/27")
    concepts = paper(world.town, "S/2026/2", title="Bericht Schulkonzepte")
    services.paper_link(paper=distribution, scenario=scenario, by=SYSTEM)
    services.paper_link(paper=concepts, school_year=world.year, by=SYSTEM)
    client = client_for("coordinator")
    page = client.get(f"/verteilung/{scenario.pk}/").content.decode()
    assert 'data-paper="V/2026/1" data-outcome="decided"' in page
    overview = client.get("/konzepte/").content.decode()
    assert 'data-paper="S/2026/2" data-outcome="taken_note"' in overview
    assert "V/2026/1" not in overview


@pytest.mark.skipif(not KAMEN_SEED.exists(), reason="seed not available")
def test_paste_page_prefills_proposal_and_statement_of_facts_from_the_kamen_seed(world, client_for):
    response = client_for("coordinator").post(
        "/ratsvorlagen/paste/", {"text": KAMEN_SEED.read_text()}
    )
    initial = response.context["form"].initial
    assert initial["reference"] == "095/2019"
    assert initial["beschlussvorschlag"].startswith(
        "Das Rahmenkonzept zur Schulsozialarbeit in Kamen in der vorgelegten Fassung wird"
    )
    assert initial["sachverhalt"].startswith("Der Jugendhilfeausschuss hat in der Sitzung")
    assert "consultations" in response.context["missing"]  # Kamen's page has none
    assert "Im eingefügten Text wurde keine Beratungsfolge gefunden" in response.content.decode()


def test_long_texts_never_raise_and_skip_an_empty_tab_heading():
    from schulsozial.council.paste_texts import long_texts

    assert long_texts("") == {"beschlussvorschlag": "", "sachverhalt": ""}
    assert long_texts(None) == {"beschlussvorschlag": "", "sachverhalt": ""}
    text = "Sachverhalt\nAnlage/n\n\nSachverhalt\n\nDer Text.\n\nDer Oberbürgermeister\n"
    assert long_texts(text)["sachverhalt"] == "Der Text."


def test_a_linked_paper_is_not_deleted_and_the_adopting_link_stays(world, client_for):
    cw = concept_world(world)  # version 1 adopted with paper 001/2026
    adopting = PaperLink.objects.get(framework_version=cw.adopted)
    client = client_for("coordinator")
    response = client.post(f"/ratsvorlagen/{adopting.paper_id}/delete/", follow=True)
    assert "ist mit dem verknüpft" in response.content.decode()
    assert Paper.objects.filter(pk=adopting.paper_id).exists()
    response = client.post(f"/ratsvorlagen/links/{adopting.pk}/remove/", follow=True)
    assert "hat Fassung 1 des Rahmenkonzepts in Kraft gesetzt" in response.content.decode()
    assert PaperLink.objects.filter(pk=adopting.pk).exists()
    # a paper linked by mistake is unlinked and then deleted
    wrong = paper(world.town, "2015/0159")
    link = services.paper_link(paper=wrong, framework_version=cw.adopted, by=SYSTEM)
    assert client.post(f"/ratsvorlagen/links/{link.pk}/remove/").status_code == 302
    assert not PaperLink.objects.filter(pk=link.pk).exists()
    assert client.post(f"/ratsvorlagen/{wrong.pk}/delete/").status_code == 302
    assert not Paper.objects.filter(pk=wrong.pk).exists()


def test_the_deciding_step_and_the_decision_status_are_badges_not_running_text(world, client_for):
    from django.urls import reverse

    from schulsozial.council.tests.factories import DECIDED_STEPS

    item = paper(world.town, "2019/0311", steps=DECIDED_STEPS)
    page = client_for("committee").get(reverse("council:paper_detail", args=[item.pk]))
    html = page.content.decode()
    # the deciding consultation is marked with a KERN badge (styled on every page)
    assert (
        'einstimmig beschlossen <span class="kern-badge kern-badge--success kern-badge--small" '
        'data-status="adopted"><span class="kern-label kern-label--small">maßgebliche Beratung'
    ) in html
    assert "state-badge" not in html


def test_the_paper_forms_offer_a_dash_for_no_choice_not_djangos_dashes(world, client_for):
    from django.urls import reverse

    item = paper(world.town)
    client = client_for("coordinator")
    detail = client.get(reverse("council:paper_detail", args=[item.pk])).content.decode()
    edit = client.get(reverse("council:paper_update", args=[item.pk])).content.decode()
    assert "---------" not in detail and "---------" not in edit
    assert '<option value="" selected>–</option>' in detail
