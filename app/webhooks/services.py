"""Webhook intake and processing, platform-free: the shop's channel verifies and reads a delivery.

Intake (in the request): the channel checks the signature over the raw body and reads the event; the event
is stored in the inbox once (a repeated delivery finds its row and has no second effect); the answer is 200.
Processing (on a queue): the channel says what each event means — mark the kind dirty and start an
incremental sync, or disconnect an uninstalled shop. Events nobody acts on here (a platform's "job
finished") stay in the inbox, where a waiting import looks for them (`event_received`).
"""

from __future__ import annotations

import hashlib
import logging
from datetime import UTC, datetime

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.channels import UnknownPlatform, channel_for
from app.channels.base import WebhookRejected
from app.shops.models import Shop
from app.shops.services import disconnect
from app.sync.incremental import request_sync
from app.webhooks.models import WebhookEvent

log = logging.getLogger(__name__)


def accept(session: Session, platform: str, shop_id: int, body: bytes, headers) -> WebhookEvent | None:
    """Verify and store; returns the new event, or None when there is nothing new to process (a repeat of
    one already stored, or a delivery the platform only wants acknowledged)."""
    shop = session.get(Shop, shop_id)
    if shop is None or shop.platform != platform:
        raise WebhookRejected("unknown shop", 404)
    try:
        channel = channel_for(shop)
    except UnknownPlatform:
        raise WebhookRejected("unknown shop", 404) from None
    if not channel.verify_webhook(shop, body, headers):
        raise WebhookRejected("bad signature", 401)
    try:
        event = channel.parse_webhook(shop, body, headers)
    except WebhookRejected:
        raise
    except (TypeError, ValueError, OverflowError) as exc:  # a signed body of the wrong shape (a list as eshopId)
        raise WebhookRejected(f"malformed event: {type(exc).__name__}", 400) from None
    if event is None:
        return None
    if any("\x00" in field for field in (event.name, event.instance, event.created, event.dedupe_key)):
        raise WebhookRejected("malformed event: a field contains a NUL character", 400)
    body_hash = hashlib.sha256(event.dedupe_key.encode()).digest()
    inserted = session.execute(
        insert(WebhookEvent).values(shop_id=shop.id, event=event.name[:80], event_instance=event.instance,
                                    event_created=event.created[:40], body_hash=body_hash)
        .on_conflict_do_nothing(index_elements=["shop_id", "body_hash"]).returning(WebhookEvent.id)
    ).scalar_one_or_none()
    return session.get(WebhookEvent, inserted) if inserted is not None else None


def process_pending(session: Session, shop_id: int, *, limit: int = 1000) -> int:
    """Act on the shop's unprocessed events (oldest first); each is marked processed in the same commit."""
    events = session.execute(
        select(WebhookEvent).where(WebhookEvent.shop_id == shop_id, WebhookEvent.processed_at.is_(None))
        .order_by(WebhookEvent.id).limit(limit).with_for_update(skip_locked=True)
    ).scalars().all()
    if not events:
        return 0
    shop = session.get(Shop, shop_id)
    channel = channel_for(shop)
    kinds = set()
    for event in events:
        meaning = channel.classify(event.event)
        if meaning.disconnect:
            disconnect(session, shop, reason=f"{channel.title} reported {event.event} at {event.event_created}.")
        elif meaning.sync:
            kinds.add(meaning.sync)
    if shop.status == "active":
        for kind in sorted(kinds):
            request_sync(session, shop, kind)
    session.execute(update(WebhookEvent).where(WebhookEvent.id.in_([e.id for e in events]))
                    .values(processed_at=datetime.now(UTC)))
    return len(events)


def event_received(session: Session, shop_id: int, event: str, instance: str) -> bool:
    """True once a verified webhook `event` about `instance` is in the shop's inbox (a snapshot job's
    "finished", which wakes the import waiting for it)."""
    return session.execute(
        select(WebhookEvent.id).where(WebhookEvent.shop_id == shop_id, WebhookEvent.event == event,
                                      WebhookEvent.event_instance == instance).limit(1)
    ).first() is not None
