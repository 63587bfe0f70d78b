"""Backups that are proven to restore: dump, restore, verify, keep N daily and M weekly.

A backup is a folder `BACKUP_DIR/<UTC stamp>/` with
  database.dump   pg_dump custom format (-Fc): compressed, restorable table by table
  roles.sql       `pg_dumpall --roles-only` (roles are cluster-wide, not in the dump)
  manifest.json   when, from which server, with which pg_dump, and the exact row count of every table
It is written under `.partial-<stamp>` and renamed when complete, so a crash never leaves something that
looks like a good backup. The row counts are taken in the very snapshot pg_dump dumps (the transaction
exports it with pg_export_snapshot() and pg_dump runs with --snapshot), so `verify` can demand equality:
it restores the dump into a scratch database and compares every table's count with the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

from app.ops.postgres import (
    USER_TABLES_SQL,
    PgTarget,
    PostgresToolError,
    quote_ident,
    row_counts,
    run_tool,
    server_version_num,
    target_from_url,
    tool_path,
)

STAMP_FORMAT = "%Y%m%dT%H%M%SZ"
DUMP_NAME, ROLES_NAME, MANIFEST_NAME = "database.dump", "roles.sql", "manifest.json"
PARTIAL_PREFIX = ".partial-"
DUMP_TIMEOUT_SECONDS = 3 * 3600


class BackupError(RuntimeError):
    """A backup, restore or verification that could not be done; the message says why."""


class RestoreRefused(BackupError):
    """The target database holds data and --force was not given."""


@dataclass
class Backup:
    path: Path
    taken_at: datetime
    manifest: dict = field(default_factory=dict)

    @property
    def dump_path(self) -> Path:
        return self.path / DUMP_NAME

    @property
    def size_bytes(self) -> int:
        return self.manifest.get("dump_bytes", 0)

    @property
    def verification(self) -> dict | None:
        return self.manifest.get("verification")

    def age(self, now: datetime | None = None) -> timedelta:
        return (now or datetime.now(UTC)) - self.taken_at


# --- where backups live ------------------------------------------------------------------------------

def backup_directory(config) -> Path:
    """BACKUP_DIR from the environment, else var/backups beside the embedded servers' data."""
    configured = config.get("BACKUP_DIR")
    if configured:
        return Path(configured)
    from app.embedded import var_dir

    return var_dir() / "backups"


def _parse_stamp(name: str) -> datetime | None:
    try:
        return datetime.strptime(name, STAMP_FORMAT).replace(tzinfo=UTC)
    except ValueError:
        return None


def list_backups(directory: Path) -> list[Backup]:
    """Complete backups (those with a manifest), newest first."""
    if not directory.is_dir():
        return []
    backups = []
    for entry in directory.iterdir():
        taken_at = _parse_stamp(entry.name)
        manifest_path = entry / MANIFEST_NAME
        if taken_at is None or not manifest_path.is_file():
            continue
        try:
            manifest = json.loads(manifest_path.read_text())
        except (OSError, ValueError):
            continue
        backups.append(Backup(entry, taken_at, manifest))
    return sorted(backups, key=lambda backup: backup.taken_at, reverse=True)


def newest_backup(directory: Path) -> Backup | None:
    backups = list_backups(directory)
    return backups[0] if backups else None


def find_backup(path: str | Path) -> Backup:
    """A backup named by its folder, its database.dump or its manifest."""
    path = Path(path)
    folder = path.parent if path.is_file() else path
    taken_at = _parse_stamp(folder.name)
    if taken_at is None or not (folder / DUMP_NAME).is_file():
        raise BackupError(f"{path} is not a backup: expected a folder named like 20260131T020000Z holding "
                          f"{DUMP_NAME} (or that file itself).")
    manifest_path = folder / MANIFEST_NAME
    manifest = json.loads(manifest_path.read_text()) if manifest_path.is_file() else {}
    return Backup(folder, taken_at, manifest)


def _write_json(path: Path, data: dict) -> None:
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(data, indent=2, sort_keys=True))
    os.replace(temporary, path)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


# --- backup ------------------------------------------------------------------------------------------

