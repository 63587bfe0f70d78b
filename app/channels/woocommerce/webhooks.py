"""WooCommerce webhooks for the hub: which topics it follows, how a delivery is verified and read.

Registering creates one webhook per topic pointing at the shop's endpoint, all with one fresh alphanumeric
secret the hub makes (WooCommerce's default secret has characters it HTML-decodes, API_NOTES §9.1), kept
on the shop, encrypted; the hub's earlier webhooks at that store are deleted first. A delivery is verified
over the raw body (base64 HMAC-SHA256, `X-WC-Webhook-Signature`); the unsigned ping WooCommerce sends when
a webhook is created (a form body `webhook_id=<id>`, no X-WC headers) is acknowledged and forgotten.
WooCommerce's delivery ids are not unique, so a delivery's dedupe key is the record version it carries
(resource, id, `date_modified_gmt`): the same change delivered twice has one effect. A webhook is a hint
to sync sooner; the sync reads the store (payloads are the state at sending time, and WooCommerce retries
nothing and disables a webhook after repeated failures: the interval's reconcile covers that).
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from urllib.parse import parse_qs

from app.channels.base import EventMeaning, InboundEvent, WebhookRejected
from app.crypto import decrypt, encrypt
from app.woocommerce import SIGNATURE_HEADER, InvalidSignature, WebhookPing, parse_delivery, verify_signature
from app.woocommerce.auth import header_value

TOPICS = ("order.created", "order.updated", "order.deleted", "order.restored", "customer.created",
          "customer.updated", "customer.deleted", "product.created", "product.updated", "product.deleted",
          "product.restored")
KIND_OF_RESOURCE = {"order": "orders", "customer": "customers", "product": "products"}
NAME = "Commerce Hub"


def register(client, shop, url: str) -> None:
    """Every topic the hub follows → `url`, signed with a fresh secret stored on the shop."""
    for hook in client.iter_items("/webhooks", {"status": "all"}):
        if hook.get("delivery_url") == url or hook.get("name", "").startswith(NAME):
            client.delete(f"/webhooks/{hook['id']}", force=True)
    secret = secrets.token_urlsafe(32)
    shop.webhook_key_encrypted = encrypt(secret)
    client.batch("/webhooks", create=[{"name": f"{NAME}: {topic}", "topic": topic, "delivery_url": url,
                                       "secret": secret, "status": "active"} for topic in TOPICS])


def reactivate(client, url: str) -> int:
    """Switch the hub's webhooks the store disabled (after repeated failed deliveries, API_NOTES §9.4) back
    on; returns how many. The store keeps their failure count, so a hub still unreachable loses them again."""
    disabled = [hook for hook in client.iter_items("/webhooks", {"status": "disabled"})
                if hook.get("delivery_url") == url]
    if disabled:
        client.batch("/webhooks", update=[{"id": hook["id"], "status": "active"} for hook in disabled])
    return len(disabled)


def _is_ping(body: bytes, headers: Mapping[str, str]) -> bool:
    if header_value(headers, "X-WC-Webhook-Topic") is not None:
        return False
    fields = parse_qs(body.decode("utf-8", errors="replace"))
    return list(fields) == ["webhook_id"] and fields["webhook_id"][0].isdigit()


def verify(shop, body: bytes, headers: Mapping[str, str]) -> bool:
    """Signed with this shop's secret; or WooCommerce's unsigned ping, which carries nothing to act on."""
    if _is_ping(body, headers):
        return True
    secret = decrypt(shop.webhook_key_encrypted) or ""
    return verify_signature(body, header_value(headers, SIGNATURE_HEADER), secret)


def parse(shop, body: bytes, headers: Mapping[str, str]) -> InboundEvent | None:
    try:
        delivery = parse_delivery(headers, body, decrypt(shop.webhook_key_encrypted) or "")
    except InvalidSignature:
        raise WebhookRejected("bad signature", 401) from None
    except ValueError as exc:
        raise WebhookRejected(str(exc), 400) from None
    if isinstance(delivery, WebhookPing):
        return None
    if delivery.resource_id is None:
        raise WebhookRejected("the delivery names no record (no 'id')", 400)
    modified = str(delivery.payload.get("date_modified_gmt") or "")
    # A deletion's payload is only `{"id"}`: the same record trashed again later is told apart by the
    # delivery id (webhook and second), which a duplicate of one delivery shares.
    key = delivery.dedupe_key if modified else f"{delivery.dedupe_key}:{delivery.delivery_id}"
    return InboundEvent(delivery.topic, str(delivery.resource_id), modified, key)


def classify(event: str) -> EventMeaning:
    return EventMeaning(sync=KIND_OF_RESOURCE.get(event.split(".", 1)[0]))
