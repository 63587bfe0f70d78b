"""Incoming WooCommerce webhooks: signature check, payload parsing, the unsigned ping.

WooCommerce signs the exact body bytes: `X-WC-Webhook-Signature` =
base64(HMAC-SHA256(body, secret)).  Verify before parsing, against the raw bytes
(re-serialising the JSON changes them), in constant time.  The ping sent when a
webhook is created is a form body `webhook_id=<id>` with no X-WC headers and no
signature: answer it 200 and ignore it.  Deliveries repeat (several hooks per
topic, no dedup across requests): `dedupe_key` identifies a record version.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs

import orjson

from .auth import header_value
from .errors import InvalidSignature

SIGNATURE_HEADER = "X-WC-Webhook-Signature"


def sign(body: bytes, secret: str | bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return base64.b64encode(hmac.new(key, body, hashlib.sha256).digest()).decode()


def verify_signature(body: bytes, signature: str | None, secret: str | bytes) -> bool:
    if not signature or not secret:
        return False
    return hmac.compare_digest(sign(body, secret).encode(), signature.strip().encode())


@dataclass(frozen=True, slots=True)
class WebhookPing:
    webhook_id: int


@dataclass(frozen=True, slots=True)
class WebhookDelivery:
    webhook_id: int
    delivery_id: str  # not unique: two deliveries of one webhook in the same second share it
    topic: str
    resource: str
    event: str
    source: str
    payload: dict

    @property
    def resource_id(self) -> int | None:
        rid = self.payload.get("id")
        return int(rid) if isinstance(rid, int) or (isinstance(rid, str) and rid.isdigit()) else None

    @property
    def dedupe_key(self) -> str:
        """The record version this delivery carries: (resource, id, date_modified_gmt), or the body's hash
        when the payload has no date (deletions carry only the id)."""
        modified = self.payload.get("date_modified_gmt")
        if modified:
            return f"{self.resource}:{self.resource_id}:{modified}"
        digest = hashlib.sha256(orjson.dumps(self.payload, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]
        return f"{self.resource}:{self.resource_id}:{self.event}:{digest}"


def parse_delivery(headers: Mapping[str, str], body: bytes, secret: str | bytes) -> WebhookDelivery | WebhookPing:
    """Verify and parse one incoming request.  Raises InvalidSignature, or ValueError for a body that is
    not a WooCommerce delivery."""
    topic = header_value(headers, "X-WC-Webhook-Topic")
    if topic is None:
        fields = parse_qs(body.decode("utf-8", errors="replace"))
        if list(fields) == ["webhook_id"] and fields["webhook_id"][0].isdigit():
            return WebhookPing(int(fields["webhook_id"][0]))
        raise ValueError("not a WooCommerce webhook: no X-WC-Webhook-Topic header and not a ping")
    if not verify_signature(body, header_value(headers, SIGNATURE_HEADER), secret):
        raise InvalidSignature("X-WC-Webhook-Signature does not match the body and this webhook's secret")
    try:
        payload: Any = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"webhook body is not JSON: {exc}") from exc
    if not isinstance(payload, dict):
        raise ValueError("webhook payload is not a JSON object")
    resource, _, event = topic.partition(".")
    return WebhookDelivery(
        webhook_id=int(header_value(headers, "X-WC-Webhook-ID") or 0),
        delivery_id=header_value(headers, "X-WC-Webhook-Delivery-ID") or "",
        topic=topic, resource=header_value(headers, "X-WC-Webhook-Resource") or resource,
        event=header_value(headers, "X-WC-Webhook-Event") or event,
        source=header_value(headers, "X-WC-Webhook-Source") or "", payload=payload)
