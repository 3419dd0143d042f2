"""core.backup without a database: `compare` returns what differs as data,
backup_messages words it (German, or English when English is active), the
errors are gettext too, and docs/operations.md quotes what the commands
print. Each assertion reads the whole sentence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.utils import translation

from schulsozial.core import backup
from schulsozial.core.management import backup_messages as words

A = {"rows": 54, "sha256": "a"}


def test_compare_returns_each_differing_table_as_data():
    expected = {
        "same": {"rows": 3, "sha256": "s"},
        "changed": A,
        "shorter": {"rows": 12345, "sha256": "x"},
        "gone": A,
    }
    actual = {
        "same": {"rows": 3, "sha256": "s"},
        "changed": {"rows": 54, "sha256": "b"},
        "shorter": {"rows": 12344, "sha256": "y"},
        "new": {"rows": 1, "sha256": "n"},
    }
    differences = backup.compare(expected, actual)
    assert [(d.table, d.kind) for d in differences] == [
        ("changed", "checksum"),
        ("gone", "missing"),
        ("new", "unexpected"),
        ("shorter", "rows"),
    ]
    assert differences[1] == backup.TableDifference("gone", A, None)
    assert backup.compare(expected, expected) == []
    assert [str(d) for d in differences] == [
        "Tabelle changed: Prüfsumme weicht ab (gleiche Zeilenzahl 54, anderer Inhalt).",
        "Tabelle gone fehlt in der wiederhergestellten Datenbank.",
        "Tabelle new steht in der wiederhergestellten Datenbank, aber nicht im Manifest.",
        "Tabelle shorter: 12.345 Zeilen im Manifest, 12.344 Zeilen wiederhergestellt.",
    ]
    assert words.not_verified(differences) == (
        "Sicherung NICHT bestätigt: 4 Tabellen weichen ab (changed, gone, new, shorter)."
    )
    with translation.override("en"):
        assert [str(d) for d in differences] == [
            "Table changed: the checksum differs (the same 54 rows, other content).",
            "Table gone is missing from the restored database.",
            "Table new is in the restored database but not in the manifest.",
            "Table shorter: 12,345 rows in the manifest, 12,344 rows restored.",
        ]
        assert words.not_verified(differences[:1]) == (
            "Backup NOT verified: 1 table differs (changed)."
        )


def test_the_result_lines_are_german_or_english():
    assert words.written(
        Path("/b/database.dump"), dump_bytes=1234567, table_count=1, row_count=29000, duration=1.04
    ) == (
        "Sicherung geschrieben: /b/database.dump (1.234.567 Byte), 1 Tabelle, 29.000 Zeilen in 1,0 s."
    )
    assert words.verified(table_count=57, row_count=1, duration=2.06) == (
        "Sicherung bestätigt: 57 Tabellen und 1 Zeile stimmen mit dem Manifest überein (2,1 s)."
    )
    assert words.kept("x") == "Die wiederhergestellte Datenbank bleibt erhalten: x"
    with translation.override("en"):
        assert words.verified(table_count=57, row_count=29000, duration=2.06) == (
            "Backup verified: 57 tables and 29,000 rows match the manifest (2.1 s)."
        )
        assert words.kept("x") == "The restored database is kept: x"


def _error(call, *args, **kwargs) -> str:
    with pytest.raises(backup.BackupError) as failure:
        call(*args, **kwargs)
    return str(failure.value)


def test_errors_are_german_and_english_when_english_is_active(tmp_path):
    oracle = {"ENGINE": "django.db.backends.oracle"}
    assert _error(backup.vendor_of, oracle) == (
        "Die Datenbank django.db.backends.oracle wird nicht unterstützt."
    )
    (tmp_path / backup.MANIFEST).write_text("{no json")
    assert _error(backup.read_manifest, tmp_path).startswith(
        f"{tmp_path / backup.MANIFEST} ist kein gültiges JSON: "
    )
    (tmp_path / backup.MANIFEST).write_text(json.dumps({"format": "other/9"}))
    assert _error(backup.read_manifest, tmp_path) == (
        f"{tmp_path / backup.MANIFEST} hat ein unbekanntes Format: 'other/9'."
    )
    manifest = {"format": backup.FORMAT, "vendor": "sqlite", "dump": "database.sqlite3"}
    (tmp_path / backup.MANIFEST).write_text(json.dumps(manifest))
    assert _error(backup.verify, tmp_path, skip_restore=True) == (
        "--skip-restore braucht --restore-into."
    )
    assert _error(backup.verify, tmp_path) == f"{tmp_path / 'database.sqlite3'} fehlt."
    with translation.override("en"):
        assert _error(backup.vendor_of, oracle) == (
            "The database engine django.db.backends.oracle is not supported."
        )
        assert _error(backup.verify, tmp_path) == f"{tmp_path / 'database.sqlite3'} is missing."
        assert _error(backup.verify, tmp_path / "empty") == (
            f"{tmp_path / 'empty' / backup.MANIFEST} is missing: this is not a backup directory."
        )


def test_a_missing_tool_and_a_failing_tool_are_named():
    assert _error(backup._run, ["schulsozial-no-such-tool"]) == (
        "schulsozial-no-such-tool wurde im PATH nicht gefunden (PostgreSQL-Client installieren)."
    )
    assert _error(backup._run, ["sh", "-c", "echo broken >&2; exit 3"]) == (
        "sh ist fehlgeschlagen (Exit-Status 3): broken"
    )
    with translation.override("en"):
        assert _error(backup._run, ["sh", "-c", "exit 2"]) == "sh failed (exit status 2): "


def test_operations_docs_quote_what_the_commands_print():
    text = " ".join(
        (Path(__file__).resolve().parents[3] / "docs" / "operations.md").read_text().split()
    )
    school = backup.TableDifference("masterdata_school", A, {"rows": 54, "sha256": "b"})
    topics = backup.TableDifference("activities_activity_topics", {"rows": 812}, {"rows": 811})
    for line in (
        words.verified(table_count=57, row_count=29000, duration=2.1),
        words.table_problem(school),
        words.table_problem(topics),
        words.not_verified([school]),
        words.written(
            Path("/backup/schulsozial-2026-12-07/database.dump"),
            dump_bytes=1234567,
            table_count=57,
            row_count=29000,
            duration=1.0,
        ),
    ):
        assert line in text, line
    assert "/ backup verified" not in text
