"""The webhook endpoint of every platform: the shop's channel verifies, the inbox stores, 200 at once; the
work happens on a queue. `/webhooks/shoptet/<id>` is the URL registered at Shoptet: it stays."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, request

from app.channels.base import WebhookRejected
from app.db import run_after_commit
from app.extensions import csrf, db
from app.monitoring.events import count_event
from app.webhooks import dispatch, services

bp = Blueprint("webhooks", __name__)
log = logging.getLogger(__name__)


@bp.post("/webhooks/<platform>/<int:shop_id>")
@csrf.exempt  # signed by the platform instead
def receive(platform: str, shop_id: int):
    body = request.get_data(cache=False)
    redis = current_app.extensions["redis"]
    try:
        event = services.accept(db.session, platform, shop_id, body, request.headers)
    except WebhookRejected as exc:
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
    try:
        dispatch.enqueue_processing(current_app.extensions["redis"], shop_id)
    except Exception:
        log.warning("could not enqueue webhook processing for shop %s; the scheduler will", shop_id, exc_info=True)
