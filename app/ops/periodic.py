"""The scheduler's backup pass: once a day, from BACKUP_HOUR_UTC on, put the backup job on the queue.

Due-ness comes from the backups themselves (the newest folder's stamp), not from memory, so a restarted
or second scheduler decides the same. The job id is the date with `unique=True`: one job per day. A
failed job keeps its id for an hour (failure_ttl), so a failing backup is retried hourly, not every tick;
the stale-backup alert tells a person meanwhile.
"""

from __future__ import annotations

from datetime import UTC, datetime

from redis import Redis

from app.ops.backups import Backup, backup_directory, newest_backup
from app.queues import enqueue

RETRY_FAILED_AFTER_SECONDS = 3600


def backup_due(newest: Backup | None, now: datetime, hour_utc: int) -> bool:
    if now.hour < hour_utc:
        return False
    return newest is None or newest.taken_at.date() < now.date()


def schedule_nightly_backup(app) -> bool:
    """Only where BACKUP_DIR is set (production's hub.env): a development checkout or a test run does not
    start dumping its database on its own; `flask hub backup` works everywhere."""
    if not app.config.get("BACKUP_DIR"):
        return False
    return enqueue_backup_if_due(app, datetime.now(UTC))


def enqueue_backup_if_due(app, now: datetime) -> bool:
    """True if the backup job was enqueued by this pass."""
    if not backup_due(newest_backup(backup_directory(app.config)), now, app.config["BACKUP_HOUR_UTC"]):
        return False
    return enqueue(app.extensions["redis"], "default", "app.ops.tasks.nightly_backup", [], f"backup-{now:%Y%m%d}",
                   failed_blocks=True, failure_ttl=RETRY_FAILED_AFTER_SECONDS,
                   description=f"nightly backup {now:%Y-%m-%d}")


def enqueue_verification(redis: Redis, backup: Backup) -> bool:
    return enqueue(redis, "default", "app.ops.tasks.verify_backup_job", [str(backup.path)],
                   f"backup-verify-{backup.path.name}", failed_blocks=True, failure_ttl=RETRY_FAILED_AFTER_SECONDS,
                   description=f"verify backup {backup.path.name}")
