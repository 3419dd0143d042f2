"""Demo concepts for Herne and Kamen, written for this project (demo data).

Herne: version 1 adopted, version 2 in consultation with comments and
answers, ideas from the kick-off, school concepts in every state. Kamen:
version 1 (2019) superseded by version 2, so that one school concept shows
"framework changed". The texts follow the cornerstones of the council papers
in shared/seeds in our own words.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import ngettext

from schulsozial.accounts.models import Role, User
from schulsozial.core.actors import SYSTEM
from schulsozial.masterdata.models import School, SchoolYear
from schulsozial.masterdata.selectors import current_school_year

from . import services
from .models import (
    ConceptStep,
    Idea,
    LinkedConcept,
    SchoolConcept,
    Standard,
    YearlyGoal,
    add_years,
)

SECTION_TEXTS = {
    "leitbild": (
        "Schulsozialarbeit in {town} versteht sich als Angebot der Jugendhilfe am Lernort "
        "Schule. Sie stärkt junge Menschen darin, ihren Bildungsweg selbstbestimmt zu gehen, "
        "und wirkt Benachteiligungen entgegen, bevor sie sich verfestigen.\n\n"
        "- **Freiwilligkeit**: Schülerinnen und Schüler entscheiden selbst, ob sie ein Angebot "
        "annehmen.\n- **Vertraulichkeit**: Was in der Beratung besprochen wird, bleibt dort.\n"
        "- **Parteilichkeit**: Die Fachkräfte stehen an der Seite der jungen Menschen."
    ),
    "goals": (
        "Die Schulsozialarbeit verfolgt drei Ziele:\n\n"
        "1. Kinder und Jugendliche in schwierigen Lebenslagen früh erreichen.\n"
        "2. Das Zusammenleben in der Schule verbessern (Konflikte, Mobbing, Klassenklima).\n"
        "3. Übergänge gestalten: in die weiterführende Schule, in Ausbildung und Beruf."
    ),
    "target_groups": (
        "Die Angebote richten sich an alle Schülerinnen und Schüler einer Schule, an ihre "
        "Eltern und Sorgeberechtigten sowie an Lehrkräfte und weitere pädagogische Fachkräfte. "
        "Besonders in den Blick genommen werden junge Menschen, deren Teilhabe gefährdet ist."
    ),
    "tasks": (
        "Zum Kernangebot gehören Einzelberatung, Gruppenangebote zum sozialen Lernen, "
        "Klassenprojekte, offene Sprechzeiten, Krisenintervention und die Unterstützung bei "
        "Anträgen auf Leistungen für Bildung und Teilhabe. Die Gewichtung legt jede Schule in "
        "ihrem schuleigenen Konzept fest."
    ),
    "standards": (
        "Die Standards unten gelten trägerübergreifend für alle Fachkräfte. Als *verbindlich* "
        "gekennzeichnete Standards beschreibt jede Schule in ihrem schuleigenen Konzept."
    ),
    "cooperation": (
        "Schulsozialarbeit arbeitet eng mit Schulleitung und Kollegium zusammen und ist in die "
        "Netzwerke der Jugendhilfe im Sozialraum eingebunden: Allgemeiner Sozialer Dienst, "
        "Beratungsstellen, Schulpsychologie, Jugendfreizeiteinrichtungen und die "
        "Koordinierungsstelle Übergang Schule–Beruf."
    ),
    "quality": (
        "Qualität wird gemeinsam entwickelt: jährliche Selbstevaluation je Schule anhand der "
        "Standards, ein Qualitätsdialog zwischen Schule, Träger und Koordination sowie "
        "regelmäßige Fachtage für alle Fachkräfte unabhängig vom Anstellungsträger."
    ),
    "data_protection": (
        "Die Fachkräfte unterliegen der Schweigepflicht. Für Planung und Berichte werden "
        "ausschließlich anonymisierte Daten verwendet; Namen von Schülerinnen, Schülern oder "
        "Eltern werden auf der Plattform nicht gespeichert."
    ),
    "resources": (
        "Die Stellenanteile werden nach nachvollziehbaren Kriterien verteilt: Schülerzahl, "
        "Sozialindex der Schule, Teilnahme am Startchancen-Programm und ein Sockel für jede "
        "Schule. Die Verteilung wird jährlich überprüft und dem Ausschuss berichtet."
    ),
    "review": (
        "Die Koordination überprüft das Konzept regelmäßig auf Aktualität und "
        "Bedarfsgerechtigkeit und legt dem Ausschuss spätestens zum Überprüfungsdatum eine "
        "Fortschreibung vor."
    ),
}

STANDARDS = [
    (
        "ST-01",
        "Verlässliche Erreichbarkeit",
        Standard.Dimension.STRUCTURE,
        True,
        "Die Fachkraft ist an festen, bekannten Tagen in der Schule ansprechbar.",
        "Sprechzeiten sind ausgehängt\nEin eigener Beratungsraum steht zur Verfügung",
    ),
    (
        "ST-02",
        "Vertrauliche Beratung",
        Standard.Dimension.PROCESS,
        True,
        "Beratung findet in einem geschützten Rahmen statt; Informationen werden nur mit "
        "Einverständnis weitergegeben.",
        "Schweigepflicht ist im Kollegium bekannt\nEinwilligungen werden dokumentiert",
    ),
    (
        "ST-03",
        "Kooperationsvereinbarung mit der Schule",
        Standard.Dimension.STRUCTURE,
        True,
        "Schule, Träger und Fachkraft halten Aufgaben und Ansprechpersonen schriftlich fest.",
        "Vereinbarung liegt vor und ist höchstens zwei Jahre alt",
    ),
    (
        "ST-04",
        "Verfahren im Kinderschutz",
        Standard.Dimension.PROCESS,
        True,
        "Bei Anhaltspunkten für eine Kindeswohlgefährdung gilt das abgestimmte Verfahren mit "
        "dem Jugendamt.",
        "Insoweit erfahrene Fachkraft ist benannt\nAblauf ist schriftlich festgelegt",
    ),
    (
        "ST-05",
        "Jährlicher Sachbericht",
        Standard.Dimension.RESULT,
        False,
        "Die Fachkraft berichtet jährlich über Angebote, Reichweite und Entwicklungen.",
        "Bericht liegt bis 30. September vor",
    ),
]


def _framework(municipality: Any, title: str, town: str) -> Any:
    version = services.framework_create(
        municipality=municipality, title=title, by=SYSTEM, is_demo=True
    )
    for section in version.sections.all():
        services.framework_section_update(
            section=section,
            expected_version=section.lock_version,
            by=SYSTEM,
            text=SECTION_TEXTS[section.key].format(town=town),
        )
    for code, title_, dimension, binding, description, indicators in STANDARDS:
        services.standard_add(
            version=version,
            by=SYSTEM,
            code=code,
            title=title_,
            dimension=dimension,
            binding=binding,
            description=description,
            indicators=indicators,
        )
    return version


def _adopt(version: Any, *, body: str, day: datetime.date, paper: str) -> Any:
    services.framework_open_consultation(
        version=version,
        opens=day - datetime.timedelta(days=60),
        closes=day - datetime.timedelta(days=21),
        roles=[Role.CARRIER, Role.PRINCIPAL, Role.WORKER],
        by=SYSTEM,
    )
    return services.framework_adopt(
        version=version, decision_body=body, decision_date=day, paper_number=paper, by=SYSTEM
    )


def _user(username: str) -> User | None:
    return User.objects.filter(username=username).first()


def _fill(concept: SchoolConcept, school: School, *, complete: bool = True) -> None:
    sections = list(concept.sections.all())
    for i, section in enumerate(sections):
        if not complete and i % 2:
            continue
        services.school_section_update(
            section=section,
            text=f"{section.title} an der {school.name}: Die Schule setzt die Vorgaben des "
            "Rahmenkonzepts mit eigenen Schwerpunkten um (Demo-Text).",
            expected_version=section.lock_version,
            by=SYSTEM,
        )
    for i, entry in enumerate(concept.implementations.all()):
        if not complete and i % 2 == 0:
            continue
        deviation = entry.standard_code == "ST-01" and school.pk % 5 == 0
        services.implementation_update(
            entry=entry,
            text="Umsetzung an dieser Schule: feste Ansprechzeiten, Absprachen mit der "
            "Schulleitung, Dokumentation im Team (Demo-Text).",
            deviation=deviation,
            deviation_reason="Die Fachkraft teilt sich auf zwei Standorte auf; Sprechzeiten "
            "nur an zwei Tagen."
            if deviation
            else "",
            expected_version=entry.lock_version,
            by=SYSTEM,
        )


def _run(concept: SchoolConcept, steps: list[str]) -> SchoolConcept:
    for action in steps:
        concept = services.school_concept_transition(
            concept=concept,
            action=action,
            by=SYSTEM,
            comment="Bitte Abschnitt zur Kooperation konkretisieren."
            if action == "request_changes"
            else "",
        )
    return concept


STATE_STEPS = {
    "draft": [],
    "submitted": ["submit"],
    "approved": ["submit", "approve_principal", "approve_carrier"],
    "acknowledged": ["submit", "approve_carrier", "approve_principal", "acknowledge"],
    "changes_requested": ["submit", "request_changes"],
}


def _school_concepts(municipality: Any, plan: list[str], *, skip: set[int]) -> list[SchoolConcept]:
    schools = (
        School.objects.filter(municipality=municipality, assignments__isnull=False)
        .exclude(pk__in=skip)
        .distinct()
        .order_by("school_number")
    )
    concepts = []
    for school, state in zip(schools, plan, strict=False):
        concept = services.school_concept_create(school=school, by=SYSTEM, is_demo=True)
        _fill(concept, school, complete=state != "draft")
        concepts.append(_run(concept, STATE_STEPS[state]))
    return concepts


def _goals(school: School, year: SchoolYear) -> None:
    plan = [
        (
            "Klassenrat in allen Eingangsklassen einführen",
            "Einführung gemeinsam mit den Klassenleitungen; Material aus dem Netzwerk",
            YearlyGoal.Responsible.WORKER,
            YearlyGoal.Review.PARTLY,
            "In vier von sechs Klassen eingeführt; Fortsetzung im nächsten Jahr.",
        ),
        (
            "Elternsprechstunde im Familiencafé anbieten",
            "Monatlicher Termin, Ankündigung über die Klassenpflegschaften",
            YearlyGoal.Responsible.WORKER,
            YearlyGoal.Review.ACHIEVED,
            "Zehn Termine, gut angenommen.",
        ),
        (
            "Übergang in Klasse 5 begleiten",
            "Kennenlerntage mit den abgebenden Grundschulen",
            YearlyGoal.Responsible.PRINCIPAL,
            YearlyGoal.Review.OPEN,
            "",
        ),
    ]
    # Goals are reviewed at the end of their year: the reviewed ones belong
    # to the year before, the open one to the current year.
    previous = SchoolYear.objects.filter(start__lt=year.start).order_by("-start").first()
    for goal, measures, responsible, review, comment in plan:
        reviewed = review != YearlyGoal.Review.OPEN and previous is not None
        created = services.yearly_goal_create(
            school=school,
            by=SYSTEM,
            school_year=previous if reviewed and previous else year,
            goal=goal,
            measures=measures,
            responsible=responsible,
        )
        if reviewed:
            services.yearly_goal_review(
                goal=created, review=review, review_comment=comment, by=SYSTEM
            )


def _linked(municipality: Any, town: str) -> list[LinkedConcept]:
    plan = [
        (
            LinkedConcept.Kind.TRUANCY,
            f"Handlungsleitfaden Schulabsentismus {town}",
            "Fachbereich Kinder, Jugend und Familie – ASD",
            "Abgestimmte Schritte von Schule, Schulsozialarbeit und Jugendamt bei "
            "wiederholtem Fehlen.",
        ),
        (
            LinkedConcept.Kind.LEARNING_SUPPORT,
            "Lernförderung im Bildungs- und Teilhabepaket",
            "BuT-Servicestelle",
            "Antragsweg und Zusammenarbeit bei außerschulischer Lernförderung.",
        ),
        (
            LinkedConcept.Kind.KAOA,
            "Kein Abschluss ohne Anschluss (KAoA)",
            "Kommunale Koordinierungsstelle Übergang Schule–Beruf",
            "Standardelemente der Berufsorientierung ab Klasse 8.",
        ),
        (
            LinkedConcept.Kind.CHILD_PROTECTION,
            "Vereinbarung nach § 8a SGB VIII mit den Trägern",
            "Jugendamt – Kinderschutz",
            "Verfahren und Ansprechpersonen bei Anhaltspunkten für eine Gefährdung.",
        ),
    ]
    return [
        services.linked_concept_create(
            municipality=municipality,
            by=SYSTEM,
            kind=kind,
            title=title,
            owner=owner,
            url="https://example.org/demo/" + kind,
            description=description,
        )
        for kind, title, owner, description in plan
    ]


def build_concepts_demo(*, herne: Any, kamen: Any, stdout: Any = None) -> None:
    today = timezone.localdate()
    year = current_school_year(today)

    # ------------------------------------------------------------------ Herne
    linked = _linked(herne, "Herne")
    v1 = _framework(herne, "Gesamtkonzept Schulsozialarbeit Herne", "Herne")
    v1.sections.get(key="cooperation").linked_concepts.set(linked)
    v1 = _adopt(
        v1,
        body="Ausschuss für Kinder, Jugend und Familie",
        day=today - datetime.timedelta(days=400),
        paper="2025/0137 (Demo)",
    )
    worker = _user("herne.fachkraft")
    worker_school = (
        School.objects.filter(pk__in=worker.role_assignments.values("school")).first()
        if worker
        else None
    )
    plan = (
        ["acknowledged"] * 5
        + ["approved"] * 2
        + ["submitted"] * 2
        + ["changes_requested"]
        + ["draft"] * 2
    )
    concepts = _school_concepts(herne, plan, skip={worker_school.pk} if worker_school else set())
    # One concept has a one-year review interval and its review is overdue.
    # Its whole history moves back: acknowledged one year before the review
    # fell due (after version 1 was adopted), not today.
    overdue = concepts[0]
    due = today - datetime.timedelta(days=30)
    shift = today - add_years(due, -1)
    SchoolConcept.objects.filter(pk=overdue.pk).update(
        review_interval_years=1,
        review_due=due,
        acknowledged_at=F("acknowledged_at") - shift,
        principal_approved_at=F("principal_approved_at") - shift,
        carrier_approved_at=F("carrier_approved_at") - shift,
    )
    ConceptStep.objects.filter(concept=overdue).update(at=F("at") - shift)
    if year is None:  # the master data demo builds the school years around today
        raise RuntimeError("The concepts demo needs a school year covering today.")
    if worker_school is not None:
        draft = services.school_concept_create(school=worker_school, by=worker, is_demo=True)
        _fill(draft, worker_school, complete=False)
        _goals(worker_school, year)
    for concept in concepts[:3]:
        _goals(concept.school, year)

    v2 = services.framework_new_version(
        previous=v1, by=SYSTEM, title="Gesamtkonzept Schulsozialarbeit Herne – Fortschreibung"
    )
    leitbild = v2.sections.get(key="leitbild")
    services.framework_section_update(
        section=leitbild,
        expected_version=leitbild.lock_version,
        by=SYSTEM,
        text=leitbild.text + "\n\n- **Beteiligung**: Kinder und Jugendliche gestalten die "
        "Angebote mit.",
    )
    services.standard_add(
        version=v2,
        by=SYSTEM,
        code="ST-06",
        title="Beteiligung von Schülerinnen und Schülern",
        dimension=Standard.Dimension.PROCESS,
        binding=True,
        description="Angebote werden mit den jungen Menschen geplant und ausgewertet.",
        indicators="Mindestens eine Rückmelderunde je Schuljahr",
    )
    coordination = _user("herne.koordination")
    services.framework_open_consultation(
        version=v2,
        opens=today - datetime.timedelta(days=10),
        closes=today + datetime.timedelta(days=21),
        roles=[Role.CARRIER, Role.PRINCIPAL, Role.WORKER],
        by=coordination or SYSTEM,
    )
    comments = [
        (
            "herne.traeger",
            "goals",
            "Die Ziele sollten messbar formuliert werden, sonst ist der "
            "Sachbericht schwer vergleichbar.",
            "accepted",
            "Wir ergänzen je Ziel einen Indikator.",
        ),
        (
            "herne.schulleitung",
            "resources",
            "Der Sockel je Schule ist für kleine Grundschulen zu niedrig.",
            "partly",
            "Der Sockel bleibt; kleine Schulen können sich einen Stellenanteil teilen.",
        ),
        (
            "herne.fachkraft",
            "tasks",
            "Bitte die Krisenintervention ausdrücklich als Aufgabe nennen.",
            "",
            "",
        ),
        (
            "herne.traeger",
            "data_protection",
            "Die Aufbewahrungsfristen fehlen.",
            "rejected",
            "Die Fristen regelt die Dienstanweisung des Trägers; das Konzept verweist darauf.",
        ),
    ]
    for username, key, text, answer, reason in comments:
        author = _user(username)
        if author is None:
            continue
        comment = services.comment_create(
            version=v2, section=v2.sections.get(key=key), text=text, by=author
        )
        if answer:
            services.comment_answer(
                comment=comment, answer=answer, reason=reason, by=coordination or SYSTEM
            )
    ideas = [
        (
            "herne.fachkraft",
            Idea.Cornerstone.STANDARDS,
            "Gemeinsame Vorlage für die Dokumentation aller Träger",
        ),
        (
            "herne.schulleitung",
            Idea.Cornerstone.PARTICIPATION,
            "Schulleitungen früher an der Verteilung beteiligen",
        ),
        ("herne.traeger", Idea.Cornerstone.QUALITY, "Trägerübergreifende Fachtage zweimal im Jahr"),
        (
            "herne.koordination",
            Idea.Cornerstone.LINKED,
            "Verbindung zum Konzept Schulabsentismus klarer darstellen",
        ),
        ("herne.fachkraft", Idea.Cornerstone.NETWORK, "Feste Ansprechperson im ASD je Stadtbezirk"),
    ]
    for username, cornerstone, text in ideas:
        author = _user(username)
        if author is not None:
            services.idea_create(municipality=herne, text=text, cornerstone=cornerstone, by=author)

    # ------------------------------------------------------------------ Kamen
    _linked(kamen, "Kamen")
    k1 = _framework(kamen, "Rahmenkonzept zur Schulsozialarbeit in Kamen", "Kamen")
    k1 = _adopt(k1, body="Jugendhilfeausschuss", day=datetime.date(2019, 9, 24), paper="095/2019")
    kamen_concepts = _school_concepts(kamen, ["acknowledged"], skip=set())
    k2 = services.framework_new_version(previous=k1, by=SYSTEM)
    st = k2.standards.get(code="ST-03")
    services.standard_update(
        standard=st,
        expected_version=st.lock_version,
        by=SYSTEM,
        description=st.description + " Die Vereinbarung nennt auch die Vertretung bei Abwesenheit.",
    )
    k2 = _adopt(
        k2,
        body="Jugendhilfeausschuss",
        day=today - datetime.timedelta(days=200),
        paper="041/2025 (Demo)",
    )
    _school_concepts(
        kamen, ["acknowledged", "submitted", "draft"], skip={c.school_id for c in kamen_concepts}
    )
    if stdout is not None:
        count = SchoolConcept.objects.filter(school__municipality__in=[herne, kamen]).count()
        stdout.write(
            ngettext(
                "Concepts: %(count)s school concept, framework versions for Herne and Kamen",
                "Concepts: %(count)s school concepts, framework versions for Herne and Kamen",
                count,
            )
            % {"count": count}
        )
