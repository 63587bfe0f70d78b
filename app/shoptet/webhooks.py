"""Incoming webhook helpers: signature check and payload parsing.

Shoptet signs the *raw* request body with the e-shop's signature key
(``POST /api/webhooks/renew-signature-key``) as hex HMAC-SHA1 in the
``Shoptet-Webhook-Signature`` header. Verify before parsing, against the
exact bytes received (re-serialising JSON changes them).
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from typing import Any

import orjson

SIGNATURE_HEADER = "Shoptet-Webhook-Signature"


def sign(body: bytes, key: str | bytes) -> str:
    """Hex HMAC-SHA1 of ``body`` (what Shoptet puts in the signature header)."""
    k = key.encode() if isinstance(key, str) else key
    return hmac.new(k, body, hashlib.sha1).hexdigest()


def verify_signature(body: bytes, signature: str | None, key: str | bytes) -> bool:
    """True if ``signature`` is the HMAC of ``body`` under ``key``; constant-time compare."""
    if not signature or not key:
        return False
    expected = sign(body, key)
    return hmac.compare_digest(expected.encode(), signature.strip().lower().encode())


@dataclass(frozen=True, slots=True)
class Notification:
    """``{"eshopId", "event", "eventCreated", "eventInstance"}`` (+ optional ``payload``)."""

    eshop_id: int
    event: str
    event_created: str
    event_instance: str
    payload: Any = None

    @property
    def dedupe_key(self) -> str:
        """Shoptet sends no delivery id; this identifies repeats of the same notification."""
        return f"{self.eshop_id}:{self.event}:{self.event_instance}:{self.event_created}"


def parse_notification(body: bytes) -> Notification:
    """Parse a webhook body; raises ValueError if it is not a Shoptet notification."""
    try:
        raw = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise ValueError(f"webhook body is not JSON: {exc}") from exc
    if not isinstance(raw, dict) or "event" not in raw or "eshopId" not in raw:
        raise ValueError("webhook body lacks eshopId/event")
    return Notification(
        eshop_id=int(raw["eshopId"]),
        event=str(raw["event"]),
        event_created=str(raw.get("eventCreated") or ""),
        event_instance=str(raw.get("eventInstance") or ""),
        payload=raw.get("payload"),
    )
