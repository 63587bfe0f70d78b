"""Shoptet webhooks for the hub: which events it follows, how a delivery is verified and read, what it means.

A delivery is signed with the e-shop's signature key (hex HMAC-SHA1 of the raw body, API_NOTES §5.4); the
key is renewed when the hooks are registered and kept on the shop, encrypted. Shoptet sends no delivery id,
so a repeat of the same notification is known by its content (`dedupe_key`).
"""

from __future__ import annotations

from collections.abc import Mapping

from app.channels.base import EventMeaning, InboundEvent, WebhookRejected
from app.crypto import decrypt, encrypt
from app.shoptet.webhooks import SIGNATURE_HEADER, parse_notification, verify_signature

JOB_FINISHED = "job:finished"
EVENTS = (
    JOB_FINISHED, "order:create", "order:update", "order:delete", "customer:create", "customer:update",
    "customer:delete", "product:create", "product:update", "product:delete", "stock:movement",
    "creditNote:create", "creditNote:update", "creditNote:delete",
)
# Which kind an event tells the hub to sync, by the event's entity.
KIND_OF_ENTITY = {
    "order": "orders",
    "customer": "customers",
    "product": "products",
    "productVariant": "products",
    "productVariantPrice": "products",
    "stock": "stock",
    "creditNote": "credit_notes",
}
DISCONNECTING = ("addon:uninstall", "addon:suspend", "addon:terminate")


def register(client, shop, url: str) -> None:
    """Every event the hub follows points at this shop's endpoint; a fresh signature key is stored."""
    existing = {hook["event"]: hook for hook in client.iter_webhooks()}
    for hook in existing.values():
        if hook["event"] in EVENTS and hook["url"] != url:
            client.delete_webhook(hook["id"], missing_ok=True)
    missing = [{"event": event, "url": url} for event in EVENTS
               if event not in existing or existing[event]["url"] != url]
    if missing:
        client.register_webhooks(missing)
    shop.webhook_key_encrypted = encrypt(client.renew_signature_key())


def verify(shop, body: bytes, headers: Mapping[str, str]) -> bool:
    return verify_signature(body, headers.get(SIGNATURE_HEADER), decrypt(shop.webhook_key_encrypted) or "")


def parse(shop, body: bytes) -> InboundEvent:
    try:
        notification = parse_notification(body)
    except ValueError as exc:
        raise WebhookRejected(str(exc), 400) from None
    if notification.eshop_id != shop.external_id:
        raise WebhookRejected("the event belongs to another e-shop", 401)
    return InboundEvent(notification.event, notification.event_instance, notification.event_created,
                        notification.dedupe_key)


def classify(event: str) -> EventMeaning:
    if event in DISCONNECTING:
        return EventMeaning(disconnect=True)
    return EventMeaning(sync=KIND_OF_ENTITY.get(event.split(":", 1)[0]))
