"""Run-time state of a shop: a small overlay on top of the generated base data.

Reads go to the generator and then get the overlay applied; writes (API PATCHes,
/_sandbox/mutate) only touch the overlay and bump changeTime.
"""

from __future__ import annotations

import threading

from sandbox.generator import ShopData
from sandbox.store.customers import CustomerOverlay
from sandbox.store.orders import OrderFilter, OrderOverlay
from sandbox.store.products import ProductOverlay
from sandbox.store.stock import Movement, StockLedger

__all__ = ["Movement", "OrderFilter", "ShopStore"]


class ShopStore:
    def __init__(self, data: ShopData):
        self.data = data
        self.eshop_id = data.eshop_id
        self.lock = threading.RLock()
        self.orders = OrderOverlay(data, self.lock)
        self.customers = CustomerOverlay(data, self.lock)
        self.stock = StockLedger(data, self.lock)
        self.products = ProductOverlay(data, self.lock, self.stock.stock_of)
        self.mutations = 0

    def iter_orders(self, f: OrderFilter, include: frozenset):
        for i in self.orders.select(f):
            yield self.orders.record(i, include)

    def iter_customers(self, **filters):
        for j in self.customers.select(**filters):
            yield self.customers.detail(j)

    def iter_products(self, lang: str, include: frozenset, **filters):
        for p in self.products.select(lang, **filters):
            yield self.products.detail(p, lang, include)
