"""The import's summary counts its activities with a plural form (issue 13)."""

from __future__ import annotations

from django.utils import translation

from schulsozial.activities.importing.writing import ActivityImportReport


def test_the_summary_says_one_activity_in_the_singular():
    with translation.override("de"):
        assert (
            ActivityImportReport(None, rows=1, created=1).summary()
            == "1 Tätigkeit gelesen, 1 erfasst."
        )
        assert (
            ActivityImportReport(None, rows=2, created=0).summary()
            == "2 Tätigkeiten gelesen, 0 erfasst."
        )
