"""Demo data of the council papers (called by demo/builder.py after the concepts' demo).

- Herne 2015/0159 "Gesamtkonzept Schulsozialarbeit in Herne 2015", from the
  seed (the council information system's page): a Berichtsvorlage heard by three
  committees, each of which took note ("zur Kenntnis genommen"). It is linked to
  Herne's first framework version: the version's page shows it as taken note of,
  not as an adoption.
- Kamen 095/2019 "Rahmenkonzept zur Schulsozialarbeit in Kamen", from the seed:
  the Beschlussvorlage whose decision the concepts demo recorded (Jugendhilfe-
  ausschuss, Entscheidung, beschlossen); here it gets its type, its proposed
  resolution and its statement of facts.
- Herne's distribution paper of the adopted scenario (a demo reference), with a
  preliminary deliberation and the decision of the Ausschuss für Kinder, Jugend
  und Familie, linked to the scenario.
"""

from __future__ import annotations

import datetime
from typing import Any

from schulsozial.allocation.models import Scenario
from schulsozial.concepts.models import FrameworkVersion
from schulsozial.core.actors import SYSTEM

from . import services
from .models import Paper

C = services.ConsultationData

HERNE_SACHVERHALT = """\
Im März 2011 konnten, finanziert durch das Bildungs- und Teilhabepaket (BuT), zusätzliche \
Stellen für Schulsozialarbeit in Herne eingerichtet werden. Die Schulsozialarbeiterinnen und \
Schulsozialarbeiter leisten eine unverzichtbare Arbeit. Sie wirken der Bildungsarmut und \
sozialer Exklusion entgegen und sorgen mit einem vielfältigen Angebot für mehr \
Chancengleichheit und gesellschaftliche Integration.

Mit der Zusage der Landesregierung zur finanziellen Unterstützung der Schulsozialarbeit ab dem \
01.01.2015, ist die Absicherung der Schulsozialarbeit in Herne bis Ende 2017 gewährleistet. \
Inklusive des kommunalen Eigenanteils stehen in Herne somit für die nächsten drei Jahre jeweils \
912.313,90 € für die Sicherung der Schulsozialarbeit zur Verfügung.

Mit den neuen Finanzmitteln soll nicht nur die Weiterführung und der Ausbau der \
BuT-Schulsozialarbeit gesichert werden, sondern insbesondere auch eine qualitative \
Weiterentwicklung der gesamten Schulsozialarbeit in Herne. Im Auftrag des Lenkungskreises des \
Regionalen Bildungsnetzwerkes Herne wurde in Kooperation mit der Schulaufsicht in Arnsberg eine \
Steuergruppe eingerichtet, welche die Konzeptentwicklung unterstützt und begleitet. Das Konzept \
wird von einer Projektgruppe erarbeitet, deren Mitglieder von der Steuergruppe ernannt wurden \
und verschiedener Professionen und Trägerschaften der Herner Bildungs- und Schullandschaft sowie \
der Jugendhilfe angehören. Der Zeitplan sieht vor, dass mit Beginn des neuen Schuljahres im \
August 2015 das Konzept in Herne umgesetzt werden soll.

Der gesamte Prozess ist durch eine hohe Transparenz und ein abgestimmtes Beteiligungsverfahren \
gekennzeichnet. In einer Auftaktveranstaltung am 13.03.2015 werden alle beteiligten Akteure \
(Schulen, Schulsozialarbeiter/innen, Jugendhilfe, Träger der Schulsozialarbeit) über das \
Vorhaben informiert. Zudem erhalten diese die Gelegenheit eigene Ideen, Vorschläge und \
Erwartungen zu formulieren, die in die Projektgruppe getragen werden.

Folgende Eckpfeiler wurden für das Gesamtkonzept Schulsozialarbeit in Herne 2015 beschlossen:

- Gemeinsame Standards für alle Schulsozialarbeiter, unabhängig vom Träger
- Gemeinsames Qualitätsmanagement
- Kommunale Vernetzung mit bestehenden Strukturen der Jugendhilfe u.a.
- Querverbindung zu bestehenden Konzepten: Schulabsentismus, Lernförderung, KAoA, etc.
- Entwicklung von Kriterien zur Verteilung von schulsozialarbeiterischen Ressourcen
- Entwicklung eines Leitbildes der Schulsozialarbeit
- Entwicklung konkreter Vorgaben, um die Inhalte des Gesamtkonzepts in ein schuleigenes \
Konzept zu übernehmen"""

HERNE_STEPS = [
    C("Ausschuss für Kinder, Jugend und Familie", datetime.date(2015, 3, 25), "hearing",
      "des Ausschusses für Kinder, Jugend und Familie zur Kenntnis genommen"),
    C("Integrationsrat", datetime.date(2015, 5, 6), "hearing",
      "des Integrationsrates zur Kenntnis genommen"),
    C("Schulausschuss", datetime.date(2015, 5, 13), "hearing",
      "des Schulausschusses zur Kenntnis genommen"),
]  # fmt: skip

KAMEN_BESCHLUSSVORSCHLAG = (
    "Das Rahmenkonzept zur Schulsozialarbeit in Kamen in der vorgelegten Fassung wird "
    "beschlossen. Die Verwaltung wird mit der Umsetzung des Konzepts (insbesondere im Bereich "
    "der bei der Stadt Kamen als Anstellungsträger angesiedelten Schulsozialarbeit) sowie mit "
    "der regelmäßigen Überprüfung des Konzepts auf seine Aktualität und Bedarfsgerechtigkeit "
    "beauftragt."
)

