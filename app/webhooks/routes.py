"""Shoptet's webhook endpoint: verify, store, answer 200 at once; the work happens on a queue."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, request

from app.db import run_after_commit
from app.extensions import csrf, db
from app.monitoring.events import count_event
from app.webhooks import services

bp = Blueprint("webhooks", __name__)
log = logging.getLogger(__name__)


@bp.post("/webhooks/shoptet/<int:shop_id>")
@csrf.exempt  # signed by Shoptet instead
def shoptet(shop_id: int):
    body = request.get_data(cache=False)
    redis = current_app.extensions["redis"]
    try:
        event = services.accept(db.session, shop_id, body, request.headers)
    except services.WebhookRejected as exc:
        db.session.rollback()
        count_event(redis, "webhooks.rejected")
        return {"error": str(exc)}, exc.status
    count_event(redis, "webhooks.received")
    if event is not None:
        run_after_commit(db.session, lambda: _enqueue_processing(shop_id))
    db.session.commit()
    return {"ok": True, "duplicate": event is None}, 200


def _enqueue_processing(shop_id: int) -> None:
    """Best effort: if Redis is down the event waits in the inbox for the scheduler's pass."""
    from app.webhooks.dispatch import enqueue_processing

    try:
        enqueue_processing(current_app.extensions["redis"], shop_id)
    except Exception:
        log.warning("could not enqueue webhook processing for shop %s; the scheduler will", shop_id, exc_info=True)