def take_backup(database_url: str, directory: Path, *, pg_bin_dir: str = "", now: datetime | None = None) -> Backup:
    """Dump the database and its roles into a new backup folder; returns the complete backup."""
    now = now or datetime.now(UTC)
    stamp = now.strftime(STAMP_FORMAT)
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / stamp
    if final.exists():
        raise BackupError(f"A backup named {stamp} already exists in {directory}.")
    partial = directory / f"{PARTIAL_PREFIX}{stamp}"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir()
    target = target_from_url(database_url)
    started = time.monotonic()
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            connection = connection.execution_options(isolation_level="REPEATABLE READ")
            with connection.begin():
                snapshot = connection.execute(text("SELECT pg_export_snapshot()")).scalar_one()
                version = server_version_num(connection)
                pg_dump = tool_path("pg_dump", version, pg_bin_dir)
                # pg_dump reads the exported snapshot while this transaction stays open: the counts below
                # describe exactly the rows in the dump.
                run_tool([pg_dump, "--format=custom", "--no-password", f"--snapshot={snapshot}",
                          f"--file={partial / DUMP_NAME}"], target, timeout=DUMP_TIMEOUT_SECONDS)
                counts = row_counts(connection)
        roles = _dump_roles(target, version, pg_bin_dir, partial / ROLES_NAME)
        manifest = {
            "format": 1,
            "taken_at": now.isoformat(),
            "database": target.dbname,
            "server_version_num": version,
            "pg_dump": pg_dump,
            "tables": counts,
            "rows": sum(counts.values()),
            "dump_bytes": (partial / DUMP_NAME).stat().st_size,
            "dump_sha256": _sha256(partial / DUMP_NAME),
            "roles": roles,
            "seconds": round(time.monotonic() - started, 3),
        }
        _write_json(partial / MANIFEST_NAME, manifest)
        os.replace(partial, final)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    finally:
        engine.dispose()
    return Backup(final, now, manifest)


def _dump_roles(target: PgTarget, version: int, pg_bin_dir: str, path: Path) -> str:
    """Roles with passwords where permitted (a superuser); else without (any role may read pg_roles).

    On the embedded server the hub connects as its superuser `postgres`, so the full roles file is written.
    On a managed server where neither works the backup goes on without roles and the manifest says so.
    """
    pg_dumpall = tool_path("pg_dumpall", version, pg_bin_dir)
    base = [pg_dumpall, "--roles-only", "--no-password", f"--file={path}", f"--database={target.dbname}"]
    try:
        run_tool(base, target, timeout=300)
        return "with passwords"
    except PostgresToolError:
        pass
    try:
        run_tool([*base, "--no-role-passwords"], target, timeout=300)
        return "without passwords (not permitted to read them)"
    except PostgresToolError as exc:
        path.unlink(missing_ok=True)
        return f"skipped: {str(exc)[:300]}"


# --- restore -----------------------------------------------------------------------------------------