KAMEN_SACHVERHALT = """\
Der Jugendhilfeausschuss hat in der Sitzung am 26.06.2018 das Kommunale Präventionskonzept \
„Gemeinsam stark!“ beschlossen. Darin enthalten ist der Auftrag zur Weiterentwicklung der \
Schulsozialarbeit in der Stadt Kamen. In der Sitzung am 24. Juni 2019 wurde der \
Jugendhilfeausschuss über den aktuellen Arbeitsstand informiert.

Das nun vorliegende Rahmenkonzept zur Schulsozialarbeit in Kamen wurde auf der Grundlage von \
Gesprächen mit den Schulleitungen der Kamener Schulen sowie den dort tätigen \
Schulsozialarbeiter(inne)n entwickelt. Einen weiteren Orientierungsrahmen bilden die Leitlinien \
für Schulsozialarbeit des auf Bundesebene agierenden Kooperationsverbundes Schulsozialarbeit. \
Der Entwurf für das Rahmenkonzept wurde den Schulleitungen und Schulsozialarbeiter(inne)n im \
Vorfeld zur Verfügung gestellt und anschließend gemeinsam diskutiert.

Nun liegt ein Konzept vor, das trägerübergreifend einen Rahmen zur Gestaltung von \
Schulsozialarbeit in Kamener Schulen schafft, das allen Beteiligten Orientierung ermöglicht und \
gleichzeitig individuelle Handlungsfreiheiten sichert. Es soll Strukturen schaffen, Kontinuität \
und Verbindlichkeit fördern und die Transparenz an der Schnittstelle der Systeme Jugendhilfe und \
Schule erhöhen. Mittelfristig soll die zeitliche Entfristung der Schulsozialarbeit in Kamen \
erreicht werden."""


def build_demo(*, herne: Any, kamen: Any, stdout: Any = None) -> None:
    herne_paper, _state = services.paper_upsert(
        municipality_id=herne.pk,
        data={
            "reference": "2015/0159",
            "title": "Gesamtkonzept Schulsozialarbeit in Herne 2015",
            "paper_type": "Berichtsvorlage",
            "status": Paper.Status.PUBLIC,
            "lead_department": "FB 42 - Kinder-Jugend-Familie",
            "author": "Nikolai Ammann",
            "date": datetime.date(2015, 3, 10),
            "sachverhalt": HERNE_SACHVERHALT,
            "is_demo": True,
        },
        consultations=HERNE_STEPS,
        by=SYSTEM,
    )
    first = FrameworkVersion.objects.filter(municipality=herne).order_by("number").first()
    if first is not None:
        services.paper_link(paper=herne_paper, framework_version=first, by=SYSTEM)

    kamen_paper = Paper.objects.filter(municipality=kamen, reference="095/2019").first()
    if kamen_paper is not None:
        services.paper_update(
            paper=kamen_paper,
            data={
                "title": "Rahmenkonzept zur Schulsozialarbeit in Kamen",
                "paper_type": "Beschlussvorlage",
                "lead_department": "Fachbereich Jugend, Schule und Sport",
                "beschlussvorschlag": KAMEN_BESCHLUSSVORSCHLAG,
                "sachverhalt": KAMEN_SACHVERHALT,
            },
            by=SYSTEM,
        )

    scenario = (
        Scenario.objects.filter(municipality=herne, status=Scenario.Status.ADOPTED)
        .select_related("school_year")
        .first()
    )
    if scenario is not None:
        decided = scenario.decision_date or scenario.school_year.start - datetime.timedelta(days=45)
        reference = scenario.decision_reference or "2026/0815 (Demo)"
        distribution, _state = services.paper_upsert(
            municipality_id=herne.pk,
            data={
                "reference": reference,
                "title": "Verteilung der Stellen für Schulsozialarbeit im Schuljahr "
                f"{scenario.school_year.code}",
                "paper_type": "Beschlussvorlage",
                "status": Paper.Status.PUBLIC,
                "lead_department": "FB 42 - Kinder-Jugend-Familie",
                "date": decided - datetime.timedelta(days=28),
                "beschlussvorschlag": "Die Stellen für Schulsozialarbeit werden im Schuljahr "
                f"{scenario.school_year.code} nach dem als Anlage beigefügten Szenario "
                f"„{scenario.name}“ auf die Schulen verteilt.",
                "sachverhalt": "Die Verteilung folgt den im Gesamtkonzept beschlossenen "
                "Kriterien: ein Sockel je Schule, der Rest nach Schülerzahl, gewichtet mit dem "
                "Sozialindex, mit einem Zuschlag für Startchancen-Schulen (Demo-Text).",
                "is_demo": True,
            },
            consultations=[
                C(
                    "Schulausschuss",
                    decided - datetime.timedelta(days=14),
                    "preliminary",
                    "einstimmig empfohlen",
                ),
                C(
                    "Ausschuss für Kinder, Jugend und Familie",
                    decided,
                    "decision",
                    "einstimmig beschlossen",
                ),
            ],
            by=SYSTEM,
        )
        services.paper_link(paper=distribution, scenario=scenario, by=SYSTEM)
