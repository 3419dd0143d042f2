"""Backups that prove themselves: a dump plus a manifest of every table's row
count and checksum, and a verification that restores the dump into a fresh
database and compares (manage.py backup, manage.py verify_backup).

- PostgreSQL: ``pg_dump --format=custom`` (restorable with ``pg_restore``).
  The manifest is computed in the very snapshot the dump is taken from: one
  REPEATABLE READ transaction exports its snapshot, pg_dump imports it
  (``--snapshot``), and the checksums are read in that transaction, so writes
  during the backup change neither.
- SQLite: the sqlite3 online backup API copies the database in one step
  inside the read transaction the checksums are computed in.

A table's checksum is SHA-256 over its column names and then its rows ordered
by primary key, each row as canonical JSON (columns in name order; dates as
ISO text, bytes as hex). The same function computes it from the live database
at backup time and from the restored copy; both are read through Django's
connection and introspection. Every table the database holds is covered:
the project's models, Django's own tables (sessions, permissions,
content types, admin log), django_migrations and the job queue.

No shell is involved: pg_dump and pg_restore run with argument lists.
Errors (`BackupError`) are worded through gettext, German by default and
English when English is active; the words of a differing table are in
`core.management.backup_messages`.
"""

from __future__ import annotations

import datetime
import decimal
import hashlib
import json
import os
import re
import secrets
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

from django.db import DatabaseError, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.utils import load_backend
from django.utils import timezone
from django.utils.translation import gettext as _

from schulsozial.core.management import backup_messages as words

FORMAT = "schulsozial-backup/1"
MANIFEST = "manifest.json"
DUMP = {"postgresql": "database.dump", "sqlite": "database.sqlite3"}
CHUNK = 2000


class BackupError(Exception):
    """A backup or its verification failed; the message says why (in the active language)."""


# --------------------------------------------------------------------------- checksums


def _canonical(value: Any) -> Any:
    if isinstance(value, memoryview):
        value = value.tobytes()
    if isinstance(value, bytes):
        return {"hex": value.hex()}
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, (decimal.Decimal, uuid.UUID, datetime.timedelta)):
        return str(value)
    return str(value)


def tables(connection: BaseDatabaseWrapper) -> list[str]:
    """Every table of the database (views and SQLite's internal tables excluded)."""
    with connection.cursor() as cursor:
        names = connection.introspection.table_names(cursor)
    return sorted(n for n in names if not n.startswith("sqlite_"))


