"""manage.py backup and verify_backup (schulsozial.core.backup) on the test
database: a backup restores into a fresh database with every table's row
count and checksum equal, and a restored copy changed by one row, a damaged
dump file or a missing table is reported by name.

On PostgreSQL the tests need pg_dump and pg_restore of the server's major
version on PATH (they are skipped with the reason otherwise); the backup and
the restore run in other processes, so the tests commit their data
(transactional tests)."""

from __future__ import annotations

import datetime
import secrets
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation

from schulsozial.activities.models import Activity
from schulsozial.activities.tests.factories import activity_input, doc_world
from schulsozial.core import backup
from schulsozial.core.management import backup_messages as words
from schulsozial.masterdata.models import School

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def postgres_tools():
    """On PostgreSQL: skip unless pg_dump and pg_restore match the server."""
    if connection.vendor != "postgresql":
        return
    server = backup.server_version(connection)
    for tool in ("pg_dump", "pg_restore"):
        version = backup.tool_version(tool)
        if version is None:
            pytest.skip(f"{tool} is not on PATH")
        if version != server:
            pytest.skip(f"{tool} {version} does not match the PostgreSQL {server} server")


@pytest.fixture
def data(world):
    """The persona world, a recorded activity and rows with awkward values."""
    from schulsozial.activities import services

    docs = doc_world(world)
    services.activity_record(
        data=activity_input(
            world.town,
            world.schools[2],
            case_code="Ä-ß 'quoted' \"x\"",
            minutes=90,
            date=datetime.date.today() - datetime.timedelta(days=3),  # noqa: DTZ011
        ),
        by=world.users["worker2"],
    )
    School.objects.filter(pk=world.schools[2].pk).update(name="Gesamtschule Ümlaut – „Süd“ 🏫")
    return docs


@pytest.fixture
def restore_target(tmp_path):
    """A database URL of a database that does not exist yet; dropped afterwards."""
    created: list[dict] = []

    def make() -> str:
        if connection.vendor == "sqlite":
            return f"sqlite:///{tmp_path / f'restored-{secrets.token_hex(3)}.sqlite3'}"
        s = connection.settings_dict
        name = f"{s['NAME']}_r{secrets.token_hex(3)}"[:63]
        created.append({**s, "NAME": name})
        auth = quote(s["USER"] or "") + (f":{quote(s['PASSWORD'])}" if s["PASSWORD"] else "")
        return f"postgres://{auth}@{s['HOST'] or 'localhost'}:{s['PORT'] or 5432}/{name}"

    yield make
    for settings_dict in created:
        backup.drop_database(settings_dict)


def german(n: int) -> str:
    """A count as German writes it (12.345)."""
    return f"{n:,}".replace(",", ".")


def _restored_checksums(url: str) -> dict:
    settings_dict = backup.target_settings(url, vendor=backup.vendor_of(connection.settings_dict))
    with backup.temporary_connection(settings_dict) as other:
        return backup.checksums(other)


def _execute(url: str, sql: str, params: list | None = None) -> None:
    settings_dict = backup.target_settings(url, vendor=backup.vendor_of(connection.settings_dict))
    with backup.temporary_connection(settings_dict) as other, other.cursor() as cursor:
        cursor.execute(sql, params)


def test_backup_restores_into_a_fresh_database_with_equal_counts_and_checksums(
    postgres_tools, data, tmp_path, restore_target, capsys
):
    out = tmp_path / "backup"
    call_command("backup", out=str(out))
    written = capsys.readouterr().out
    manifest = backup.read_manifest(out)
    total = sum(t["rows"] for t in manifest["tables"].values())
    assert written.startswith(f"Sicherung geschrieben: {out / manifest['dump']} (")
    assert f"({german(manifest['dump_bytes'])} Byte), " in written
    assert f", {len(manifest['tables'])} Tabellen, {german(total)} Zeilen in " in written
    assert written.rstrip().endswith(" s.")
    assert "backup" not in written.replace(str(out), "")  # no English words
    with translation.override("en"):
        call_command("backup", out=str(tmp_path / "english"))
    english = capsys.readouterr().out
    assert english.startswith(f"Backup written: {tmp_path / 'english' / manifest['dump']} (")
    assert f" bytes), {len(manifest['tables'])} tables, " in english
    assert manifest["vendor"] == backup.vendor_of(connection.settings_dict)
    assert (out / manifest["dump"]).stat().st_size == manifest["dump_bytes"] > 0
    assert oct(out.stat().st_mode & 0o777) == "0o700"
    assert oct((out / manifest["dump"]).stat().st_mode & 0o777) == "0o600"

    # Every table of the database: the project's, Django's own and the queue.
    assert set(manifest["tables"]) == set(backup.tables(connection))
    for table in (
        "activities_activity",
        "masterdata_school",
        "accounts_user",
        "core_auditentry",
        "django_migrations",
        "django_content_type",
        "auth_permission",
        "django_session",
    ):
        assert table in manifest["tables"], table
    # The counts are the database's own.
    assert manifest["tables"]["activities_activity"]["rows"] == Activity.objects.count() == 2
    assert manifest["tables"]["masterdata_school"]["rows"] == School.objects.count()
    assert manifest["tables"] == backup.checksums(connection)

    # Restore into a fresh database and compare.
    url = restore_target()
    capsys.readouterr()
    call_command("verify_backup", str(out), restore_into=url)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(
        f"Sicherung bestätigt: {len(manifest['tables'])} Tabellen und {german(total)} Zeilen "
        "stimmen mit dem Manifest überein ("
    )
    assert lines[1].startswith("Die wiederhergestellte Datenbank bleibt erhalten: ")
    assert len(lines) == 2
    restored = _restored_checksums(url)
    assert restored == manifest["tables"]
    assert sum(t["rows"] for t in restored.values()) > 100


