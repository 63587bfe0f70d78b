"""The running sandbox: shops, overlays, auth, limits, faults, webhooks, jobs, counters."""

from __future__ import annotations

import threading
import time
from collections import defaultdict

from sandbox.auth import Auth
from sandbox.config import SandboxConfig
from sandbox.faults import Faults
from sandbox.generator import ShopData
from sandbox.limits import Buckets, InFlight, WriteLocks
from sandbox.mutate import apply_mutations
from sandbox.snapshots import JobManager
from sandbox.store import ShopStore
from sandbox.webhooks import WebhookHub

__all__ = ["Sandbox"]


class RequestCounters:
    def __init__(self):
        self._lock = threading.Lock()
        self.by_route: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self.total = 0

    def count(self, route: str, status: int | str) -> None:
        with self._lock:
            self.by_route[route][str(status)] += 1
            self.total += 1

    def snapshot(self) -> dict:
        with self._lock:
            return {"total": self.total, "by_route": {k: dict(v) for k, v in sorted(self.by_route.items())}}


class Sandbox:
    def __init__(self, config: SandboxConfig):
        self.config = config
        sizes = config.sizes()
        self.shops = [ShopData(config.seed, k, sizes, config.base_end, config.years) for k in range(config.shops)]
        self.by_id = {shop.eshop_id: shop for shop in self.shops}
        self.stores = {shop.eshop_id: ShopStore(shop) for shop in self.shops}
        self.faults = Faults(config.seed)
        self.auth = Auth(self.shops, config.token_ttl, config.max_tokens_per_oauth)
        self.in_flight = InFlight(config.max_in_flight)
        self.buckets = Buckets(config.bucket_size, config.bucket_leak)
        self.write_locks = WriteLocks()
        self.hub = WebhookHub(self.faults, config.webhook_retry_seconds, config.webhook_timeout,
                              config.webhook_attempts)
        for shop in self.shops:
            self.hub.set_key(shop.eshop_id, shop.signature_key)
        self.jobs = JobManager(self.faults, self.hub, delay=config.job_delay, poll_limit=config.job_poll_limit,
                               result_ttl=config.result_ttl, gzip_level=config.gzip_level,
                               result_dir=config.result_dir)
        self.requests = RequestCounters()
        self.base_url = f"http://{config.host}:{config.port}"
        self.started = time.time()
        for entry in _fault_entries(config.faults):
            self.set_faults(entry.get("shop"), {k: v for k, v in entry.items() if k != "shop"})
        self.warm_shops = 0  # shops whose lazy parts are built (GET /_sandbox/state "warm_shops")
        threading.Thread(target=self._warm_up, name="warm-up", daemon=True).start()

    def _warm_up(self) -> None:
        """Build the lazy parts (order streams, stock logs, credit notes, consents) in the background.

        Milliseconds in tests; at full size (466 k orders a shop) about 20 s of CPU per shop,
        which a request that needs them would otherwise wait for."""
        for store in self.stores.values():
            store.stock.next_id()
            _ = store.credit_notes.index
            store.customers.consents()
            self.warm_shops += 1

    # -- identity ---------------------------------------------------------------------------
    def shop_url(self, eshop_id: int) -> str:
        return f"{self.base_url}/shops/{eshop_id}"

    def describe(self) -> dict:
        """The JSON line printed on start (the interface `sandbox.testing` relies on)."""
        return {
            "base_url": self.base_url,
            "api_url": self.base_url,
            "seed": self.config.seed,
            "shops": [
                {
                    "eshop_id": shop.eshop_id,
                    "index": shop.index,
                    "name": shop.profile.name,
                    "url": self.shop_url(shop.eshop_id),
                    "oauth_url": self.shop_url(shop.eshop_id),
                    "client_id": shop.client_id,
                    "client_secret": shop.client_secret,
                    "install_code": shop.install_code,
                    "private_token": shop.private_token,
                    "signature_key": shop.signature_key,
                    "languages": list(shop.profile.languages),
                    "default_language": shop.profile.language,
                    "currency": shop.profile.currency,
                    "currencies": list(shop.profile.currencies),
                    "stocks": list(shop.stock_ids),
                    "sizes": shop.sizes.__dict__,
                }
                for shop in self.shops
            ],
        }

    # -- faults -----------------------------------------------------------------------------
    def set_faults(self, shop: int | None, switches: dict) -> dict:
        if shop is not None and shop not in self.by_id:
            raise ValueError(f"unknown shop {shop}")
        self.faults.set(shop, switches)  # validates everything first
        expired = 0
        if switches.get("expire_tokens"):
            expired = self.auth.expire_all(shop)
        return {"faults": self.faults.snapshot(), "tokens_expired": expired}

    # -- deterministic churn --------------------------------------------------------------------
    def mutate(self, eshop_id: int, counts: dict, options: dict | None = None) -> dict:
        return apply_mutations(self, eshop_id, counts, options)

    # -- state ------------------------------------------------------------------------------
    def state(self) -> dict:
        return {
            "uptime": round(time.time() - self.started, 3),
            "requests": self.requests.snapshot(),
            "webhooks": {**self.hub.counters, "pending": self.hub.pending()},
            "tokens": self.auth.snapshot(),
            "jobs": dict(self.jobs.counters),
            "in_flight": self.in_flight.snapshot(),
            "buckets": self.buckets.snapshot(),
            "faults": self.faults.snapshot(),
            "mutations": {str(k): s.mutations for k, s in self.stores.items()},
            "warm_shops": self.warm_shops,
        }

    def stop(self) -> None:
        self.jobs.stop()
        self.hub.stop()


def _fault_entries(faults) -> list[dict]:
    """--faults accepts one `{"shop": id|null, ...switches}` object or a list of them."""
    if not faults:
        return []
    if isinstance(faults, dict):
        return [faults]
    return list(faults)
