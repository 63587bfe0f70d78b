"""Reads for the monitoring page, /metrics and the alert rules: Redis (queues, workers, counters) and the ledger.

`org_id=None` means the whole platform (operators); an id limits tenant data to that organization.
Platform internals (queues, workers, database sizes, slow queries, logged errors, backups) are shown to
operators only; the routes decide that, these functions only read.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import orjson
from flask_babel import gettext as _
from redis import Redis
from rq import Worker
from rq.exceptions import NoSuchJobError
from rq.job import Job
from rq.registry import FailedJobRegistry, ScheduledJobRegistry, StartedJobRegistry
from rq.serializers import JSONSerializer
from sqlalchemy import and_, func, select, text
from sqlalchemy.dialects.postgresql import aggregate_order_by
from sqlalchemy.orm import Session, aliased

from app.core.namespace import redis_key
from app.monitoring import budget, events
from app.monitoring.models import Incident
from app.orgs.models import Organization
from app.queues import QUEUES, get_queue, logical_name
from app.shops.models import Shop
from app.sync.models import ACTIVE_STATUSES, SyncRun

WORKER_ALIVE_SECONDS = 90  # a worker heartbeats every ~worker_ttl/… seconds; past this it is presumed gone
QUEUED_TOO_LONG_SECONDS = 600  # a queued run nobody picked up in 10 minutes is stuck
SCHEDULER_HEARTBEAT_KEY = "hub:scheduler:heartbeat"


def _now() -> datetime:
    return datetime.now(UTC)


# --- queues and workers (Redis) ----------------------------------------------------------------------

@dataclass
class QueueStat:
    name: str
    purpose: str
    timeout_seconds: int
    depth: int
    oldest_age_seconds: float | None
    started: int
    failed: int
    scheduled: int


def queue_stats(redis: Redis, now: datetime | None = None) -> list[QueueStat]:
    now = now or _now()
    stats = []
    for spec in QUEUES.values():
        queue = get_queue(spec.name, redis)
        oldest = None
        first = queue.get_job_ids(0, 1)
        job = _peek_job(redis, first[0]) if first else None
        if job is not None and job.enqueued_at is not None:
            oldest = max(0.0, (now - job.enqueued_at.replace(tzinfo=UTC)).total_seconds())
        # cleanup=False: counting must not change RQ's state (a registry's cleanup fails abandoned jobs).
        stats.append(QueueStat(
            spec.name, spec.purpose, spec.job_timeout, queue.count, oldest,
            StartedJobRegistry(queue=queue).get_job_count(cleanup=False),
            FailedJobRegistry(queue=queue).get_job_count(cleanup=False),
            ScheduledJobRegistry(queue=queue).get_job_count(cleanup=False),
        ))
    return stats


def _peek_job(redis: Redis, job_id: str) -> Job | None:
    """Job.fetch, not Queue.fetch_job: the latter removes a dangling id, and monitoring only looks."""
    try:
        return Job.fetch(job_id, connection=redis, serializer=JSONSerializer)
    except NoSuchJobError:
        return None


@dataclass
class WorkerStat:
    name: str
    hostname: str | None
    pid: int | None
    queues: list[str]
    state: str
    last_heartbeat: datetime | None
    current_job: str | None
    successful: int
    failed: int

    def alive(self, now: datetime) -> bool:
        return self.last_heartbeat is not None and (now - self.last_heartbeat).total_seconds() < WORKER_ALIVE_SECONDS


def worker_stats(redis: Redis) -> list[WorkerStat]:
    """RQ's own registry: a worker's key expires when it stops heartbeating, so these are the live ones.

    Only this database's workers (listening on its namespaced queues), with the queues' logical names."""
    workers = []
    for worker in Worker.all(connection=redis, serializer=JSONSerializer):
        queues = [name for name in map(logical_name, worker.queue_names()) if name is not None]
        if not queues:
            continue  # another hub's worker on the same Redis
        heartbeat = worker.last_heartbeat.replace(tzinfo=UTC) if worker.last_heartbeat else None
        workers.append(WorkerStat(worker.name, worker.hostname, worker.pid, queues,
                                  str(worker.get_state()), heartbeat, _logical_job(worker.get_current_job_id()),
                                  worker.successful_job_count, worker.failed_job_count))
    return sorted(workers, key=lambda worker: (worker.hostname or "", worker.name))


def _logical_job(job_id: str | None) -> str | None:
    return None if job_id is None else logical_name(job_id) or job_id


def live_workers(redis: Redis, now: datetime | None = None) -> list[WorkerStat]:
    now = now or _now()
    return [worker for worker in worker_stats(redis) if worker.alive(now)]


def scheduler_heartbeat(redis: Redis) -> datetime | None:
    raw = redis.get(redis_key(SCHEDULER_HEARTBEAT_KEY))
    return datetime.fromtimestamp(int(raw), UTC) if raw else None


# --- runs (the ledger) ---------------------------------------------------------------------------------

@dataclass
class RunView:
    run: SyncRun
    shop_name: str
    org_name: str
    stuck_reason: str | None = None


def _runs(session: Session, org_id: int | None, *conditions, order, limit: int) -> list[tuple]:
    statement = (select(SyncRun, Shop.name, Organization.name)
                 .join(Shop, Shop.id == SyncRun.shop_id)
                 .join(Organization, Organization.id == SyncRun.organization_id)
                 .where(*conditions).order_by(*order).limit(limit))
    if org_id is not None:
        statement = statement.where(SyncRun.organization_id == org_id)
    return session.execute(statement).all()


def stuck_reason(run: SyncRun, now: datetime) -> str | None:
    """Why an active run looks stuck, or None. The scheduler repairs most of these by itself."""
    if run.status == "running" and run.lease_expires_at is not None and run.lease_expires_at < now:
        silent = (now - (run.heartbeat_at or run.lease_expires_at)).total_seconds()
        return _("no heartbeat for %(seconds)s s: its worker is gone; the scheduler re-queues it",
                 seconds=f"{silent:.0f}")
    if run.status == "queued" and (now - run.created_at).total_seconds() > QUEUED_TOO_LONG_SECONDS:
        return _("queued for over 10 minutes: is a worker serving its queue?")
    return None


def active_runs(session: Session, org_id: int | None, now: datetime | None = None, limit: int = 100) -> list[RunView]:
    now = now or _now()
    rows = _runs(session, org_id, SyncRun.status.in_(ACTIVE_STATUSES), order=[SyncRun.id], limit=limit)
    return [RunView(run, shop, org, stuck_reason(run, now)) for run, shop, org in rows]


def failed_runs(session: Session, org_id: int | None, limit: int = 20) -> list[RunView]:
    """Recent failures that were not followed by a newer run of the same shop and kind."""
    newer = aliased(SyncRun)
    superseded = select(newer.id).where(newer.shop_id == SyncRun.shop_id, newer.kind == SyncRun.kind,
                                        newer.id > SyncRun.id).exists()
    rows = _runs(session, org_id, SyncRun.status == "failed", ~superseded, order=[SyncRun.id.desc()], limit=limit)
    return [RunView(run, shop, org) for run, shop, org in rows]


# --- sync lag ----------------------------------------------------------------------------------------

@dataclass
class LagRow:
    shop_id: int
    shop_name: str
    organization_id: int
    kind: str
    last_success_at: datetime
    lag_seconds: float


def sync_lag(session: Session, org_id: int | None, now: datetime | None = None) -> list[LagRow]:
    """Per (shop, kind) that has succeeded at least once: time since its newest success."""
    now = now or _now()
    statement = (select(SyncRun.shop_id, Shop.name, Shop.organization_id, SyncRun.kind, func.max(SyncRun.finished_at))
                 .join(Shop, Shop.id == SyncRun.shop_id)
                 .where(SyncRun.status == "succeeded", Shop.status == "active")
                 .group_by(SyncRun.shop_id, Shop.name, Shop.organization_id, SyncRun.kind)
                 .order_by(Shop.name, SyncRun.kind))
    if org_id is not None:
        statement = statement.where(Shop.organization_id == org_id)
    return [LagRow(shop_id, name, organization, kind, finished, max(0.0, (now - finished).total_seconds()))
            for shop_id, name, organization, kind, finished in session.execute(statement).all() if finished]


@dataclass
class FailureStreak:
    shop_id: int
    organization_id: int
    kind: str
    failures: int
    last_error: str | None


def failure_streaks(session: Session, org_id: int | None = None) -> list[FailureStreak]:
    """Failed runs since the newest success, per (shop, kind)."""
    success = aliased(SyncRun)
    last_success = (select(func.coalesce(func.max(success.id), 0))
                    .where(success.shop_id == SyncRun.shop_id, success.kind == SyncRun.kind,
                           success.status == "succeeded").scalar_subquery())
    statement = (select(SyncRun.shop_id, SyncRun.organization_id, SyncRun.kind, func.count(),
                        func.array_agg(aggregate_order_by(SyncRun.error, SyncRun.id.desc())))
                 .where(SyncRun.status == "failed", SyncRun.id > last_success)
                 .group_by(SyncRun.shop_id, SyncRun.organization_id, SyncRun.kind))
    if org_id is not None:
        statement = statement.where(SyncRun.organization_id == org_id)
    return [FailureStreak(shop_id, organization, kind, count, errors[0] if errors else None)
            for shop_id, organization, kind, count, errors in session.execute(statement).all()]


# --- throughput --------------------------------------------------------------------------------------

@dataclass
class HourBucket:
    hour: datetime
    runs: int
    rows: int
    failed: int


def hourly_throughput(session: Session, org_id: int | None, hours: int = 24,
                      now: datetime | None = None) -> list[HourBucket]:
    """Finished runs and the rows they processed, per hour of the last `hours` (oldest first, gaps as zeros)."""
    now = now or _now()
    hour = func.date_trunc("hour", SyncRun.finished_at)
    statement = (select(hour, func.count(), func.coalesce(func.sum(SyncRun.progress_done), 0),
                        func.count().filter(SyncRun.status == "failed"))
                 .where(SyncRun.finished_at > text("now() - make_interval(hours => :hours)"))
                 .group_by(hour))
    if org_id is not None:
        statement = statement.where(SyncRun.organization_id == org_id)
    found = {row[0].timestamp(): row for row in session.execute(statement, {"hours": hours}).all()}
    start = now.replace(minute=0, second=0, microsecond=0).timestamp()
    buckets = []
    for back in range(hours - 1, -1, -1):
        moment = start - back * 3600
        row = found.get(moment)
        hour = datetime.fromtimestamp(moment, UTC)
        buckets.append(HourBucket(hour, row[1], int(row[2]), row[3]) if row else HourBucket(hour, 0, 0, 0))
    return buckets


# --- API budget (what each shop's client saw; app/monitoring/budget.py) ------------------------------

@dataclass
class BudgetRow:
    shop_id: int
    shop_name: str
    filling: float | None
    capacity: float | None
    observed_at: datetime | None
    requests_hour: int
    rate_limited_hour: int
    rate_limited_total: int

    @property
    def ratio(self) -> float | None:
        return self.filling / self.capacity if self.filling is not None and self.capacity else None


def api_budget(session: Session, redis: Redis, org_id: int | None) -> list[BudgetRow]:
    statement = select(Shop.id, Shop.name).order_by(Shop.name)
    if org_id is not None:
        statement = statement.where(Shop.organization_id == org_id)
    rows = []
    for shop_id, name in session.execute(statement).all():
        bucket = redis.hgetall(budget.bucket_key(shop_id))
        filling = float(bucket[b"filling"]) if bucket else None
        capacity = float(bucket[b"capacity"]) if bucket else None
        observed = datetime.fromtimestamp(float(bucket[b"observed_at"]), UTC) if bucket else None
        rows.append(BudgetRow(shop_id, name, filling, capacity, observed,
                              events.event_sum(redis, budget.requests_event(shop_id), 60),
                              events.event_sum(redis, budget.rate_limited_event(shop_id), 60),
                              events.event_total(redis, budget.rate_limited_event(shop_id)) or 0))
    return rows


# --- webhook intake ----------------------------------------------------------------------------------

@dataclass
class WebhookIntake:
    received_day: int
    unprocessed: int
    oldest_unprocessed_seconds: float | None
    rejected_day: int | None  # None: intake does not count rejections (yet)


def webhook_intake(session: Session, redis: Redis, org_id: int | None,
                   now: datetime | None = None) -> WebhookIntake | None:
    """The inbox's numbers once webhook intake exists (its `webhook_events` table); None until then."""
    from app.db import Base

    inbox = Base.metadata.tables.get("webhook_events")
    if inbox is None or not {"received_at", "processed_at", "shop_id"} <= set(inbox.c.keys()):
        return None
    if session.execute(text("SELECT to_regclass('webhook_events')")).scalar() is None:
        return None
    now = now or _now()
    statement = select(
        func.count().filter(inbox.c.received_at > text("now() - interval '1 day'")),
        func.count().filter(inbox.c.processed_at.is_(None)),
        func.min(inbox.c.received_at).filter(inbox.c.processed_at.is_(None)),
    )
    if org_id is not None:
        statement = statement.join_from(inbox, Shop, and_(Shop.id == inbox.c.shop_id, Shop.organization_id == org_id))
    received, unprocessed, oldest = session.execute(statement).one()
    rejected = events.event_total(redis, "webhooks.rejected")
    return WebhookIntake(received, unprocessed, (now - oldest).total_seconds() if oldest else None,
                         None if rejected is None else events.event_sum(redis, "webhooks.rejected", 24 * 60))


