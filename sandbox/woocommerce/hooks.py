"""Webhook delivery as WooCommerce does it (class-wc-webhook.php, wc-webhook-functions.php).

* An event is queued per (webhook, resource id) after `--webhook-delay` seconds
  (Action Scheduler); a second event for the same pair while one is pending
  coalesces into it.
* The payload is built at delivery time: the REST GET representation as it is
  then (`{"id": id}` for `deleted`), encoded like PHP's json_encode (no spaces,
  `/` escaped, non-ASCII as \\uXXXX) and signed: `X-WC-Webhook-Signature` =
  base64(HMAC-SHA256(body, secret)).
* Success is HTTP 200-302 and resets the failure count; anything else counts a
  failure, and a failure arriving while the count is already above the maximum
  (5) disables the webhook.  No retries.
* `X-WC-Webhook-Delivery-ID` = a hash of (webhook id, unix second): two deliveries
  of one webhook in the same second share it.
* The ping on create is a form POST `webhook_id=<id>` without X-WC headers; only
  an exact 200 counts.
"""

from __future__ import annotations

import base64
import hashlib
import heapq
import hmac
import itertools
import json
import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from sandbox.woocommerce.faults import Faults
from sandbox.woocommerce.store.webhooks import Webhook, WebhookTable

USER_AGENT = "WooCommerce/9.8.5 Hookshot (WordPress/6.8.1)"
_DELIVERY_SALT = b"sandbox-wp-hash-salt"


def php_json(payload) -> bytes:
    """`trim(wp_json_encode($payload))`: the exact bytes WooCommerce signs and sends."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=True).replace("/", "\\/").encode()


def sign(body: bytes, secret: str) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


class WebhookHub:
    def __init__(self, table: WebhookTable, faults: Faults, payload: Callable[[str, int], dict | None],
                 delay: float, timeout: float, max_failures: int):
        self.table = table
        self.faults = faults
        self.payload = payload
        self.delay = delay
        self.max_failures = max_failures
        self.source = ""  # the store's home URL with a trailing slash, set once the port is known
        self.counters: Counter = Counter()
        self._client = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)
        self._lock = threading.Condition()
        self._queue: list = []
        self._pending: set[tuple[int, int]] = set()
        self._seq = itertools.count()
        self._pool = ThreadPoolExecutor(max_workers=4, thread_name_prefix="woo-webhook")
        self._stopped = False
        threading.Thread(target=self._run, name="woo-webhook-scheduler", daemon=True).start()

    # -- events -----------------------------------------------------------------------------------
    def notify(self, topic: str, resource_id: int) -> None:
        """An event happened: queue one delivery per active webhook on `topic`, coalescing repeats."""
        late = float(self.faults.get("webhook_late_ms", 0) or 0) / 1000.0
        due = time.time() + self.delay + late
        with self._lock:
            for hook in self.table.matching(topic):
                key = (hook.id, resource_id)
                if key in self._pending:
                    self.counters["coalesced"] += 1
                    continue
                self._pending.add(key)
                heapq.heappush(self._queue, (due, next(self._seq), hook.id, resource_id))
                self.counters["queued"] += 1
            self._lock.notify()

    def _run(self) -> None:
        while True:
            with self._lock:
                while not self._stopped and (not self._queue or self._queue[0][0] > time.time()):
                    self._lock.wait(timeout=(self._queue[0][0] - time.time()) if self._queue else None)
                if self._stopped:
                    return
                _due, _seq, wid, rid = heapq.heappop(self._queue)
                self._pending.discard((wid, rid))
            try:
                self._pool.submit(self._deliver, wid, rid)
            except RuntimeError:  # shut down
                return

    def _deliver(self, wid: int, rid: int) -> None:
        hook = self.table.items.get(wid)
        if hook is None or hook.status != "active":
            return
        if self.faults.get("webhooks_disabled") or self.faults.roll("webhook_drop_rate"):
            self.counters["dropped"] += 1
            return
        payload = {"id": rid} if hook.event == "deleted" else (self.payload(hook.resource, rid) or {"id": rid})
        body = php_json(payload)
        copies = 2 if self.faults.roll("webhook_duplicate_rate") else 1
        for _ in range(copies):
            self._send(hook, rid, body)
        if copies > 1:
            self.counters["duplicated"] += 1

    def _send(self, hook: Webhook, rid: int, body: bytes) -> None:
        delivery_id = hmac.new(_DELIVERY_SALT, f"{hook.id}{int(time.time())}".encode(), hashlib.md5).hexdigest()
        headers = {
            "Content-Type": "application/json", "User-Agent": USER_AGENT,
            "X-WC-Webhook-Source": self.source, "X-WC-Webhook-Topic": hook.topic,
            "X-WC-Webhook-Resource": hook.resource, "X-WC-Webhook-Event": hook.event,
            "X-WC-Webhook-Signature": sign(body, hook.secret), "X-WC-Webhook-ID": str(hook.id),
            "X-WC-Webhook-Delivery-ID": delivery_id,
        }
        started = time.monotonic()
        try:
            status: int | str = self._client.post(hook.delivery_url, content=body, headers=headers).status_code
        except httpx.HTTPError as exc:
            status = type(exc).__name__
        ok = isinstance(status, int) and 200 <= status < 303
        with self.table.lock:
            if ok:
                hook.failure_count = 0
            elif hook.failure_count > self.max_failures:
                hook.status = "disabled"
                self.counters["disabled"] += 1
            else:
                hook.failure_count += 1
            hook.deliveries = [*hook.deliveries[-19:], {
                "delivery_id": delivery_id, "resource_id": rid, "status": status,
                "duration": round(time.monotonic() - started, 3)}]
        self.counters["delivered" if ok else "failed"] += 1

    def ping(self, hook: Webhook) -> bool:
        """Synchronous, unsigned; a failed ping changes nothing (the create still succeeds)."""
        try:
            response = self._client.post(hook.delivery_url, content=f"webhook_id={hook.id}".encode(),
                                         headers={"Content-Type": "application/x-www-form-urlencoded",
                                                  "User-Agent": USER_AGENT})
            ok = response.status_code == 200
        except httpx.HTTPError:
            ok = False
        self.counters["pings_ok" if ok else "pings_failed"] += 1
        return ok

    def pending(self) -> int:
        with self._lock:
            return len(self._queue)

    def stop(self) -> None:
        with self._lock:
            self._stopped = True
            self._lock.notify_all()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._client.close()
