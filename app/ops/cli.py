"""`flask hub backup | restore | verify-backup | archive-partitions`: the operator's side of app/ops."""

from __future__ import annotations

import json
import sys

import click
from flask import current_app
from flask.cli import with_appcontext
from sqlalchemy.pool import NullPool

from app.extensions import db


def _fail(message: str, code: int = 2) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(code)


def _database_url(override: str | None) -> str:
    return override or db.engine.url.render_as_string(hide_password=False)


def _engine(url: str):
    from sqlalchemy import create_engine

    return create_engine(url, poolclass=NullPool)


@click.command("backup")
@with_appcontext
@click.option("--dir", "directory", default=None, help="default: BACKUP_DIR, else var/backups")
@click.option("--no-prune", is_flag=True, help="keep every backup (skip the daily/weekly retention)")
def backup_command(directory: str | None, no_prune: bool) -> None:
    """Dump the database (pg_dump -Fc) and roles into a new backup folder; apply the retention."""
    from pathlib import Path

    from app.ops.backups import BackupError, backup_directory, prune_backups, take_backup
    from app.ops.postgres import PostgresToolError

    config = current_app.config
    folder = Path(directory) if directory else backup_directory(config)
    try:
        backup = take_backup(_database_url(None), folder, pg_bin_dir=config["PG_BIN_DIR"])
    except (BackupError, PostgresToolError) as exc:
        _fail(str(exc))
    removed = [] if no_prune else prune_backups(folder, daily=config["BACKUP_KEEP_DAILY"],
                                                weekly=config["BACKUP_KEEP_WEEKLY"])
    click.echo(json.dumps({"backup": str(backup.path), "tables": len(backup.manifest["tables"]),
                           "rows": backup.manifest["rows"], "bytes": backup.size_bytes,
                           "roles": backup.manifest["roles"], "removed": [str(path) for path in removed]}))


@click.command("restore")
@with_appcontext
@click.argument("path", type=click.Path(exists=True))
@click.option("--force", is_flag=True, help="replace the contents of a database that is not empty")
@click.option("--target-url", default=None, help="restore into this database instead of DATABASE_URL")
def restore_command(path: str, force: bool, target_url: str | None) -> None:
    """Restore a backup (its folder or its database.dump). Stop the web, workers and scheduler first."""
    from app.ops.backups import (
        BackupError,
        RestoreRefused,
        backup_directory,
        find_backup,
        restore_backup,
        take_backup,
        user_tables,
    )
    from app.ops.postgres import PostgresToolError

    config = current_app.config
    target = _database_url(target_url)
    db.engine.dispose()  # our own idle connections must not hold the tables we drop
    try:
        backup = find_backup(path)
        if force and user_tables(_engine(target)):
            safety = take_backup(target, backup_directory(config), pg_bin_dir=config["PG_BIN_DIR"])
            click.echo(f"The current contents are kept in {safety.path} before they are replaced.", err=True)
        counts = restore_backup(backup, target, force=force, pg_bin_dir=config["PG_BIN_DIR"])
    except RestoreRefused as exc:
        _fail(str(exc), code=3)
    except (BackupError, PostgresToolError) as exc:
        _fail(str(exc))
    click.echo(json.dumps({"restored": path, "tables": len(counts), "rows": sum(counts.values())}))
    click.echo("Next: `flask --app wsgi db upgrade` if this release has newer migrations.", err=True)


@click.command("verify-backup")
@with_appcontext
@click.argument("path", required=False, type=click.Path(exists=True))
@click.option("--dir", "directory", default=None, help="where to look for the newest backup")
def verify_backup_command(path: str | None, directory: str | None) -> None:
    """Restore the newest backup (or PATH) into a scratch database and compare row counts per table."""
    from pathlib import Path

    from app.ops.backups import BackupError, backup_directory, find_backup, newest_backup, verify_backup
    from app.ops.postgres import PostgresToolError

    folder = Path(directory) if directory else backup_directory(current_app.config)
    backup = find_backup(path) if path else newest_backup(folder)
    if backup is None:
        _fail(f"There is no backup in {folder}.")
    try:
        result = verify_backup(backup, _database_url(None), pg_bin_dir=current_app.config["PG_BIN_DIR"])
    except (BackupError, PostgresToolError) as exc:
        _fail(str(exc))
    click.echo(json.dumps({"backup": str(backup.path), **result.as_dict()}))
    if not result.ok:
        _fail(f"{len(result.mismatches)} tables differ from the manifest: {sorted(result.mismatches)[:5]}", code=1)


@click.command("archive-partitions")
@with_appcontext
@click.option("--before", required=True, help="YYYY-MM: partitions of months before this one are detached")
@click.option("--dry-run", is_flag=True, help="only list what would be detached")
@click.option("--lock-timeout", default="10s", show_default=True)
def archive_partitions_command(before: str, dry_run: bool, lock_timeout: str) -> None:
    """Detach old order_items partitions (CONCURRENTLY where possible) into schema `archive`."""
    from sqlalchemy.exc import DBAPIError

    from app.ops.partitions import archive_partitions, parse_month

    try:
        month = parse_month(before)
    except ValueError as exc:
        _fail(str(exc))
    try:
        done = archive_partitions(db.engine, month, dry_run=dry_run, lock_timeout=lock_timeout)
    except DBAPIError as exc:
        _fail(f"PostgreSQL refused ({exc.orig}); run again: a half-done detach is finished on the next run.")
    for partition in done:
        click.echo(f"{partition.name}\t~{partition.rows_estimate} rows\t{partition.how}")
    if not done:
        click.echo(f"No order_items partitions before {before}.")


COMMANDS = (backup_command, restore_command, verify_backup_command, archive_partitions_command)


def register_commands(group) -> None:
    """Add the commands to `flask hub` (plain click commands, so each carries its own app context)."""
    for command in COMMANDS:
        group.add_command(command)