# --- incidents ---------------------------------------------------------------------------------------

def open_incidents(session: Session, org_id: int | None) -> list[Incident]:
    statement = select(Incident).where(Incident.resolved_at.is_(None)).order_by(Incident.opened_at.desc())
    if org_id is not None:
        statement = statement.where(Incident.organization_id == org_id)
    return list(session.execute(statement).scalars())


def recently_resolved(session: Session, org_id: int | None, limit: int = 10) -> list[Incident]:
    statement = (select(Incident).where(Incident.resolved_at.is_not(None))
                 .order_by(Incident.resolved_at.desc()).limit(limit))
    if org_id is not None:
        statement = statement.where(Incident.organization_id == org_id)
    return list(session.execute(statement).scalars())


# --- platform internals (operators) ------------------------------------------------------------------

@dataclass
class TableSize:
    name: str
    parent: str | None
    total_bytes: int
    rows_estimate: int


def table_sizes(session: Session, limit: int = 60) -> list[TableSize]:
    """Tables and partitions by size on disk (with indexes and TOAST); partitions name their parent."""
    rows = session.execute(text("""
        SELECT c.relname, p.relname,
               CASE WHEN c.relkind = 'p' THEN coalesce((SELECT sum(pg_total_relation_size(i.inhrelid))
                                                        FROM pg_inherits i WHERE i.inhparent = c.oid), 0)
                    ELSE pg_total_relation_size(c.oid) END AS bytes,
               greatest(c.reltuples, 0)::bigint
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_inherits inh ON inh.inhrelid = c.oid
        LEFT JOIN pg_class p ON p.oid = inh.inhparent
        WHERE c.relkind IN ('r', 'p') AND n.nspname NOT IN ('pg_catalog', 'information_schema')
          AND n.nspname NOT LIKE 'pg\\_%'
        ORDER BY bytes DESC, c.relname LIMIT :limit
    """), {"limit": limit}).all()
    return [TableSize(name, parent, int(size), int(estimate)) for name, parent, size, estimate in rows]


