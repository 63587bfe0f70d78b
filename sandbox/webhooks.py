"""Webhook registrations, signing and delivery with Shoptet's retry behaviour.

Body: `{"eshopId":1,"event":"order:create","eventCreated":"...","eventInstance":"..."}`
encoded like PHP's json_encode (no spaces, `/` escaped), signed with
`Shoptet-Webhook-Signature: hex(HMAC-SHA1(raw body, signature key))`.
A delivery counts only if the receiver answers 200 within the timeout (~4 s);
otherwise it is retried after `retry_seconds` (15 min at Shoptet), 3 attempts in all.
"""

from __future__ import annotations

import hashlib
import heapq
import hmac
import itertools
import json
import secrets
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import httpx

from sandbox.faults import Faults
from sandbox.formats import fmt_dt

SIGNATURE_HEADER = "Shoptet-Webhook-Signature"
NOTIFICATION_RETENTION = 7 * 86400

# Registrable events (code list "Webhook event types" incl. mass events).  System
# events (addon:*) are configured in partner admin, not through the API.
_ENTITY_EVENTS = {
    "availability": "create update delete", "brand": "create update delete", "category": "create update delete",
    "creditNote": "create update delete", "customer": "create update delete disableOrders enableOrders import",
    "customerGroup": "create update delete", "deliveryNote": "create update delete",
    "discountCoupon": "create update delete", "invoice": "create update delete", "job": "finished",
    "mailingListEmail": "create delete", "order": "cancel create delete paid update",
    "orderHistoryRemarks": "change", "orderStatusesList": "change", "pricelist": "create delete",
    "paymentMethod": "change", "proformaInvoice": "create update delete", "projectReview": "create",
    "product": "create update delete", "productVariant": "create update delete", "productVariantPrice": "update",
    "productReview": "created", "proofPayment": "create update delete", "quantityDiscount": "create update delete",
    "salesChannel": "create update delete", "shipment": "create update fail", "shippingMethod": "change",
    "sectionArticle": "create update delete", "shippingRequest": "cancelled confirmed",
    "stock": "movement inStock soldOut minStockSupplyReached", "supplier": "create update delete",
    "warranty": "create update delete",
    "eshop": "currencies billingInformation settingsInformation design mandatoryFields projectDomain",
}
_MASS_EVENTS = ("category:massCreate category:massUpdate category:massDelete discountCoupon:massCreate "
                "discountCoupon:massDelete invoice:massUpdate order:massCreate order:massUpdate order:massPaid "
                "product:massCreate product:massUpdate product:massDelete productVariant:massCreate "
                "productVariant:massUpdate productVariant:massDelete productVariantPrice:massUpdate "
                "quantityDiscount:massDelete quantityDiscount:massUpdate")
EVENTS = frozenset(f"{entity}:{action}" for entity, actions in _ENTITY_EVENTS.items()
                   for action in actions.split()) | frozenset(_MASS_EVENTS.split())
# Pairs that cannot be registered together (409).
EXCLUSIVE = {("order:update", "order:cancel"), ("customer:update", "customer:disableOrders"),
             ("customer:update", "customer:enableOrders")}


