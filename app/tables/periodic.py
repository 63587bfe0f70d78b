"""The scheduler's passes for the tables' background work (exports), and the recovery pass any job ledger uses.

Their rows are the truth about work in progress. A row that is queued or running with no live RQ job (Redis
flushed or restarted without its data, the worker killed) is put back on its queue: an export then writes its
file again from the start (a status change sends the orders still pending: app/orders/periodic.py).
Finished exports' files are deleted after EXPORT_KEEP_HOURS.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from app.extensions import db
from app.tables import services
from app.tables.exports import export_paths
from app.tables.models import TableExport

log = logging.getLogger(__name__)

# A row this young may still be between its commit and the route's enqueue; leave it to the route.
GRACE_SECONDS = 30
UNFINISHED = ("queued", "running")


def requeue_lost(app, model, enqueue: Callable[[object, int], bool]) -> int:
    """Re-enqueue the unfinished rows of `model` (a job ledger with `status` and `created_at`) whose job is
    gone; returns how many were put back."""
    redis = app.extensions["redis"]
    young = text(f"now() - interval '{GRACE_SECONDS} seconds'")
    ids = db.session.execute(
        select(model.id).where(model.status.in_(UNFINISHED), model.created_at < young).order_by(model.id)
    ).scalars().all()
    requeued = 0
    for row_id in ids:
        if enqueue(redis, row_id):  # False while its job waits or runs on a live worker
            requeued += 1
            log.warning("re-enqueued %s %s: its job was lost", model.__tablename__, row_id)
    return requeued


def requeue_lost_exports(app) -> int:
    return requeue_lost(app, TableExport, services.enqueue_export)


def delete_expired_exports(app) -> int:
    """Delete the files of exports finished more than EXPORT_KEEP_HOURS ago; their rows say "expired"."""
    cutoff = datetime.now(UTC) - timedelta(hours=float(app.config["EXPORT_KEEP_HOURS"]))
    expired = db.session.execute(
        select(TableExport).where(TableExport.status == "done", TableExport.finished_at < cutoff)
        .order_by(TableExport.id).limit(500)
    ).scalars().all()
    for export in expired:
        for path in export_paths(export):
            path.unlink(missing_ok=True)
        export.status, export.file_path = "expired", None
    db.session.commit()
    return len(expired)
