"""RQ jobs for the nightly backup (queue `default`): dump, prune, then prove the dump restores."""

from __future__ import annotations

import logging

from flask import current_app

from app.extensions import db
from app.ops.backups import backup_directory, find_backup, prune_backups, take_backup, verify_backup

log = logging.getLogger(__name__)


def _database_url() -> str:
    return db.engine.url.render_as_string(hide_password=False)


def nightly_backup() -> str:
    config = current_app.config
    folder = backup_directory(config)
    backup = take_backup(_database_url(), folder, pg_bin_dir=config["PG_BIN_DIR"])
    removed = prune_backups(folder, daily=config["BACKUP_KEEP_DAILY"], weekly=config["BACKUP_KEEP_WEEKLY"])
    log.info("backup %s: %s rows, %s bytes; removed %s old", backup.path, backup.manifest["rows"],
             backup.size_bytes, len(removed))
    if config["BACKUP_VERIFY"]:
        from app.ops.periodic import enqueue_verification

        enqueue_verification(current_app.extensions["redis"], backup)
    return str(backup.path)


def verify_backup_job(path: str) -> bool:
    result = verify_backup(find_backup(path), _database_url(), pg_bin_dir=current_app.config["PG_BIN_DIR"])
    if not result.ok:
        log.error("backup %s does not restore to the same rows: %s", path, result.mismatches)
    return result.ok
