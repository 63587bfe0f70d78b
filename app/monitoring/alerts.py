"""Alert rules: what is wrong right now, as findings with stable keys.

Each rule looks at one source and returns its findings; services.reconcile_incidents turns findings into
incidents (open once, keep, resolve) and the notifier sends one alert per new incident. A rule whose
source cannot be read (Redis down) reports its kind as unchecked, so its open incidents are neither
resolved nor duplicated on a blind evaluation.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import UTC, datetime

from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from app.monitoring import queries
from app.ops.backups import backup_directory, newest_backup
from app.shops.models import Shop

log = logging.getLogger(__name__)

KINDS = ("sync_lag", "sync_failing", "queue_backlog", "no_worker", "backup_stale")


@dataclass(frozen=True)
class Finding:
    key: str
    kind: str
    summary: str
    organization_id: int | None = None
    shop_id: int | None = None
    details: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass
class Evaluation:
    findings: list[Finding] = field(default_factory=list)
    checked: set[str] = field(default_factory=set)


def _minutes(seconds: float) -> str:
    return f"{seconds / 3600:.1f} h" if seconds >= 5400 else f"{seconds / 60:.0f} min"


def sync_findings(session: Session, shop_settings, now: datetime) -> list[Finding]:
    """Lagging and repeatedly failing syncs, with each shop's own thresholds (settings, cached)."""
    findings = []
    for row in queries.sync_lag(session, None, now):
        settings = shop_settings(row.organization_id, row.shop_id)
        limit = settings["sync_lag_alert_minutes"] * 60
        if settings["sync_enabled"] and row.lag_seconds > limit:
            findings.append(Finding(
                f"sync_lag:shop:{row.shop_id}:{row.kind}", "sync_lag",
                f"{row.shop_name}: {row.kind} last synced {_minutes(row.lag_seconds)} ago "
                f"(alert after {_minutes(limit)})",
                row.organization_id, row.shop_id,
                {"kind": row.kind, "lag_seconds": round(row.lag_seconds), "threshold_seconds": limit,
                 "last_success_at": row.last_success_at.isoformat()}))
    for streak in queries.failure_streaks(session):
        settings = shop_settings(streak.organization_id, streak.shop_id)
        if streak.failures >= settings["sync_failure_alert_count"]:
            shop = session.get(Shop, streak.shop_id)
            findings.append(Finding(
                f"sync_failing:shop:{streak.shop_id}:{streak.kind}", "sync_failing",
                f"{shop.name if shop else streak.shop_id}: {streak.failures} {streak.kind} syncs failed in a row; "
                f"last error: {(streak.last_error or 'none recorded')[:200]}",
                streak.organization_id, streak.shop_id,
                {"kind": streak.kind, "failures": streak.failures, "last_error": streak.last_error}))
    return findings


def queue_findings(redis: Redis, config, now: datetime) -> list[Finding]:
    findings = []
    max_age = config["ALERT_QUEUE_AGE_MINUTES"] * 60
    for stat in queries.queue_stats(redis, now):
        too_deep = stat.depth >= config["ALERT_QUEUE_DEPTH"]
        too_old = stat.oldest_age_seconds is not None and stat.oldest_age_seconds >= max_age
        if too_deep or too_old:
            findings.append(Finding(
                f"queue_backlog:{stat.name}", "queue_backlog",
                f"Queue {stat.name} is backing up: {stat.depth} jobs waiting, the oldest for "
                f"{_minutes(stat.oldest_age_seconds or 0)}",
                details={"queue": stat.name, "depth": stat.depth, "oldest_age_seconds": stat.oldest_age_seconds}))
    if not queries.live_workers(redis, now):
        findings.append(Finding("no_worker", "no_worker",
                                "No worker is alive: nothing on any queue is being processed."))
    return findings


def backup_findings(config, now: datetime) -> list[Finding]:
    folder = backup_directory(config)
    newest = newest_backup(folder)
    limit = config["BACKUP_MAX_AGE_HOURS"] * 3600
    if newest is None:
        return [Finding("backup_stale", "backup_stale", f"There is no backup in {folder}.",
                        details={"directory": str(folder)})]
    age = newest.age(now).total_seconds()
    verification = newest.verification or {}
    if age > limit:
        return [Finding("backup_stale", "backup_stale",
                        f"The newest backup is {_minutes(age)} old (limit {_minutes(limit)}): {newest.path.name}",
                        details={"directory": str(folder), "newest": newest.path.name, "age_seconds": round(age)})]
    if verification and not verification.get("ok"):
        return [Finding("backup_stale", "backup_stale",
                        f"The newest backup {newest.path.name} did not restore to the same rows.",
                        details={"newest": newest.path.name, "mismatches": verification.get("mismatches")})]
    return []


def evaluate(session: Session, redis: Redis, config, shop_settings, now: datetime | None = None) -> Evaluation:
    now = now or datetime.now(UTC)
    result = Evaluation()
    result.findings += sync_findings(session, shop_settings, now)
    result.checked |= {"sync_lag", "sync_failing"}
    try:
        result.findings += queue_findings(redis, config, now)
        result.checked |= {"queue_backlog", "no_worker"}
    except RedisError as exc:
        log.warning("alerts: queues not checked, Redis unreachable: %s", exc)
    if config.get("BACKUP_DIR"):  # backups are scheduled (and so expected) only where BACKUP_DIR is set
        result.findings += backup_findings(config, now)
        result.checked.add("backup_stale")
    return result