def table_checksum(connection: BaseDatabaseWrapper, table: str) -> dict[str, Any]:
    """{"rows": n, "sha256": hex} of one table, rows ordered by primary key."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        columns = sorted(
            c.name for c in connection.introspection.get_table_description(cursor, table)
        )
        key = connection.introspection.get_primary_key_columns(cursor, table) or columns
    digest = hashlib.sha256(json.dumps(columns).encode())
    # Table and column names come from introspection and are quoted.
    sql = "SELECT {} FROM {} ORDER BY {}".format(  # noqa: S608
        ", ".join(quote(c) for c in columns), quote(table), ", ".join(quote(c) for c in key)
    )
    rows = 0
    cursor = connection.chunked_cursor()
    try:
        cursor.execute(sql)
        while batch := cursor.fetchmany(CHUNK):
            for row in batch:
                digest.update(b"\n")
                digest.update(
                    json.dumps(
                        list(row), default=_canonical, ensure_ascii=False, separators=(",", ":")
                    ).encode()
                )
            rows += len(batch)
    finally:
        cursor.close()
    return {"rows": rows, "sha256": digest.hexdigest()}


def checksums(connection: BaseDatabaseWrapper) -> dict[str, dict[str, Any]]:
    return {table: table_checksum(connection, table) for table in tables(connection)}


@dataclass(frozen=True)
class TableDifference:
    """One table whose count or checksum differs between the manifest
    (`expected`) and the restored database (`restored`); None where the
    table is missing on that side. `backup_messages.table_problem` words it."""

    table: str
    expected: dict[str, Any] | None
    restored: dict[str, Any] | None

    @property
    def kind(self) -> str:
        """missing (not restored), unexpected (not in the manifest), rows or checksum."""
        if self.restored is None:
            return "missing"
        if self.expected is None:
            return "unexpected"
        if self.expected["rows"] != self.restored["rows"]:
            return "rows"
        return "checksum"

    def __str__(self) -> str:
        return words.table_problem(self)


def compare(
    expected: dict[str, dict[str, Any]], actual: dict[str, dict[str, Any]]
) -> list[TableDifference]:
    """The tables whose row count or checksum differ, by name; empty if all match."""
    differences = []
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table), actual.get(table)
        if (
            want is None
            or got is None
            or want["rows"] != got["rows"]
            or want["sha256"] != got["sha256"]
        ):
            differences.append(TableDifference(table, want, got))
    return differences


# --------------------------------------------------------------------------- helpers


def vendor_of(settings_dict: Mapping[str, object]) -> str:
    engine = str(settings_dict["ENGINE"])
    if "postgresql" in engine:
        return "postgresql"
    if "sqlite3" in engine:
        return "sqlite"
    raise BackupError(_("The database engine %(engine)s is not supported.") % {"engine": engine})


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _pg_args(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Connection options for pg_dump/pg_restore and the environment (password)."""
    args = []
    if settings_dict.get("HOST"):
        args += ["--host", str(settings_dict["HOST"])]
    if settings_dict.get("PORT"):
        args += ["--port", str(settings_dict["PORT"])]
    if settings_dict.get("USER"):
        args += ["--username", str(settings_dict["USER"])]
    env = dict(os.environ)
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    sslmode = (settings_dict.get("OPTIONS") or {}).get("sslmode")
    if sslmode:
        env["PGSSLMODE"] = str(sslmode)
    return args, env


def _not_found(tool: str) -> BackupError:
    return BackupError(
        _("%(tool)s was not found on PATH (install the PostgreSQL client).") % {"tool": tool}
    )


def _failed(tool: str, status: int, stderr: str) -> BackupError:
    return BackupError(
        _("%(tool)s failed (exit status %(status)s): %(output)s")
        % {"tool": tool, "status": status, "output": stderr.strip()[-2000:]}
    )


def _run(command: list[str], env: dict[str, str] | None = None) -> str:
    try:
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)  # noqa: S603
    except FileNotFoundError as error:
        raise _not_found(command[0]) from error
    if done.returncode:
        raise _failed(command[0], done.returncode, done.stderr)
    return done.stdout


def tool_version(tool: str) -> int | None:
    """Major version of pg_dump/pg_restore on PATH, None if missing."""
    if shutil.which(tool) is None:
        return None
    found = re.search(r"\)\s+(\d+)", _run([tool, "--version"]))  # "pg_dump (PostgreSQL) 15.20 ..."
    return int(found.group(1)) if found else None