def database_size(session: Session) -> int:
    return int(session.execute(text("SELECT pg_database_size(current_database())")).scalar_one())


@dataclass
class SlowQuery:
    query: str
    calls: int
    mean_ms: float
    total_ms: float
    rows: int


def slow_queries(session: Session, limit: int = 10) -> list[SlowQuery] | None:
    """The slowest statements by mean time, from pg_stat_statements; None where the extension is not
    installed in this database or not loaded (shared_preload_libraries)."""
    installed = session.execute(text("SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'")).scalar()
    if not installed:
        return None
    try:
        with session.begin_nested():
            rows = session.execute(text(
                "SELECT query, calls, mean_exec_time, total_exec_time, rows FROM pg_stat_statements "
                "WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) "
                "ORDER BY mean_exec_time DESC LIMIT :limit"
            ), {"limit": limit}).all()
    except Exception:  # noqa: BLE001 (not loaded: "pg_stat_statements must be loaded via shared_preload_libraries")
        return None
    return [SlowQuery(query[:500], calls, float(mean), float(total), rows) for query, calls, mean, total, rows in rows]


@dataclass
class LoggedError:
    at: datetime
    process: str
    logger: str
    message: str


def recent_errors(redis: Redis, limit: int = 30) -> list[LoggedError]:
    from app.monitoring.errors import recent_errors_key

    entries = []
    for raw in redis.lrange(recent_errors_key(), 0, limit - 1):
        item = orjson.loads(raw)
        entries.append(LoggedError(datetime.fromtimestamp(item["at"], UTC), item.get("process", ""),
                                   item.get("logger", ""), item.get("message", "")))
    return entries


def cache_hit_rate(stats: dict[str, int]) -> float | None:
    total = stats["hits"] + stats["misses"]
    return stats["hits"] / total if total else None
