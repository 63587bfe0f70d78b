"""The scheduler's monitoring passes: sample the trends, evaluate the alert rules, send new alerts.

Both run at most once a minute (a per-minute slot in Redis), whatever the tick rate and however many
schedulers tick; the tick's advisory lock already keeps two schedulers from running them at once, and it
commits (or rolls back and logs) each pass on its own, so a failing monitoring pass stops nothing else.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime

from app.core.namespace import redis_key
from app.extensions import db
from app.monitoring import alerts, queries, services, trends

log = logging.getLogger(__name__)


def _settings_readers(session):
    from app.settings.cache import settings_cache

    cache = settings_cache()
    return (lambda org_id, shop_id: cache.values(session, org_id, shop_id),
            lambda org_id: cache.values(session, org_id))


def evaluate_and_notify(app, now: datetime | None = None) -> services.Reconciled:
    """One full alert pass (no throttle): findings → incidents → notifications. Flushes; the caller commits."""
    now = now or datetime.now(UTC)
    shop_settings, org_settings = _settings_readers(db.session)
    evaluation = alerts.evaluate(db.session, app.extensions["redis"], app.config, shop_settings, now)
    reconciled = services.reconcile_incidents(db.session, evaluation, now)
    for key in reconciled.opened:
        log.warning("incident opened: %s", key)
    services.notify_pending(db.session, app.config, org_settings, now)
    return reconciled


def run_alert_pass(app) -> None:
    if not app.extensions["redis"].set(redis_key("hub:mon:alerts:slot", app), 1, nx=True, ex=55):
        return
    evaluate_and_notify(app)


def sample_trends(app) -> None:
    redis = app.extensions["redis"]
    now = time.time()
    if not trends.claim_sampling_slot(redis, now):
        return
    moment = datetime.fromtimestamp(now, UTC)
    values = {trends.queue_series(stat.name): stat.depth for stat in queries.queue_stats(redis, moment)}
    values[trends.WORKERS_SERIES] = len(queries.live_workers(redis, moment))
    for row in queries.sync_lag(db.session, None, moment):
        values[trends.lag_series(row.shop_id, row.kind)] = row.lag_seconds
    trends.record(redis, values, now)