def pg_version(connection: BaseDatabaseWrapper) -> int:
    """The PostgreSQL server's version number (150020 for 15.20) of a PostgreSQL connection."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    # By vendor, not isinstance: the project's ENGINE may be another PostgreSQL wrapper class.
    if connection.vendor != "postgresql":
        raise TypeError(f"not a PostgreSQL connection: {connection.vendor}")
    return cast(DatabaseWrapper, connection).pg_version


def server_version(connection: BaseDatabaseWrapper) -> int:
    """Major version of the PostgreSQL server."""
    connection.ensure_connection()
    return pg_version(connection) // 10000


@contextmanager
def temporary_connection(settings_dict: dict[str, Any]) -> Iterator[BaseDatabaseWrapper]:
    """A Django connection of its own to another database (not in settings,
    so not in django.db.connections: Django allows such connections in tests)."""
    connection = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(
        dict(settings_dict), f"backup_{secrets.token_hex(4)}"
    )
    if connection.vendor == "sqlite":
        # Django finds this feature out inside transaction.atomic(alias),
        # which looks the alias up in django.db.connections; ask directly.
        import sqlite3

        try:
            sqlite3.connect(":memory:").execute("SELECT JSON('\"x\"')")
            connection.features.supports_json_field = True
        except sqlite3.OperationalError:
            connection.features.supports_json_field = False
    try:
        yield connection
    finally:
        connection.close()


def target_settings(url: str | None, *, vendor: str, name: str | None = None) -> dict[str, Any]:
    """Settings of the database to restore into: --restore-into's URL, else the
    server of the default database with a new name."""
    import dj_database_url

    settings_dict = dict(connections["default"].settings_dict)
    if url:
        parsed = dj_database_url.parse(url)
        if vendor_of(parsed) != vendor:
            raise BackupError(
                _("The backup is from %(vendor)s, the target is %(target)s.")
                % {"vendor": vendor, "target": url.split(":", 1)[0]}
            )
        if vendor_of(settings_dict) != vendor:
            settings_dict["OPTIONS"] = {}
        settings_dict.update({k: v for k, v in parsed.items() if k != "OPTIONS" or v})
    elif vendor_of(settings_dict) != vendor:
        raise BackupError(
            _(
                "The backup is from %(vendor)s, but DATABASE_URL points to another database: "
                "pass --restore-into."
            )
            % {"vendor": vendor}
        )
    elif name:
        settings_dict["NAME"] = name
    settings_dict.pop("TEST", None)
    settings_dict["CONN_MAX_AGE"] = 0
    return settings_dict


# --------------------------------------------------------------------------- backup


@dataclass
class Result:
    directory: Path
    manifest: dict[str, Any]

    @property
    def total_rows(self) -> int:
        return sum(t["rows"] for t in self.manifest["tables"].values())


def _private_dir(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(out, 0o700)
    if any((out / name).exists() for name in (MANIFEST, *DUMP.values())):
        raise BackupError(
            _("%(path)s already holds a backup: choose a new directory.") % {"path": out}
        )


def backup(out: Path, *, using: str = "default") -> Result:
    """Write the dump and manifest.json into `out` (created, mode 0700)."""
    connection = connections[using]
    vendor = vendor_of(connection.settings_dict)
    out = Path(out)
    _private_dir(out)
    dump = out / DUMP[vendor]
    manifest: dict[str, Any] = {
        "format": FORMAT,
        "created": timezone.now().isoformat(),
        "vendor": vendor,
        "dump": dump.name,
    }
    if vendor == "postgresql":
        manifest.update(_backup_postgres(connection, dump))
    else:
        manifest.update(_backup_sqlite(connection, dump))
    os.chmod(dump, 0o600)
    manifest["dump_bytes"] = dump.stat().st_size
    manifest["dump_sha256"] = file_sha256(dump)
    path = out / MANIFEST
    path.write_text(json.dumps(manifest, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
    os.chmod(path, 0o600)
    return Result(out, manifest)


def _backup_postgres(connection: BaseDatabaseWrapper, dump: Path) -> dict[str, Any]:
    args, env = _pg_args(connection.settings_dict)
    connection.ensure_connection()
    if connection.in_atomic_block:
        raise BackupError(_("The backup must not run inside a transaction."))
    connection.set_autocommit(False)
    try:
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            cursor.execute("SELECT pg_export_snapshot(), current_database()")
            snapshot, database = cursor.fetchone()
            cursor.execute(
                "SELECT pg_encoding_to_char(encoding), datcollate, datctype "
                "FROM pg_database WHERE datname = current_database()"
            )
            encoding, collate, ctype = cursor.fetchone()
        # pg_dump reads the exported snapshot; it stays valid while this
        # transaction is open, and the checksums below read the same one.
        # pg_dump from PATH, like pg_restore (docs/operations.md).
        dumper = subprocess.Popen(  # noqa: S603
            ["pg_dump", "--format=custom", "--no-password", f"--snapshot={snapshot}",  # noqa: S607
             f"--file={dump}", *args, "--dbname", database],
            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        try:
            tables_ = checksums(connection)
        finally:
            _stdout, stderr = dumper.communicate()
        if dumper.returncode:
            raise _failed("pg_dump", dumper.returncode, stderr)
    except FileNotFoundError as error:
        raise _not_found("pg_dump") from error
    finally:
        connection.rollback()
        connection.set_autocommit(True)
    return {
        "server_version": pg_version(connection),
        "pg_dump_version": tool_version("pg_dump"),
        "database": {"encoding": encoding, "collate": collate, "ctype": ctype},
        "tables": tables_,
    }


def _backup_sqlite(connection: BaseDatabaseWrapper, dump: Path) -> dict[str, Any]:
    import sqlite3

    connection.ensure_connection()
    if connection.in_atomic_block:
        raise BackupError(_("The backup must not run inside a transaction."))
    raw = connection.connection
    raw.execute("BEGIN DEFERRED")
    try:
        # The first read fixes the snapshot (WAL): the copy and the
        # checksums both see it; writers meanwhile go on in the WAL.
        raw.execute("SELECT count(*) FROM sqlite_master").fetchone()
        target = sqlite3.connect(dump)
        try:
            raw.backup(target)
        finally:
            target.close()
        tables_ = checksums(connection)
    finally:
        raw.execute("ROLLBACK")
    return {"sqlite_version": sqlite3.sqlite_version, "tables": tables_}


# --------------------------------------------------------------------------- verify


def read_manifest(directory: Path) -> dict[str, Any]:
    path = Path(directory) / MANIFEST
    try:
        manifest = json.loads(path.read_text())
    except FileNotFoundError as error:
        raise BackupError(
            _("%(path)s is missing: this is not a backup directory.") % {"path": path}
        ) from error
    except (ValueError, UnicodeDecodeError) as error:
        raise BackupError(
            _("%(path)s is not valid JSON: %(error)s") % {"path": path, "error": error}
        ) from error
    if manifest.get("format") != FORMAT:
        raise BackupError(
            _("%(path)s has an unknown format: %(format)s.")
            % {"path": path, "format": repr(manifest.get("format"))}
        )
    return manifest


@dataclass
class Verification:
    manifest: dict[str, Any]
    restored: dict[str, dict[str, Any]]
    problems: list[TableDifference]
    target: dict[str, Any]

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def differing_tables(self) -> list[str]:
        return [d.table for d in self.problems]


def verify(
    directory: Path,
    *,
    restore_into: str | None = None,
    skip_restore: bool = False,
    keep: bool = False,
) -> Verification:
    """Check the dump file, restore it into a fresh database (a scratch one,
    dropped afterwards, or `restore_into`, kept), recompute every table's
    count and checksum and compare with the manifest."""
    directory = Path(directory)
    manifest = read_manifest(directory)
    vendor = manifest["vendor"]
    dump = directory / manifest["dump"]
    if skip_restore and not restore_into:
        raise BackupError(_("--skip-restore needs --restore-into."))
    if not skip_restore:
        if not dump.is_file():
            raise BackupError(_("%(path)s is missing.") % {"path": dump})
        if file_sha256(dump) != manifest["dump_sha256"]:
            raise BackupError(
                _(
                    "%(name)s: the SHA-256 checksum of the file does not match the manifest, "
                    "the file is damaged."
                )
                % {"name": dump.name}
            )
    keep = keep or bool(restore_into)
    target = _target(vendor, restore_into, dump, skip_restore=skip_restore, keep=keep)
    with target as settings_dict, temporary_connection(settings_dict) as connection:
        restored = checksums(connection)
    return Verification(manifest, restored, compare(manifest["tables"], restored), settings_dict)


@contextmanager
def _target(
    vendor: str, url: str | None, dump: Path, *, skip_restore: bool, keep: bool
) -> Iterator[dict[str, Any]]:
    if vendor == "sqlite":
        with _sqlite_target(url, dump, skip_restore=skip_restore, keep=keep) as settings_dict:
            yield settings_dict
    else:
        with _postgres_target(url, dump, skip_restore=skip_restore, keep=keep) as settings_dict:
            yield settings_dict


@contextmanager
def _sqlite_target(
    url: str | None, dump: Path, *, skip_restore: bool, keep: bool
) -> Iterator[dict[str, Any]]:
    scratch = None
    if url:
        settings_dict = target_settings(url, vendor="sqlite")
        path = Path(settings_dict["NAME"])
    else:
        scratch = tempfile.mkdtemp(prefix="schulsozial-verify-")
        path = Path(scratch) / "restored.sqlite3"
        settings_dict = target_settings(None, vendor="sqlite", name=str(path))
    if not skip_restore:
        if path.exists():
            raise BackupError(
                _("%(path)s exists already: the verification restores into a new file.")
                % {"path": path}
            )
        shutil.copyfile(dump, path)
        os.chmod(path, 0o600)
    elif not path.is_file():
        raise BackupError(_("%(path)s is missing.") % {"path": path})
    try:
        yield settings_dict
    finally:
        if scratch and not keep:
            shutil.rmtree(scratch, ignore_errors=True)


@contextmanager
def _postgres_target(
    url: str | None, dump: Path, *, skip_restore: bool, keep: bool
) -> Iterator[dict[str, Any]]:
    source = connections["default"].settings_dict
    name = None if url else f"{source['NAME']}_verify_{secrets.token_hex(4)}"[:63]
    settings_dict = target_settings(url, vendor="postgresql", name=name)
    created = False
    if not skip_restore:
        manifest = read_manifest(dump.parent)
        created = _create_database(settings_dict, manifest.get("database") or {})
    try:
        if not skip_restore:
            args, env = _pg_args(settings_dict)
            _run(
                ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error",
                 "--no-password", *args, "--dbname", settings_dict["NAME"], str(dump)],
                env,
            )  # fmt: skip
        yield settings_dict
    finally:
        if created and not keep:
            drop_database(settings_dict)


def _create_database(settings_dict: dict[str, Any], database: dict[str, str]) -> bool:
    """CREATE DATABASE with the source's encoding and collation (so rows sort
    as they did); an existing database is used only if it has no tables."""
    import psycopg

    quote = connections["default"].ops.quote_name
    options = ["TEMPLATE template0"]
    if database.get("encoding"):
        options.append(f"ENCODING '{database['encoding']}'")
    if database.get("collate"):
        options.append(f"LC_COLLATE '{database['collate']}'")
    if database.get("ctype"):
        options.append(f"LC_CTYPE '{database['ctype']}'")
    for value in database.values():
        if "'" in str(value):
            raise BackupError(
                _("The manifest names an invalid database option: %(value)s.")
                % {"value": repr(value)}
            )
    try:
        with temporary_connection(settings_dict) as connection, connection._nodb_cursor() as cursor:
            cursor.execute(f"CREATE DATABASE {quote(settings_dict['NAME'])} {' '.join(options)}")
        return True
    except DatabaseError as error:
        if not isinstance(error.__cause__, psycopg.errors.DuplicateDatabase):
            raise BackupError(
                _("The database %(name)s could not be created: %(error)s")
                % {"name": settings_dict["NAME"], "error": error}
            ) from error
    with temporary_connection(settings_dict) as connection:
        names = tables(connection)
    if names:
        raise BackupError(
            _(
                "The database %(name)s is not empty (%(tables)s): the verification restores "
                "into a fresh database."
            )
            % {"name": settings_dict["NAME"], "tables": words.tables(len(names))}
        )
    return False


def drop_database(settings_dict: dict[str, Any]) -> None:
    with temporary_connection(settings_dict) as connection, connection._nodb_cursor() as cursor:
        cursor.execute(
            f"DROP DATABASE IF EXISTS {connection.ops.quote_name(settings_dict['NAME'])} "
            "WITH (FORCE)"
        )
