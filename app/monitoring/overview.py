"""Everything the monitoring page shows, read in one place (routes stay thin; nothing here writes).

Operators (scope None) see the platform: queues, workers, backups, database sizes, slow queries, logged
errors. Owners see their organization: its runs, lag, API budget, webhooks and incidents. A source that
cannot be read (Redis down) shows as unavailable instead of failing the page.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from redis import Redis
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from app.formats import display_zone_name
from app.monitoring import charts, queries, summary, trends
from app.queues import QUEUES

LIVE_HOURS = 6
TREND_HOURS = 24
ERRORS_GROUPED = 200  # every error the capped list keeps (app/monitoring/errors.py KEEP)


@dataclass
class Overview:
    operator: bool
    now: datetime
    redis_error: str | None = None
    queues: list[queries.QueueStat] = field(default_factory=list)
    workers: list[queries.WorkerStat] = field(default_factory=list)
    scheduler_heartbeat: datetime | None = None
    active_runs: list[queries.RunView] = field(default_factory=list)
    failed_runs: list[queries.RunView] = field(default_factory=list)
    lag: list[queries.LagRow] = field(default_factory=list)
    budget: list[queries.BudgetRow] = field(default_factory=list)
    webhooks: queries.WebhookIntake | None = None
    cache: dict | None = None
    cache_hit_rate: float | None = None
    incidents: list = field(default_factory=list)
    resolved: list = field(default_factory=list)
    charts: list[charts.Chart] = field(default_factory=list)
    backups: list = field(default_factory=list)
    backup_dir: str = ""
    database_bytes: int | None = None
    tables: list[queries.TableSize] = field(default_factory=list)
    slow_queries: list[queries.SlowQuery] | None = None
    errors: list[queries.LoggedError] = field(default_factory=list)
    error_groups: list[summary.ErrorGroup] = field(default_factory=list)
    health: summary.Summary | None = None  # what the page says first

    def worker_alive(self, worker: queries.WorkerStat) -> bool:
        return worker.alive(self.now)


def live_overview(session: Session, redis: Redis, org_id: int | None, *, operator: bool) -> Overview:
    """The part that refreshes every few seconds: the summary, incidents, errors by cause, queues, workers, runs."""
    view = Overview(operator=operator, now=datetime.now(UTC))
    view.active_runs = queries.active_runs(session, org_id, view.now)
    view.failed_runs = queries.failed_runs(session, org_id)
    view.incidents = queries.open_incidents(session, org_id)
    if operator:
        try:
            view.queues = queries.queue_stats(redis, view.now)
            view.workers = queries.worker_stats(redis)
            view.scheduler_heartbeat = queries.scheduler_heartbeat(redis)
            view.errors = queries.recent_errors(redis, limit=ERRORS_GROUPED)
            view.error_groups = summary.group_errors(view.errors)
        except RedisError as exc:
            view.redis_error = str(exc)
    view.health = summary.summarize(view)
    return view


def full_overview(session: Session, redis: Redis, org_id: int | None, *, operator: bool) -> Overview:
    from app.ops.backups import backup_directory, list_backups
    from app.settings.cache import settings_cache

    view = live_overview(session, redis, org_id, operator=operator)
    view.lag = queries.sync_lag(session, org_id, view.now)
    view.resolved = queries.recently_resolved(session, org_id)
    end = time.time()
    zone = ZoneInfo(display_zone_name())  # the charts' times, as every time on the page
    view.charts.append(_throughput_chart(queries.hourly_throughput(session, org_id, TREND_HOURS, view.now), zone))
    try:
        view.budget = queries.api_budget(session, redis, org_id)
        view.webhooks = queries.webhook_intake(session, redis, org_id, view.now)
        view.charts.append(_lag_chart(redis, view.lag, end, zone))
        if operator:
            view.charts.append(_queue_chart(redis, end, zone))
            view.cache = settings_cache().stats()
            view.cache_hit_rate = queries.cache_hit_rate(view.cache)
    except RedisError as exc:
        view.redis_error = str(exc)
        view.health = summary.summarize(view)
    if operator:
        folder = backup_directory(current_app.config)
        view.backup_dir, view.backups = str(folder), list_backups(folder)[:10]
        view.database_bytes = queries.database_size(session)
        view.tables = queries.table_sizes(session)
        view.slow_queries = queries.slow_queries(session)
    return view


def _throughput_chart(buckets: list[queries.HourBucket], zone: ZoneInfo) -> charts.Chart:
    start = buckets[0].hour.timestamp() if buckets else time.time() - TREND_HOURS * 3600
    end = buckets[-1].hour.timestamp() if buckets else time.time()
    return charts.line_chart(_l("Rows imported per hour"), {
        str(_l("rows imported")): [(bucket.hour.timestamp(), bucket.rows) for bucket in buckets],
    }, start=start, end=end, unit=_l("rows"), zone=zone)


def _lag_chart(redis: Redis, lag: list[queries.LagRow], end: float, zone: ZoneInfo) -> charts.Chart:
    start = end - TREND_HOURS * 3600
    worst = sorted(lag, key=lambda row: row.lag_seconds, reverse=True)[:len(charts.PALETTE)]
    series = {f"{row.shop_name} · {row.kind}": [(point.at, point.value / 60) for point in
                                               trends.read(redis, trends.lag_series(row.shop_id, row.kind), start)]
              for row in worst}
    return charts.line_chart(_l("Sync lag (minutes)"), series, start=start, end=end, unit=_l("min"), zone=zone)


def _queue_chart(redis: Redis, end: float, zone: ZoneInfo) -> charts.Chart:
    start = end - LIVE_HOURS * 3600
    series = {name: [(point.at, point.value) for point in trends.read(redis, trends.queue_series(name), start)]
              for name in QUEUES}
    workers = trends.read(redis, trends.WORKERS_SERIES, start)
    series[str(_l("workers alive"))] = [(point.at, point.value) for point in workers]
    return charts.line_chart(_l("Queue depth and live workers"), series, start=start, end=end, unit=_l("jobs"),
                             zone=zone)
