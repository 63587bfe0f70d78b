"""Run-time state of a shop: a small overlay on top of the generated base data.

Reads go to the generator and then get the overlay applied; writes (API PATCHes,
/_sandbox/mutate) only touch the overlay and bump changeTime.  Operations that
span several overlays (a sale takes stock, a cancellation gives it back) live
here and return the webhook events they cause as (event, instance) pairs.
"""

from __future__ import annotations

import threading

from sandbox.generator import ShopData
from sandbox.generator.profiles import CANCELLED_STATUS
from sandbox.store.creditnotes import CreditNotes
from sandbox.store.customers import CustomerOverlay
from sandbox.store.orders import OrderFilter, OrderOverlay
from sandbox.store.prices import PriceBook
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
        self.stock = StockLedger(data, self.lock, self.orders.code)
        self.prices = PriceBook(data, self.lock)
        self.products = ProductOverlay(data, self.lock, self.stock.stock_of, self.prices)
        self.credit_notes = CreditNotes(data, self.lock, self.orders)
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

    # -- operations across overlays ----------------------------------------------------------
    def sell(self, now: float | None = None) -> tuple[str, list[tuple[str, str]]]:
        """A customer orders now: lines only from what the default stock holds, at today's prices."""
        stock = self.stock

        def price_of(product, variant):
            return self.prices.selling_price(product, variant, now)

        with self.lock:
            code, head = self.orders.create(stock.available, price_of, now, limit=stock.amount_for_sale)
            events = [("order:create", code)]
            moved = set()
            lines = [(variant, qty) for variant, qty, _ratio in head.picks]
            if head.gift is not None:
                lines.append((head.gift, 1000))
            for variant, qty in lines:
                _movement, stock_events = stock.move(stock.default, variant.code, change=-qty, by="customer",
                                                     order_code=code, now=now)
                moved.add(stock.default)
                events += [(event, variant.code) for event in stock_events]
            events += [("stock:movement", str(sid)) for sid in sorted(moved)]
        return code, events

    def set_status(self, i: int, now: float | None = None, **changes) -> list[tuple[str, str]]:
        """Order status/paid/billing change; a cancellation puts the order's goods back in stock."""
        with self.lock:
            before = self.orders.head(i)
            code = self.orders.code(i)
            events = [(event, code) for event in self.orders.update(i, now=now, **changes)]
            if before.status != CANCELLED_STATUS and ("order:cancel", code) in events:
                lines = [(variant, qty) for variant, qty, _ratio in before.picks]
                if before.gift is not None:
                    lines.append((before.gift, 1000))
                for variant, qty in lines:
                    _movement, stock_events = self.stock.move(self.stock.default, variant.code, change=qty,
                                                              by="admin", order_code=code, now=now)
                    events += [(event, variant.code) for event in stock_events]
                if lines:
                    events.append(("stock:movement", str(self.stock.default)))
        return events

    def restock(self, code: str, now: float | None = None) -> list[tuple[str, str]]:
        """POST /api/credit-notes/{code}/restock: the returned goods go back to the default stock."""
        with self.lock:
            lines = self.credit_notes.mark_restocked(code, now)
            events = []
            for variant_code, qty, order_code in lines:
                _movement, stock_events = self.stock.move(self.stock.default, variant_code, change=qty, by="admin",
                                                          order_code=order_code, now=now)
                events += [(event, variant_code) for event in stock_events]
            events.append(("creditNote:update", code))
            if lines:
                events.append(("stock:movement", str(self.stock.default)))
        return events
