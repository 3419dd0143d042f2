"""Synthetic documentation files as social workers keep them in Excel: the
catalogue's labels in varying case and spacing, codes, the file's own names
(mapped once through FILE_MAPPINGS), topics in one cell, counts by gender or
a total, sometimes a grade band, some case codes. Used by the tests and by
bench/bench_activity_import.py."""

from __future__ import annotations

import datetime
import random
from collections.abc import Iterator, Sequence

# The file's own names and the catalogue codes they are mapped to.
FILE_MAPPINGS = {
    "activity_type": {"Beratung": "counselling_pupil", "Elterngespräch": "counselling_parents"},
    "target_group": {"Einzel": "individual", "Klasse komplett": "class"},
    "topic": {"Streit": "peer_conflicts", "Schwänzen": "truancy"},
}

ACTIVITY_TYPES = [
    ("Einzelberatung Schüler/in", "individual", 1),
    ("einzelberatung  schüler/in", "individual", 1),
    ("Beratung", "Einzel", 1),
    ("counselling_pupil", "individual", 1),
    ("Elternberatung", "Eltern", 0),
    ("Elterngespräch", "parents", 0),
    ("Gruppenangebot (soziales Lernen)", "Gruppe", 8),
    ("group_offer", "group", 6),
    ("Klassenprojekt / Klassenrat", "Klasse komplett", 24),
    ("Offenes Angebot", "Ganze Schule", 15),
    ("Krisenintervention", "Einzelne Schüler/innen", 1),
    ("Fallkonferenz", "Lehrkräfte/Schulpersonal", 0),
    ("Hausbesuch", "Eltern", 0),
    ("Netzwerk- und Gremienarbeit", "Netzwerk/Partner", 0),
    ("VERWALTUNG (nur Zeit)", "Ganze Schule", 0),
]
TOPICS = [
    "Mobbing / Cybermobbing",
    "Familiäre Probleme",
    "Streit",
    "Schwänzen",
    "Lernen und Leistung",
    "verhalten",
    "Psychische Belastung",
    "Mediennutzung",
    "migration",
]
ORIGINS = ["", "", "Lehrkraft", "Eltern", "Schüler/in selbst", "teacher"]
PARTNERS = ["", "", "", "Allgemeiner Sozialer Dienst (Jugendamt)", "Schulpsychologie", "asd"]
BANDS = ["", "", "", "Primarstufe (1–4)", "Sekundarstufe I (5–10)", "lower_secondary"]
MINUTES = ["15", "30", "45", "45", "60", "90", "1:30", "120", "20"]


def header(*, staff: bool) -> str:
    return (
        "Datum;Schulnummer;"
        + ("Fachkraft;" if staff else "")
        + "Dauer;Art;Zielgruppe;Themen;Zugang;Partner;Folgetermin;Stufe;"
        "weiblich;männlich;divers;Teilnehmende;Fallcode\n"
    )


def lines(
    count: int,
    *,
    places: Sequence[tuple[str, str]],
    today: datetime.date,
    days: int = 380,
    staff: bool = False,
    seed: int = 1,
) -> Iterator[str]:
    """`count` data lines; `places` are (staff label, school number) pairs."""
    rng = random.Random(seed)
    dates = [today - datetime.timedelta(days=d) for d in range(days)]
    texts = [
        d.strftime("%d.%m.%Y") if d.day % 5 else d.isoformat() for d in dates
    ]  # mostly German, some ISO
    for _n in range(count):
        who, school = places[rng.randrange(len(places))]
        kind, group, people = ACTIVITY_TYPES[rng.randrange(len(ACTIVITY_TYPES))]
        topics = ", ".join(rng.sample(TOPICS, rng.choice((0, 1, 1, 2, 3))))
        female = male = diverse = total = ""
        if people == 1:
            if rng.random() < 0.5:
                female = "1"
            else:
                male = "1"
        elif people:
            if rng.random() < 0.6:
                female, male = str(rng.randint(0, people)), str(rng.randint(0, people))
                diverse = "1" if rng.random() < 0.05 else ""
            else:
                total = str(rng.randint(1, people * 2))
        code = f"K-{rng.randrange(300)}" if people == 1 and rng.random() < 0.4 else ""
        cells = [
            texts[rng.randrange(days)],
            school,
            *([who] if staff else []),
            rng.choice(MINUTES),
            kind,
            group,
            topics,
            rng.choice(ORIGINS),
            rng.choice(PARTNERS),
            "ja" if rng.random() < 0.2 else "",
            rng.choice(BANDS) if people else "",
            female,
            male,
            diverse,
            total,
            code,
        ]
        yield ";".join(cells) + "\n"


def documentation_csv(
    count: int,
    *,
    places: Sequence[tuple[str, str]],
    today: datetime.date,
    staff: bool = False,
    seed: int = 1,
    days: int = 380,
) -> str:
    return header(staff=staff) + "".join(
        lines(count, places=places, today=today, staff=staff, seed=seed, days=days)
    )
