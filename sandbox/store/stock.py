"""Stock ledger: current amounts per (stock, variant) and the movement log.

The generated history's log (`generator.stocklog`) is built on first use; moves
made at run time (API PATCHes, orders of a selling shop, cancellations, restocked
credit notes, /_sandbox/mutate) are appended after it with the next ids, so a
client following `lastId` sees its own writes come back like anyone's.
"""

from __future__ import annotations

import bisect
import threading
import time
from dataclasses import dataclass

from sandbox.generator import ShopData
from sandbox.generator.stocklog import CUSTOMER


@dataclass(slots=True)
class Movement:
    id: int
    stock_id: int
    code: str
    change: int  # thousandths
    actual: int  # thousandths after the change
    changed_by: str
    time: int
    order_code: str | None


class StockLedger:
    def __init__(self, data: ShopData, lock: threading.RLock, order_code):
        self.data = data
        self.lock = lock
        self.order_code = order_code  # order index -> code (base log rows keep indexes)
        self.default = data.stock_ids[0]
        self.amounts: dict[tuple[int, str], int] = {}
        for variant in data.catalog.variants:
            self.amounts[(self.default, variant.code)] = data.supply.stock_now(variant)
            for sid in data.stock_ids[1:]:
                self.amounts[(sid, variant.code)] = variant.stock[sid]
        self.touched: dict[tuple[int, str], int] = {}  # run-time changes only
        self.runtime: dict[int, list[Movement]] = {sid: [] for sid in data.stock_ids}
        self._next_id: int | None = None

    # -- the generated log ---------------------------------------------------------------------
    @property
    def base(self):
        return self.data.stock_log

    def next_id(self) -> int:
        if self._next_id is None:
            self._next_id = self.base.last_id() + 1
        return self._next_id

    def base_rows(self, sid: int):
        return self.base.stocks[sid]

    def movement_at(self, sid: int, k: int) -> Movement:
        """Row k of a stock's base log as a Movement."""
        log = self.base.stocks[sid]
        variant = self.data.catalog.variants[log["vids"][k]]
        order = log["orders"][k]
        by = "customer" if log["by"][k] == CUSTOMER else "admin"
        return Movement(log["ids"][k], sid, variant.code, log["changes"][k], log["actuals"][k], by, log["times"][k],
                        self.order_code(order) if order >= 0 else None)

    def select(self, sid: int, last_id: int | None, since: int | None, order_index: int | None,
               order_code: str | None) -> tuple[list[tuple[str, int]], list[Movement]]:
        """Base row positions and run-time movements matching the movement-log filters, in id order."""
        log = self.base.stocks[sid]
        lo, hi = 0, len(log["ids"])
        if last_id is not None:
            lo = max(lo, bisect.bisect_right(log["ids"], last_id))
        if since is not None:
            lo = max(lo, bisect.bisect_left(log["times"], since))
        positions = range(lo, hi)
        if order_code is not None:
            positions = []
            if order_index is not None and order_index < self.data.sizes.orders:
                t = self.data.stream.time(order_index)
                start = max(lo, bisect.bisect_left(log["times"], t))
                stop = bisect.bisect_right(log["times"], t)
                positions = [k for k in range(start, stop) if log["orders"][k] == order_index]
        with self.lock:
            extra = [m for m in self.runtime[sid] if (last_id is None or m.id > last_id)
                     and (since is None or m.time >= since) and (order_code is None or m.order_code == order_code)]
        return positions, extra

    # -- reads ----------------------------------------------------------------------------------
    def claim(self, sid: int, code: str) -> int:
        hit = self.data.catalog.variant(code)
        if hit is None or sid != self.default:
            return 0
        return hit[1].claim

    def last_change(self, sid: int, code: str) -> int:
        changed = self.touched.get((sid, code))
        if changed is not None:
            return changed
        hit = self.data.catalog.variant(code)
        if hit is None:
            return 0
        product, variant = hit
        return self.base.last_change.get((sid, variant.vid), product.created)

    def stock_of(self, code: str, with_times: bool = False) -> list[tuple[int, int, int, int | None]]:
        """[(stock id, amount, claim, last change)] for a variant (product rendering)."""
        return [(sid, self.amounts.get((sid, code), 0), self.claim(sid, code),
                 self.last_change(sid, code) if with_times else None) for sid in self.data.stock_ids]

    def total(self, code: str) -> int:
        return sum(self.amounts.get((sid, code), 0) for sid in self.data.stock_ids)

    def available(self, variant, _t: float = 0, qty: int = 1000) -> bool:
        """Can a shop selling now take `qty` of the variant from its default stock?"""
        return self.amounts.get((self.default, variant.code), 0) >= qty

    def amount_for_sale(self, variant) -> int:
        return max(0, self.amounts.get((self.default, variant.code), 0))

    def last(self, sid: int) -> Movement | None:
        with self.lock:
            if self.runtime[sid]:
                return self.runtime[sid][-1]
        log = self.base.stocks[sid]
        return self.movement_at(sid, len(log["ids"]) - 1) if len(log["ids"]) else None

    # -- writes ---------------------------------------------------------------------------------
    def move(self, sid: int, code: str, *, change: int | None = None, quantity: int | None = None,
             real_stock: int | None = None, by: str = "api", order_code: str | None = None,
             now: float | None = None) -> tuple[Movement, list[str]]:
        """Apply one stock change (thousandths).  `quantity` sets the amount available
        for ordering, `realStock` the physical amount (= available + claim).  Returns the
        movement and the stock events it causes (`stock:soldOut`, `stock:inStock`)."""
        now = int(now or time.time())
        with self.lock:
            current = self.amounts[(sid, code)]
            before_total = self.total(code)
            if change is not None:
                new = current + change
            elif quantity is not None:
                new = quantity
            else:
                new = real_stock - self.claim(sid, code)
            movement = Movement(self.next_id(), sid, code, new - current, new, by, now, order_code)
            self._next_id += 1
            self.amounts[(sid, code)] = new
            self.touched[(sid, code)] = now
            self.runtime[sid].append(movement)
            after_total = self.total(code)
        events = []
        if before_total > 0 >= after_total:
            events.append("stock:soldOut")
        elif before_total <= 0 < after_total:
            events.append("stock:inStock")
        return movement, events