def test_verification_names_the_table_a_changed_row_is_in(
    postgres_tools, data, tmp_path, restore_target, capsys
):
    out = tmp_path / "backup"
    call_command("backup", out=str(out))
    url = restore_target()
    call_command("verify_backup", str(out), restore_into=url)
    school = data.world.schools[1]
    # One value in one row of the restored copy changes: same count, other content.
    _execute(url, "UPDATE masterdata_school SET name = 'Testschule X' WHERE id = %s", [school.pk])
    capsys.readouterr()
    with pytest.raises(CommandError) as failure:
        call_command("verify_backup", str(out), restore_into=url, skip_restore=True)
    assert (
        str(failure.value) == "Sicherung NICHT bestätigt: 1 Tabelle weicht ab (masterdata_school)."
    )
    schools = School.objects.count()
    assert capsys.readouterr().err == (
        f"Tabelle masterdata_school: Prüfsumme weicht ab (gleiche Zeilenzahl {schools}, "
        "anderer Inhalt).\n"
    )
    with translation.override("en"), pytest.raises(CommandError) as failure:
        call_command("verify_backup", str(out), restore_into=url, skip_restore=True)
    assert str(failure.value) == "Backup NOT verified: 1 table differs (masterdata_school)."
    assert capsys.readouterr().err == (
        f"Table masterdata_school: the checksum differs (the same {schools} rows, other content).\n"
    )

    # A row removed: the message gives both counts.
    topics = "activities_activity_topics"
    rows = backup.read_manifest(out)["tables"][topics]["rows"]
    assert rows >= 2
    _execute(
        url, "DELETE FROM activities_activity_topics WHERE activity_id = %s", [data.activity.pk]
    )
    result = backup.verify(out, restore_into=url, skip_restore=True)
    assert not result.ok
    assert result.differing_tables == [topics, "masterdata_school"]
    # compare() returns what differs as data; the words are backup_messages'.
    first = result.problems[0]
    assert (first.table, first.kind) == (topics, "rows")
    assert (first.expected["rows"], first.restored["rows"]) == (rows, rows - 1)
    assert result.problems[1].kind == "checksum"
    with pytest.raises(CommandError) as failure:
        call_command("verify_backup", str(out), restore_into=url, skip_restore=True)
    assert str(failure.value) == (
        f"Sicherung NICHT bestätigt: 2 Tabellen weichen ab ({topics}, masterdata_school)."
    )
    err = capsys.readouterr().err.splitlines()
    left = f"{rows - 1} Zeile" if rows == 2 else f"{rows - 1} Zeilen"  # the plural follows
    assert err[0] == f"Tabelle {topics}: {rows} Zeilen im Manifest, {left} wiederhergestellt."


