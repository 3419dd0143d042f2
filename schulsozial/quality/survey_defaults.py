"""The shipped default question sets of the anonymous surveys (issue 16), in
plain German. They are data: copied into a municipality's own question set
the first time coordination starts a survey for that audience, then editable
there. Kinds: scale4, scale5, yes_no, text (free text, always optional)."""

from __future__ import annotations

DEFAULT_SETS: dict[str, dict[str, object]] = {
    "staff": {
        "title": "Befragung der Lehrkräfte und des Schulpersonals",
        "intro": (
            "Wir möchten wissen, wie Sie die Schulsozialarbeit an Ihrer Schule erleben. "
            "Die Befragung ist anonym: Wir speichern weder Ihren Namen noch Ihre "
            "Internetadresse. Sie brauchen etwa drei Minuten."
        ),
        "questions": [
            ("Ich weiß, wie ich die Schulsozialarbeit erreiche.", "scale4"),
            ("Die Schulsozialarbeit ist für mich gut ansprechbar.", "scale4"),
            ("Die Zusammenarbeit mit der Schulsozialarbeit ist hilfreich.", "scale4"),
            ("Die Angebote passen zu den Bedürfnissen unserer Schülerinnen und Schüler.", "scale4"),
            (
                "Ich habe im letzten Halbjahr mit der Schulsozialarbeit zusammengearbeitet.",
                "yes_no",
            ),
            ("Was sollte die Schulsozialarbeit beibehalten oder ändern? (freiwillig)", "text"),
        ],
    },
    "pupils": {
        "title": "Befragung der Schülerinnen und Schüler",
        "intro": (
            "Wir wollen wissen, wie du die Schulsozialarbeit findest. Die Befragung ist "
            "anonym: Niemand erfährt, was du angekreuzt hast. Du brauchst nur wenige Minuten."
        ),
        "questions": [
            ("Ich weiß, wer an meiner Schule Schulsozialarbeit macht.", "yes_no"),
            ("Ich weiß, wo ich die Schulsozialarbeit finde.", "scale4"),
            ("Ich würde mit einem Problem zur Schulsozialarbeit gehen.", "scale4"),
            ("Die Schulsozialarbeit hat mir oder meiner Klasse schon geholfen.", "scale4"),
            ("Was wünschst du dir von der Schulsozialarbeit? (freiwillig)", "text"),
        ],
    },
}

# The names of the steps of the scales, shown on the answer page.
SCALE_WORDS = {
    4: ["trifft nicht zu", "trifft eher nicht zu", "trifft eher zu", "trifft zu"],
    5: [
        "trifft gar nicht zu",
        "trifft eher nicht zu",
        "teils, teils",
        "trifft eher zu",
        "trifft voll zu",
    ],
    2: ["nein", "ja"],
}
