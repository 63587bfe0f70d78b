"""/metrics in the Prometheus text format.

Two kinds of numbers:
- request latency, measured in this process by a before/after_request pair into a Histogram. Under
  gunicorn (several processes) set PROMETHEUS_MULTIPROC_DIR (deploy/ does): prometheus_client then keeps
  the histogram in files there and the scrape adds up every process's share.
- everything shared (queues, workers, runs, lag, cache, API budget, incidents, backups) is read at scrape
  time from PostgreSQL and Redis by `HubCollector`, so any process answers the same, and no process has to
  push anything. A source that cannot be read is reported by `hub_up{component=...} 0` instead of failing
  the whole scrape.
"""

from __future__ import annotations

import logging
import os
import time
from datetime import UTC, datetime

from flask import Flask, current_app, g, request
from prometheus_client import CollectorRegistry, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.exposition import choose_encoder
from redis.exceptions import RedisError
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


def install_request_timing(app: Flask) -> None:
    histogram = Histogram("hub_request_duration_seconds", "Time to answer an HTTP request, by endpoint.",
                          ["method", "endpoint"], buckets=LATENCY_BUCKETS, registry=None)
    app.extensions["request_latency"] = histogram

    @app.before_request
    def _start_timer():
        g.monitoring_started = time.perf_counter()

    @app.after_request
    def _observe(response):
        started = g.pop("monitoring_started", None)
        if started is not None:
            histogram.labels(request.method, request.endpoint or "unmatched").observe(time.perf_counter() - started)
        return response


def exposition(accept: str | None) -> tuple[bytes, str]:
    """A fresh registry per scrape: the shared numbers, plus latency from this process or all of them.
    The format follows the scraper's Accept header (Prometheus text, or OpenMetrics)."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HubCollector())
    if multiprocess_dir():
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(current_app.extensions["request_latency"])
    encoder, content_type = choose_encoder(accept or "")
    return encoder(registry), content_type


class HubCollector:
    """Reads the shared state at scrape time (called inside the /metrics request)."""

    def collect(self):
        up = GaugeMetricFamily("hub_up", "Whether a source of these metrics could be read.", labels=["component"])
        for component, reader in (("redis", self._redis_metrics), ("database", self._database_metrics)):
            try:
                families = list(reader())
            except (RedisError, SQLAlchemyError, OSError) as exc:
                log.warning("metrics: %s not readable: %s", component, exc)
                if component == "database":
                    db.session.rollback()
                up.add_metric([component], 0)
                continue
            up.add_metric([component], 1)
            yield from families
        yield up

    def _redis_metrics(self):
        from app.monitoring import queries
        from app.settings.cache import settings_cache

        redis = current_app.extensions["redis"]
        now = datetime.now(UTC)
        depth = GaugeMetricFamily("hub_queue_jobs", "Jobs waiting in an RQ queue.", labels=["queue"])
        age = GaugeMetricFamily("hub_queue_oldest_job_age_seconds", "Age of the oldest waiting job.",
                                labels=["queue"])
        failed = GaugeMetricFamily("hub_queue_failed_jobs", "Jobs in a queue's failed registry.", labels=["queue"])
        for stat in queries.queue_stats(redis, now):
            depth.add_metric([stat.name], stat.depth)
            age.add_metric([stat.name], stat.oldest_age_seconds or 0.0)
            failed.add_metric([stat.name], stat.failed)
        yield from (depth, age, failed)
        yield GaugeMetricFamily("hub_workers_alive", "RQ workers with a recent heartbeat.",
                                value=len(queries.live_workers(redis, now)))
        heartbeat = queries.scheduler_heartbeat(redis)
        if heartbeat is not None:
            yield GaugeMetricFamily("hub_scheduler_heartbeat_age_seconds", "Seconds since the scheduler's last tick.",
                                    value=(now - heartbeat).total_seconds())
        stats = settings_cache().stats()
        yield CounterMetricFamily("hub_settings_cache_hits", "Settings reads served by the cache.",
                                  value=stats["hits"])
        yield CounterMetricFamily("hub_settings_cache_misses", "Settings reads that went to the database.",
                                  value=stats["misses"])
        yield from self._event_counters(redis)

    def _event_counters(self, redis):
        from app.monitoring import budget, events
        from app.shops.models import Shop

        requests = CounterMetricFamily("hub_shoptet_requests", "Shoptet API answers received.", labels=["shop_id"])
        limited = CounterMetricFamily("hub_shoptet_rate_limited", "Shoptet API 429 answers.", labels=["shop_id"])
        filling = GaugeMetricFamily("hub_shoptet_bucket_filling_ratio",
                                    "Last X-RateLimit-Bucket-Filling seen, as a share of the bucket.",
                                    labels=["shop_id"])
        for (shop_id,) in db.session.execute(select(Shop.id).order_by(Shop.id)).all():
            label = [str(shop_id)]
            total = events.event_total(redis, budget.requests_event(shop_id))
            if total is not None:
                requests.add_metric(label, total)
                limited.add_metric(label, events.event_total(redis, budget.rate_limited_event(shop_id)) or 0)
            bucket = redis.hgetall(budget.bucket_key(shop_id))
            if bucket and float(bucket[b"capacity"]):
                filling.add_metric(label, float(bucket[b"filling"]) / float(bucket[b"capacity"]))
        yield from (requests, limited, filling)
        for name, help_text in (("webhooks.received", "Webhook deliveries accepted."),
                                ("webhooks.rejected", "Webhook deliveries refused (signature, unknown shop).")):
            total = events.event_total(redis, name)
            if total is not None:  # absent until webhook intake counts it
                yield CounterMetricFamily("hub_" + name.replace(".", "_"), help_text, value=total)

    def _database_metrics(self):
        from app.monitoring import queries
        from app.monitoring.models import Incident
        from app.ops.backups import backup_directory, newest_backup
        from app.sync.models import SyncRun

        runs = GaugeMetricFamily("hub_sync_runs", "Runs in the ledger by kind and status.", labels=["kind", "status"])
        for kind, status, count in db.session.execute(
                select(SyncRun.kind, SyncRun.status, func.count()).group_by(SyncRun.kind, SyncRun.status)).all():
            runs.add_metric([kind, status], count)
        yield runs
        lag = GaugeMetricFamily("hub_sync_lag_seconds", "Seconds since the newest successful run.",
                                labels=["shop_id", "kind"])
        for row in queries.sync_lag(db.session, None):
            lag.add_metric([str(row.shop_id), row.kind], row.lag_seconds)
        yield lag
        incidents = GaugeMetricFamily("hub_incidents_open", "Open incidents by kind.", labels=["kind"])
        for kind, count in db.session.execute(select(Incident.kind, func.count())
                                              .where(Incident.resolved_at.is_(None)).group_by(Incident.kind)).all():
            incidents.add_metric([kind], count)
        yield incidents
        newest = newest_backup(backup_directory(current_app.config))
        if newest is not None:
            yield GaugeMetricFamily("hub_backup_newest_age_seconds", "Age of the newest complete backup.",
                                    value=newest.age().total_seconds())
