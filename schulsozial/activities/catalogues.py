"""Default catalogues (PRODUCT.md §5). Each municipality gets its own copy
and may rename, add or retire entries; codes stay stable for statistics."""

from __future__ import annotations

ACTIVITY_TYPES = [
    ("counselling_pupil", "Einzelberatung Schüler/in"),
    ("counselling_parents", "Elternberatung"),
    ("counselling_staff", "Beratung Lehrkräfte/Schulpersonal"),
    ("group_offer", "Gruppenangebot (soziales Lernen)"),
    ("class_project", "Klassenprojekt / Klassenrat"),
    ("open_offer", "Offenes Angebot"),
    ("crisis", "Krisenintervention"),
    ("child_protection", "Kinderschutzverfahren (§ 8a, nur gezählt)"),
    ("case_conference", "Fallkonferenz"),
    ("home_visit", "Hausbesuch"),
    ("but", "BuT-Beratung / Antragshilfe"),
    ("transition", "Übergangsbegleitung (KAoA)"),
    ("parents_evening", "Elternabend / Informationsveranstaltung"),
    ("network", "Netzwerk- und Gremienarbeit"),
    ("administration", "Verwaltung (nur Zeit)"),
]

TOPICS = [
    ("peer_conflicts", "Konflikte mit Gleichaltrigen"),
    ("bullying", "Mobbing / Cybermobbing"),
    ("family", "Familiäre Probleme"),
    ("truancy", "Schulabsentismus"),
    ("learning", "Lernen und Leistung"),
    ("behaviour", "Verhalten"),
    ("psychological", "Psychische Belastung"),
    ("violence", "Gewalt"),
    ("addiction", "Sucht"),
    ("child_protection", "Kinderschutz"),
    ("school_to_work", "Übergang Schule–Beruf"),
    ("financial", "Finanzielle Hilfen (BuT)"),
    ("migration", "Migration / Sprache"),
    ("relationships", "Beziehungen und Sexualität"),
    ("media", "Mediennutzung"),
]

CONTACT_ORIGINS = [
    ("self", "Schüler/in selbst"),
    ("teacher", "Lehrkraft"),
    ("parents", "Eltern"),
    ("school_leadership", "Schulleitung"),
    ("peers", "Mitschüler/innen"),
    ("outside_agency", "Externe Stelle"),
    ("own_initiative", "Initiative der Fachkraft"),
]

TARGET_GROUPS = [
    ("individual", "Einzelne Schüler/innen"),
    ("group", "Gruppe"),
    ("class", "Klasse"),
    ("parents", "Eltern"),
    ("staff", "Lehrkräfte/Schulpersonal"),
    ("school", "Ganze Schule"),
    ("network", "Netzwerk/Partner"),
]

GRADE_BANDS = [
    ("primary", "Primarstufe (1–4)"),
    ("lower_secondary", "Sekundarstufe I (5–10)"),
    ("upper_secondary", "Sekundarstufe II (11–13)"),
    ("vocational", "Berufskolleg"),
]

GENDERS = [
    ("female", "weiblich"),
    ("male", "männlich"),
    ("diverse", "divers"),
    ("not_stated", "keine Angabe"),
]

PARTNERS = [
    ("asd", "Allgemeiner Sozialer Dienst (Jugendamt)"),
    ("counselling_centre", "Erziehungs- und Familienberatung"),
    ("school_psychology", "Schulpsychologie"),
    ("kaoa", "KAoA-Koordinierung"),
    ("but_office", "BuT-Stelle"),
    ("youth_centre", "Jugendzentrum / Offene Kinder- und Jugendarbeit"),
    ("health_office", "Gesundheitsamt"),
    ("police", "Polizei (Prävention)"),
]

DEFAULTS = {
    "activity_type": ACTIVITY_TYPES,
    "topic": TOPICS,
    "contact_origin": CONTACT_ORIGINS,
    "target_group": TARGET_GROUPS,
    "grade_band": GRADE_BANDS,
    "gender": GENDERS,
    "partner": PARTNERS,
}
