"""Webhook intake and processing.

Intake (in the request): verify the signature over the raw body, store the event in the inbox once
(a repeated delivery finds its row and has no second effect), answer 200. Processing (on a queue): turn
events into work — mark the stream dirty and start an incremental sync, record a finished snapshot job,
disconnect an uninstalled shop.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.crypto import decrypt
from app.shops.models import Shop
from app.shoptet.webhooks import SIGNATURE_HEADER, parse_event, verify_signature
from app.webhooks.models import WebhookEvent

log = logging.getLogger(__name__)

# Which incremental stream an event tells us to sync.
STREAM_OF_EVENT_PREFIX = {
    "order": "orders",
    "customer": "customers",
    "product": "products",
    "productVariant": "products",
    "productVariantPrice": "products",
    "stock": "stock",
}


def webhook_url(shop_id: int) -> str:
    """Where Shoptet delivers this shop's webhooks (the endpoint in app/webhooks/routes.py)."""
    base = (current_app.config.get("HUB_PUBLIC_URL") or "http://127.0.0.1:5000").rstrip("/")
    return f"{base}/webhooks/shoptet/{shop_id}"


class WebhookRejected(ValueError):
    """A delivery that must not be acted on; `status` is the HTTP answer."""

    def __init__(self, message: str, status: int):
        super().__init__(message)
        self.status = status


def accept(session: Session, shop_id: int, body: bytes, headers) -> WebhookEvent | None:
    """Verify and store; returns the new event, or None when it is a repeat of one already stored."""
    shop = session.get(Shop, shop_id)
    if shop is None:
        raise WebhookRejected("unknown shop", 404)
    key = decrypt(shop.webhook_key_encrypted)
    if not verify_signature(body, headers.get(SIGNATURE_HEADER), key or ""):
        raise WebhookRejected("bad signature", 401)
    try:
        event = parse_event(body)
    except ValueError as exc:
        raise WebhookRejected(str(exc), 400) from None
    if event.eshop_id != shop.external_id:
        raise WebhookRejected("the event belongs to another e-shop", 401)
    body_hash = hashlib.sha256(event.dedupe_key.encode()).digest()
    inserted = session.execute(
        insert(WebhookEvent).values(shop_id=shop.id, event=event.event[:80], event_instance=event.event_instance,
                                    event_created=event.event_created[:40], body_hash=body_hash)
        .on_conflict_do_nothing(index_elements=["shop_id", "body_hash"]).returning(WebhookEvent.id)
    ).scalar_one_or_none()
    return session.get(WebhookEvent, inserted) if inserted is not None else None


def stream_for(event: str) -> str | None:
    return STREAM_OF_EVENT_PREFIX.get(event.split(":", 1)[0])


def process_pending(session: Session, shop_id: int, *, limit: int = 1000) -> int:
    """Act on the shop's unprocessed events (oldest first); each is marked processed in the same commit."""
    from app.sync.incremental import request_sync

    events = session.execute(
        select(WebhookEvent).where(WebhookEvent.shop_id == shop_id, WebhookEvent.processed_at.is_(None))
        .order_by(WebhookEvent.id).limit(limit).with_for_update(skip_locked=True)
    ).scalars().all()
    if not events:
        return 0
    shop = session.get(Shop, shop_id)
    streams = set()
    for event in events:
        if event.event in ("addon:uninstall", "addon:suspend", "addon:terminate"):
            from app.shops.services import disconnect

            disconnect(session, shop, reason=f"Shoptet reported {event.event} at {event.event_created}.")
        elif stream := stream_for(event.event):
            streams.add(stream)
    if shop.status == "active":
        for stream in sorted(streams):
            request_sync(session, shop, stream)
    session.execute(update(WebhookEvent).where(WebhookEvent.id.in_([e.id for e in events]))
                    .values(processed_at=datetime.now(UTC)))
    return len(events)


def job_finished(session: Session, shop_id: int, job_id: str) -> bool:
    """True once a job:finished webhook for `job_id` has been received (the snapshot wait's signal)."""
    return session.execute(
        select(WebhookEvent.id).where(WebhookEvent.shop_id == shop_id, WebhookEvent.event == "job:finished",
                                      WebhookEvent.event_instance == job_id).limit(1)
    ).first() is not None
