"""The running WooCommerce sandbox: store, keys, auth, faults, webhooks, counters."""

from __future__ import annotations

import threading
import time
from collections import Counter

from sandbox.woocommerce import render
from sandbox.woocommerce.auth import Authenticator, KeyStore
from sandbox.woocommerce.config import WooConfig
from sandbox.woocommerce.faults import Faults
from sandbox.woocommerce.hooks import WebhookHub
from sandbox.woocommerce.mutate import apply_mutations
from sandbox.woocommerce.routes import API_PREFIX
from sandbox.woocommerce.routes.wcauth import GrantNonces
from sandbox.woocommerce.store import Store


class WooSandbox:
    def __init__(self, config: WooConfig):
        self.config = config
        self.store = Store(config)
        self.faults = Faults(config.seed)
        if config.faults:
            self.faults.set(config.faults)
        self.keys = KeyStore(config.seed)
        self.auth = Authenticator(self.keys, config.trust_forwarded_proto)
        self.hub = WebhookHub(self.store.webhooks, self.faults, self._payload, config.webhook_delay,
                              config.webhook_timeout, config.webhook_max_failures)
        self.store.emit = self.hub.notify
        self.grant_nonces = GrantNonces()
        self.auto_approve = config.auto_approve
        self.counters: Counter = Counter()
        self.requests: Counter = Counter()
        self._requests_lock = threading.Lock()
        self.mutations = 0
        self.base_url = f"http://{config.host}:{config.port}"
        self.https_url = ""
        self.ca_file = ""
        self.started = time.time()

    def bound(self, base_url: str, https_url: str, ca_file: str) -> None:
        self.base_url, self.https_url, self.ca_file = base_url, https_url, ca_file
        self.hub.source = base_url + "/"

    def count(self, route: str, status: int) -> None:
        with self._requests_lock:
            self.requests[f"{route} {status}"] += 1

    def _payload(self, resource: str, rid: int) -> dict | None:
        """A webhook payload: the REST GET representation at delivery time."""
        store = self.store
        ctx = render.Context(store.clock, self.base_url + API_PREFIX, store.home)
        if resource == "order":
            raw = store.orders.get(rid)
            return render.order(raw, ctx) if raw else None
        if resource == "customer":
            raw = store.customers.get(rid)
            return render.customer(raw, ctx) if raw else None
        if resource == "product":
            with store.lock:
                raw = store.products.product(rid)
                if raw is not None:
                    return render.product(raw, store.products.child_records(rid), ctx)
                variation = store.products.variations.get(rid)
                if variation is not None:
                    return render.variation_as_product(variation, store.products.product(variation["parent_id"]),
                                                       ctx)
        return None

    def describe(self) -> dict:
        """The JSON line printed on start (the interface `sandbox.woocommerce.testing` relies on)."""
        main = self.keys.all()[0]
        store = self.store
        return {
            "base_url": self.base_url, "https_url": self.https_url, "ca_file": self.ca_file,
            "api_path": API_PREFIX, "consumer_key": main.consumer_key, "consumer_secret": main.consumer_secret,
            "keys": [k.describe() for k in self.keys.all()[:3]], "seed": self.config.seed,
            "timezone": store.clock.name, "currency": store.profile.currency, "name": store.profile.name,
            "sizes": store.sizes.__dict__, "trust_forwarded_proto": self.config.trust_forwarded_proto,
        }

    def state(self) -> dict:
        with self._requests_lock:
            requests = dict(sorted(self.requests.items()))
        return {
            "uptime": round(time.time() - self.started, 3), "requests": requests,
            "request_total": sum(requests.values()), "webhooks": {**self.hub.counters, "pending": self.hub.pending()},
            "counters": dict(self.counters), "faults": self.faults.snapshot(), "mutations": self.mutations,
            "overlay": {"orders": len(self.store.orders.overlay), "orders_deleted": len(self.store.orders.deleted)},
        }

    def mutate(self, counts: dict) -> dict:
        return apply_mutations(self, counts)

    def stop(self) -> None:
        self.hub.stop()