def test_a_damaged_dump_file_is_refused_before_restoring(postgres_tools, data, tmp_path):
    out = tmp_path / "backup"
    call_command("backup", out=str(out))
    dump = out / backup.read_manifest(out)["dump"]
    content = bytearray(dump.read_bytes())
    content[len(content) // 2] ^= 0xFF
    dump.write_bytes(bytes(content))
    with pytest.raises(CommandError) as failure:
        call_command("verify_backup", str(out))
    assert str(failure.value) == (
        f"{dump.name}: Die SHA-256-Prüfsumme der Datei stimmt nicht mit dem Manifest überein, "
        "die Datei ist beschädigt."
    )
    with translation.override("en"), pytest.raises(CommandError) as failure:
        call_command("verify_backup", str(out))
    assert str(failure.value) == (
        f"{dump.name}: the SHA-256 checksum of the file does not match the manifest, "
        "the file is damaged."
    )


def test_a_table_missing_from_the_restored_database_is_named(
    postgres_tools, data, tmp_path, restore_target, capsys
):
    out = tmp_path / "backup"
    call_command("backup", out=str(out))
    url = restore_target()
    call_command("verify_backup", str(out), restore_into=url)
    _execute(url, "DROP TABLE django_session")
    result = backup.verify(out, restore_into=url, skip_restore=True)
    assert result.differing_tables == ["django_session"]
    assert result.problems[0].kind == "missing"
    assert result.problems[0].restored is None
    capsys.readouterr()
    with pytest.raises(CommandError) as failure:
        call_command("verify_backup", str(out), restore_into=url, skip_restore=True)
    assert str(failure.value) == "Sicherung NICHT bestätigt: 1 Tabelle weicht ab (django_session)."
    assert capsys.readouterr().err == (
        "Tabelle django_session fehlt in der wiederhergestellten Datenbank.\n"
    )
    with translation.override("en"):
        assert str(result.problems[0]) == (
            "Table django_session is missing from the restored database."
        )


def test_backup_never_overwrites_a_backup(postgres_tools, data, tmp_path):
    out = tmp_path / "backup"
    call_command("backup", out=str(out))
    manifest = (out / backup.MANIFEST).read_bytes()
    with pytest.raises(CommandError) as failure:
        call_command("backup", out=str(out))
    assert str(failure.value) == (
        f"{out} enthält schon eine Sicherung: Geben Sie ein neues Verzeichnis an."
    )
    with translation.override("en"), pytest.raises(CommandError) as failure:
        call_command("backup", out=str(out))
    assert str(failure.value) == f"{out} already holds a backup: choose a new directory."
    assert (out / backup.MANIFEST).read_bytes() == manifest


def test_verify_refuses_a_directory_without_manifest(tmp_path):
    with pytest.raises(CommandError) as failure:
        call_command("verify_backup", str(tmp_path))
    manifest = tmp_path / backup.MANIFEST
    assert str(failure.value) == f"{manifest} fehlt: Das ist kein Sicherungsverzeichnis."
    with translation.override("en"), pytest.raises(CommandError) as failure:
        call_command("verify_backup", str(tmp_path))
    assert str(failure.value) == f"{manifest} is missing: this is not a backup directory."


def test_checksum_changes_with_one_value_and_returns_with_it(data):
    before = backup.table_checksum(connection, "masterdata_staffmember")
    member = data.world.staff[0]
    type(member).objects.filter(pk=member.pk).update(weekly_hours=Decimal("38.99"))
    changed = backup.table_checksum(connection, "masterdata_staffmember")
    assert changed["rows"] == before["rows"]
    assert changed["sha256"] != before["sha256"]
    type(member).objects.filter(pk=member.pk).update(weekly_hours=Decimal("39"))
    assert backup.table_checksum(connection, "masterdata_staffmember") == before


def test_commands_are_documented():
    text = (Path(__file__).resolve().parents[3] / "docs" / "operations.md").read_text()
    assert "manage.py backup --out" in text
    assert "manage.py verify_backup" in text


def test_the_output_words_are_german_with_plurals_and_german_numbers():
    assert words.tables(1) == "1 Tabelle"
    assert words.tables(57) == "57 Tabellen"
    assert words.rows(1) == "1 Zeile"
    assert words.rows(12345) == "12.345 Zeilen"
    assert words.size(1) == "1 Byte"
    assert words.size(1048576) == "1.048.576 Byte"
    assert words.seconds(1.46) == "1,5 s"
    assert words.seconds(0) == "0,0 s"
    one = {"rows": 1, "sha256": "x"}
    assert words.table_problem(backup.TableDifference("a", None, one)) == (
        "Tabelle a steht in der wiederhergestellten Datenbank, aber nicht im Manifest."
    )
    assert words.table_problem(backup.TableDifference("a", one, None)) == (
        "Tabelle a fehlt in der wiederhergestellten Datenbank."
    )
    two = {"rows": 2, "sha256": "y"}
    assert words.table_problem(backup.TableDifference("a", one, two)) == (
        "Tabelle a: 1 Zeile im Manifest, 2 Zeilen wiederhergestellt."
    )


def test_the_output_words_are_english_when_english_is_active():
    with translation.override("en"):
        assert words.tables(1) == "1 table"
        assert words.rows(12345) == "12,345 rows"
        assert words.size(1) == "1 byte"
        assert words.size(2048) == "2,048 bytes"
        assert words.seconds(1.46) == "1.5 s"
        same = {"rows": 1, "sha256": "x"}
        changed = backup.TableDifference("a", same, {"rows": 1, "sha256": "y"})
        assert words.table_problem(changed) == (
            "Table a: the checksum differs (the same 1 row, other content)."
        )
        shorter = backup.TableDifference("a", same, {"rows": 3, "sha256": "y"})
        assert words.table_problem(shorter) == "Table a: 1 row in the manifest, 3 rows restored."
