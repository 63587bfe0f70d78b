"""Run-time state of the simulated store: generated data plus an overlay of changes.

Reads go to the generator and get the overlay applied; writes (REST API, churn)
only touch the overlay, bump `date_modified` and fire webhooks.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sandbox.generator.profiles import profile_for
from sandbox.woocommerce.config import WooConfig
from sandbox.woocommerce.dates import StoreClock
from sandbox.woocommerce.generator.catalog import WooCatalog
from sandbox.woocommerce.generator.customers import WooCustomers
from sandbox.woocommerce.generator.ids import ITEM_STRIDE
from sandbox.woocommerce.generator.orders import WooOrders
from sandbox.woocommerce.store.customers import CustomerTable
from sandbox.woocommerce.store.orders import OrderTable
from sandbox.woocommerce.store.products import ProductTable
from sandbox.woocommerce.store.webhooks import WebhookTable

__all__ = ["Store"]
YEAR = 365 * 86400


class Store:
    """One simulated WooCommerce store: its generated data, the overlay, id sequences and the event hook."""

    def __init__(self, config: WooConfig):
        self.config = config
        self.clock = StoreClock(config.timezone)
        self.profile = profile_for(0)
        self.sizes = config.sizes()
        self.end = config.base_end
        self.start = self.end - config.years * YEAR
        # Public URL used *inside* records (permalinks): a reserved .test domain, stable across ports.
        self.home = f"https://{self.profile.slug}.woo.test"
        self.lock = threading.RLock()
        self.catalog = WooCatalog(config.seed, self.sizes.products, self.start, self.end, self.profile, self.home)
        self.people = WooCustomers(config.seed, self.sizes.customers, self.start, self.end,
                                   self.profile.customer_countries)
        self.order_gen = WooOrders(config.seed, self.sizes.orders, self.start, self.end, self.profile, self.clock,
                                   self.catalog, self.people, config.migration_share, self.home)
        self.orders = OrderTable(self.order_gen, self.lock)
        self.customers = CustomerTable(self.people, self.lock)
        self.products = ProductTable(self.catalog, self.lock)
        self.webhooks = WebhookTable()
        self._next_post = self.order_gen.ids.first_free_post_id()
        self._next_item = 1 + ITEM_STRIDE * (self.sizes.orders + 1)
        self._next_user = 2 + self.sizes.customers
        #: emit(topic, resource id): set by the webhook hub; called with the lock held, must not block.
        self.emit: Callable[[str, int], None] = lambda topic, rid: None

    @staticmethod
    def now() -> int:
        return int(time.time())

    def new_post_id(self) -> int:
        with self.lock:
            self._next_post += 1
            return self._next_post

    def new_item_id(self) -> int:
        with self.lock:
            self._next_item += 1
            return self._next_item

    def new_user_id(self) -> int:
        with self.lock:
            self._next_user += 1
            return self._next_user
