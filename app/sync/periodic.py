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
from app.sync.dispatch import enqueue_run
from app.sync.models import SyncRun

log = logging.getLogger(__name__)


def due_runs():
    """(id, kind, stale) of runs that should be on a queue; stale = a worker held it and went silent."""
    stale = (SyncRun.status == "running") & (SyncRun.lease_expires_at < text("now()"))
    return db.session.execute(
        select(SyncRun.id, SyncRun.kind, stale).where(
            (SyncRun.status == "queued")
            | ((SyncRun.status == "retrying") & (SyncRun.next_attempt_at <= text("now()")))
            | ((SyncRun.status == "running") & (SyncRun.lease_expires_at < text("now()")))
        ).order_by(SyncRun.id)
    ).all()


def enqueue_due_runs(app) -> int:
    redis = app.extensions["redis"]
    enqueued = 0
    for run_id, kind, stale in due_runs():
        if enqueue_run(redis, run_id, kind, stale=stale):
            enqueued += 1
            log.info("enqueued run %s (%s)", run_id, kind)
    return enqueued


def keep_partitions_ahead(app) -> None:
    with db.engine.begin() as connection:
        ensure_ahead(connection, datetime.now(UTC).date())
