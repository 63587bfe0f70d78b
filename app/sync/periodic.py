"""The scheduler's periodic work for the ledger: put due runs (back) on the queue, keep partitions ready.

Finds from the database: queued runs (their RQ job may be gone with a flushed Redis), retries whose
time has come, and running runs whose lease expired (the worker died). Enqueueing is idempotent.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

from sqlalchemy import select, text

from app.extensions import db
from app.imports.partitions import ensure_ahead
from app.settings.cache import settings_cache
from app.sync.dispatch import enqueue_run
from app.sync.incremental import schedule_due_syncs
from app.sync.models import SyncRun
from app.webhooks.models import WebhookEvent
from app.webhooks.services import process_pending

log = logging.getLogger(__name__)


def due_runs():
    """(id, kind, mode, stale) of runs that should be on a queue; stale = a worker held it and went silent."""
    stale = (SyncRun.status == "running") & (SyncRun.lease_expires_at < text("now()"))
    return db.session.execute(
        select(SyncRun.id, SyncRun.kind, SyncRun.mode, stale).where(
            (SyncRun.status == "queued")
            | ((SyncRun.status == "retrying") & (SyncRun.next_attempt_at <= text("now()")))
            | ((SyncRun.status == "running") & (SyncRun.lease_expires_at < text("now()")))
        ).order_by(SyncRun.id)
    ).all()


def enqueue_due_runs(app) -> int:
    redis = app.extensions["redis"]
    enqueued = 0
    for run_id, kind, mode, stale in due_runs():
        if enqueue_run(redis, run_id, kind, mode, stale=stale):
            enqueued += 1
            log.info("enqueued run %s (%s)", run_id, kind)
    return enqueued


def keep_partitions_ahead(app) -> None:
    with db.engine.begin() as connection:
        ensure_ahead(connection, datetime.now(UTC).date())


def schedule_incremental_syncs(app) -> None:
    cache = settings_cache()
    schedule_due_syncs(db.session, lambda shop: cache.values(db.session, shop.organization_id, shop.id))


def process_waiting_webhooks(app) -> None:
    """Events whose processing job never ran (Redis down at intake, or flushed) are processed here."""
    shop_ids = db.session.execute(
        select(WebhookEvent.shop_id).where(WebhookEvent.processed_at.is_(None),
                                           WebhookEvent.received_at < text("now() - interval '20 seconds'"))
        .distinct()
    ).scalars().all()
    for shop_id in shop_ids:
        process_pending(db.session, shop_id)