def php_json(data: dict) -> bytes:
    """JSON the way Shoptet's PHP json_encode writes it (UNCERTAIN for `\\/`)."""
    return json.dumps(data, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode()


def sign(key: str, body: bytes) -> str:
    return hmac.new(key.encode(), body, hashlib.sha1).hexdigest()


@dataclass
class Webhook:
    id: int
    event: str
    url: str
    created: int
    updated: int | None = None
    send_payload: str | None = None

    def as_json(self) -> dict:
        # sendPayload is required by the spec; Postman examples predate it.
        return {"id": self.id, "event": self.event, "url": self.url, "created": fmt_dt(self.created),
                "updated": fmt_dt(self.updated) if self.updated else None, "sendPayload": self.send_payload}


@dataclass
class Notification:
    id: int
    eshop_id: int
    webhook_id: int
    url: str
    event: str
    event_created: int
    body: bytes
    data: dict
    created: float
    attempted: float | None = None
    attempts: int = 0
    status: str = "new"
    active: bool = True
    responses: list = field(default_factory=list)

    def as_json(self) -> dict:
        return {"id": self.id, "webhookId": self.webhook_id, "webhookUrl": self.url, "event": self.event,
                "eventCreated": fmt_dt(self.event_created), "created": fmt_dt(self.created),
                "attempted": fmt_dt(self.attempted) if self.attempted else None, "attempts": self.attempts,
                "status": self.status, "active": self.active, "data": self.data}


class WebhookError(Exception):
    def __init__(self, status: int, code: str, message: str, instance: str):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.instance = instance


class WebhookHub:
    def __init__(self, faults: Faults, retry_seconds: float = 1.0, timeout: float = 4.0, attempts: int = 3,
                 workers: int = 8):
        self.faults = faults
        self.retry_seconds = retry_seconds
        self.timeout = timeout
        self.max_attempts = attempts
        self._lock = threading.Lock()
        self._hooks: dict[int, dict[int, Webhook]] = {}
        self._keys: dict[int, str] = {}
        self._notifications: dict[int, list[Notification]] = {}
        self._ids = itertools.count(1)
        self._notification_ids = itertools.count(1)
        self._queue: list[tuple[float, int, Notification]] = []
        self._wake = threading.Condition(self._lock)
        self._stopped = False
        self._client = httpx.Client(timeout=timeout, trust_env=False, follow_redirects=False)
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="webhook")
        self.counters = {"emitted": 0, "sent": 0, "delivered": 0, "failed_attempts": 0, "gave_up": 0,
                         "dropped": 0}
        self._scheduler = threading.Thread(target=self._schedule, name="webhook-scheduler", daemon=True)
        self._scheduler.start()

    # -- registrations ----------------------------------------------------------------------
    def set_key(self, eshop_id: int, key: str) -> None:
        self._keys[eshop_id] = key

    def renew_key(self, eshop_id: int) -> str:
        key = secrets.token_hex(16)
        with self._lock:
            self._keys[eshop_id] = key
        return key

    def key(self, eshop_id: int) -> str:
        return self._keys[eshop_id]

    def hooks(self, eshop_id: int) -> list[Webhook]:
        with self._lock:
            return sorted(self._hooks.get(eshop_id, {}).values(), key=lambda h: h.id)

    def hook_for(self, eshop_id: int, event: str) -> Webhook | None:
        with self._lock:
            for hook in self._hooks.get(eshop_id, {}).values():
                if hook.event == event:
                    return hook
        return None

    def register(self, eshop_id: int, items: list[dict]) -> list[Webhook]:
        """Validate all, then create all (nothing is created if one item is wrong)."""
        now = int(time.time())
        with self._lock:
            existing = {h.event for h in self._hooks.get(eshop_id, {}).values()}
            wanted: set[str] = set()
            for k, item in enumerate(items):
                event, url = item.get("event"), item.get("url")
                where = f"data[{k}]"
                if not isinstance(event, str) or event not in EVENTS:
                    raise WebhookError(422, "invalid-request-data", f'Unknown webhook event "{event}".',
                                       f"{where}.event")
                if not isinstance(url, str) or not url.startswith(("http://", "https://")) or len(url) > 2000:
                    raise WebhookError(422, "invalid-request-data", "Invalid webhook URL.", f"{where}.url")
                if item.get("sendPayload") not in (None, "full"):
                    raise WebhookError(422, "invalid-request-data", 'sendPayload must be "full" or null.',
                                       f"{where}.sendPayload")
                if event in existing or event in wanted:
                    raise WebhookError(422, "invalid-request-data", "Webhook already exists for this event",
                                       f"{where}.event")
                for a, b in EXCLUSIVE:
                    other = b if event == a else a if event == b else None
                    if other and (other in existing or other in wanted):
                        raise WebhookError(409, "webhook-conflict",
                                           f'Webhook "{event}" cannot be registered together with "{other}".',
                                           f"{where}.event")
                wanted.add(event)
            created = []
            for item in items:
                hook = Webhook(next(self._ids), item["event"], item["url"], now, None, item.get("sendPayload"))
                self._hooks.setdefault(eshop_id, {})[hook.id] = hook
                created.append(hook)
            return created

    def get(self, eshop_id: int, hook_id: int) -> Webhook | None:
        with self._lock:
            return self._hooks.get(eshop_id, {}).get(hook_id)

    def update(self, eshop_id: int, hook_id: int, url: str | None, send_payload=...) -> Webhook | None:
        with self._lock:
            hook = self._hooks.get(eshop_id, {}).get(hook_id)
            if hook is None:
                return None
            if url is not None:
                hook.url = url
            if send_payload is not ...:
                hook.send_payload = send_payload
            hook.updated = int(time.time())
            return hook

    def delete(self, eshop_id: int, hook_id: int) -> bool:
        with self._lock:
            return self._hooks.get(eshop_id, {}).pop(hook_id, None) is not None

    def notifications(self, eshop_id: int) -> list[Notification]:
        horizon = time.time() - NOTIFICATION_RETENTION
        with self._lock:
            items = [n for n in self._notifications.get(eshop_id, []) if n.created >= horizon]
            self._notifications[eshop_id] = items
            return list(items)

    # -- emitting ---------------------------------------------------------------------------
    def emit(self, eshop_id: int, event: str, instance: str) -> Notification | None:
        """Queue a notification if the shop registered `event`; returns it (or None)."""
        hook = self.hook_for(eshop_id, event)
        if hook is None:
            return None
        now = time.time()
        data = {"eshopId": eshop_id, "event": event, "eventCreated": fmt_dt(now), "eventInstance": str(instance)}
        with self._lock:
            notification = Notification(next(self._notification_ids), eshop_id, hook.id, hook.url, event, int(now),
                                        php_json(data), data, now)
            self._notifications.setdefault(eshop_id, []).append(notification)
            self.counters["emitted"] += 1
            if self.faults.get(eshop_id, "webhooks_disabled") or self.faults.roll(eshop_id, "webhook_drop_rate"):
                notification.status, notification.active = "failed", False
                self.counters["dropped"] += 1
                return notification
            heapq.heappush(self._queue, (now, notification.id, notification))
            self._wake.notify()
        return notification

    def _schedule(self) -> None:
        with self._lock:
            while not self._stopped:
                if not self._queue:
                    self._wake.wait(1.0)
                    continue
                due, _, notification = self._queue[0]
                delay = due - time.time()
                if delay > 0:
                    self._wake.wait(min(delay, 1.0))
                    continue
                heapq.heappop(self._queue)
                try:
                    self._pool.submit(self._deliver, notification)
                except RuntimeError:  # pool shut down
                    return

    def _deliver(self, notification: Notification) -> None:
        key = self._keys.get(notification.eshop_id, "")
        headers = {"Content-Type": "application/json", SIGNATURE_HEADER: sign(key, notification.body),
                   "User-Agent": "Shoptet-Webhook-Sandbox"}
        ok = False
        outcome: str
        try:
            response = self._client.post(notification.url, content=notification.body, headers=headers)
            ok = response.status_code == 200
            outcome = str(response.status_code)
        except httpx.HTTPError as exc:
            outcome = type(exc).__name__
        with self._lock:
            notification.attempts += 1
            notification.attempted = time.time()
            notification.responses.append(outcome)
            self.counters["sent"] += 1
            if ok:
                notification.status, notification.active = "success", False
                self.counters["delivered"] += 1
            else:
                self.counters["failed_attempts"] += 1
                notification.status = "failed"
                if notification.attempts >= self.max_attempts:
                    notification.active = False
                    self.counters["gave_up"] += 1
                else:
                    heapq.heappush(self._queue, (time.time() + self.retry_seconds, notification.id, notification))
                    self._wake.notify()

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._wake.notify_all()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._client.close()