def user_tables(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return [f"{schema}.{table}" for schema, table in connection.execute(USER_TABLES_SQL).all()]


def restore_backup(backup: Backup, database_url: str, *, force: bool = False, pg_bin_dir: str = "") -> dict[str, int]:
    """Restore into `database_url`; refuses a database that has tables unless `force`. Returns row counts.

    One transaction (--single-transaction, --exit-on-error): a failed restore leaves nothing half-restored.
    With `force` the old contents are dropped first (the CLI backs them up before). Objects are owned by
    the connecting role (--no-owner --no-privileges): the hub restores as its own role; roles.sql is for
    rebuilding a whole server (run it with psql first, as a superuser).
    """
    target = target_from_url(database_url)
    engine = create_engine(database_url)
    try:
        existing = user_tables(engine)
        if existing and not force:
            raise RestoreRefused(
                f"Database {target.dbname} is not empty ({len(existing)} tables, e.g. {', '.join(existing[:3])}). "
                "Restoring would replace its contents: pass --force if that is what you want."
            )
        with engine.connect() as connection:
            version = server_version_num(connection)
            if existing:
                _empty_database(connection)
                connection.commit()
        pg_restore = tool_path("pg_restore", version, pg_bin_dir)
        run_tool([pg_restore, "--no-password", "--no-owner", "--no-privileges", "--single-transaction",
                  "--exit-on-error", f"--dbname={target.dbname}", str(backup.dump_path)], target,
                 timeout=DUMP_TIMEOUT_SECONDS)
        with engine.connect() as connection:
            return row_counts(connection)
    finally:
        engine.dispose()


def _empty_database(connection) -> None:
    """Drop every schema the hub's objects can live in, and give back an empty `public`."""
    schemas = connection.execute(text(
        "SELECT nspname FROM pg_namespace WHERE nspname NOT IN ('pg_catalog', 'information_schema') "
        "AND nspname NOT LIKE 'pg\\_%'"
    )).scalars().all()
    for schema in schemas:
        connection.execute(text(f"DROP SCHEMA {quote_ident(schema)} CASCADE"))
    # As a new database has it (PostgreSQL >= 14): owned by whoever owns the database.
    connection.execute(text("CREATE SCHEMA public AUTHORIZATION pg_database_owner"))


# --- verify ------------------------------------------------------------------------------------------

@dataclass
class Verification:
    backup: Backup
    ok: bool
    mismatches: dict[str, tuple[int | None, int | None]]  # table: (in the manifest, restored)
    tables: int
    rows: int
    seconds: float

    def as_dict(self) -> dict:
        return {"ok": self.ok, "verified_at": datetime.now(UTC).isoformat(), "tables": self.tables,
                "rows": self.rows, "seconds": round(self.seconds, 3),
                "mismatches": {table: list(pair) for table, pair in self.mismatches.items()}}


def compare_counts(expected: dict[str, int], restored: dict[str, int]) -> dict[str, tuple[int | None, int | None]]:
    return {table: (expected.get(table), restored.get(table))
            for table in sorted(set(expected) | set(restored)) if expected.get(table) != restored.get(table)}


def verify_backup(backup: Backup, database_url: str, *, pg_bin_dir: str = "") -> Verification:
    """Restore into a scratch database beside the live one, compare every table's rows, drop the scratch.

    Needs the CREATEDB privilege. The result is written into the backup's manifest (`verification`).
    """
    if not backup.manifest.get("tables"):
        raise BackupError(f"{backup.path} has no manifest with row counts to verify against.")
    started = time.monotonic()
    target = target_from_url(database_url)
    scratch = target.with_database(f"{target.dbname}_verify"[:63])
    admin = create_engine(database_url, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {quote_ident(scratch.dbname)} WITH (FORCE)"))
            connection.execute(text(f"CREATE DATABASE {quote_ident(scratch.dbname)}"))
        try:
            restored = restore_backup(backup, scratch.sqlalchemy_url(), pg_bin_dir=pg_bin_dir)
        finally:
            with admin.connect() as connection:
                connection.execute(text(f"DROP DATABASE IF EXISTS {quote_ident(scratch.dbname)} WITH (FORCE)"))
    finally:
        admin.dispose()
    mismatches = compare_counts(backup.manifest["tables"], restored)
    result = Verification(backup, not mismatches, mismatches, len(restored), sum(restored.values()),
                          time.monotonic() - started)
    backup.manifest["verification"] = result.as_dict()
    _write_json(backup.path / MANIFEST_NAME, backup.manifest)
    return result


# --- retention ---------------------------------------------------------------------------------------

def backups_to_keep(stamps: list[datetime], daily: int, weekly: int) -> set[datetime]:
    """The newest backup of each of the `daily` newest days and of each of the `weekly` newest ISO weeks
    that have a backup; the newest backup is always kept."""
    ordered = sorted(stamps, reverse=True)
    keep: set[datetime] = set(ordered[:1])
    days: set[date] = set()
    weeks: set[tuple[int, int]] = set()
    for stamp in ordered:
        day, week = stamp.date(), stamp.isocalendar()[:2]
        if day not in days and len(days) < daily:
            days.add(day)
            keep.add(stamp)
        if week not in weeks and len(weeks) < weekly:
            weeks.add(week)
            keep.add(stamp)
    return keep


def prune_backups(directory: Path, *, daily: int, weekly: int, now: datetime | None = None) -> list[Path]:
    """Delete backups outside the retention, and partial folders left by a crash more than a day ago."""
    now = now or datetime.now(UTC)
    backups = list_backups(directory)
    keep = backups_to_keep([backup.taken_at for backup in backups], daily, weekly)
    removed = []
    for backup in backups:
        if backup.taken_at not in keep:
            shutil.rmtree(backup.path)
            removed.append(backup.path)
    for entry in directory.glob(f"{PARTIAL_PREFIX}*") if directory.is_dir() else []:
        stamp = _parse_stamp(entry.name[len(PARTIAL_PREFIX):])
        if stamp is not None and now - stamp > timedelta(days=1):
            shutil.rmtree(entry, ignore_errors=True)
            removed.append(entry)
    return removed
