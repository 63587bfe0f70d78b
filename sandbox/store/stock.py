"""Stock ledger: current amounts per (stock, variant) and the movement log.

Base movements are replayed backwards from the generated stock so their
`actualAmount` values are consistent with what `/supplies` reports now.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

from sandbox.generator import ShopData


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
    def __init__(self, data: ShopData, lock: threading.RLock):
        self.data = data
        self.lock = lock
        self.amounts: dict[tuple[int, str], int] = {}
        self.touched: dict[tuple[int, str], int] = {}
        self.movements: dict[int, list[Movement]] = {}
        next_id = 1
        for sid in data.stock_ids:
            for product in data.catalog.products:
                for v in product.variants:
                    self.amounts[(sid, v.code)] = v.stock[sid]
            history = data.base_movements(sid)
            running = {}
            replayed = []
            for change, code, ts, by, order_code in reversed(history):
                after = running.get(code, self.amounts[(sid, code)])
                replayed.append((change, code, ts, by, order_code, after))
                running[code] = after - change
            log = []
            for change, code, ts, by, order_code, after in reversed(replayed):
                log.append(Movement(next_id, sid, code, change, after, by, ts, order_code))
                self.touched[(sid, code)] = ts
                next_id += 1
            self.movements[sid] = log
        self.next_id = next_id

    def claim(self, sid: int, code: str) -> int:
        hit = self.data.catalog.variant(code)
        if hit is None or sid != self.data.stock_ids[0]:
            return 0
        return hit[1].claim

    def stock_of(self, code: str) -> list[tuple[int, int, int, int]]:
        """[(stock id, amount, claim, last change)] for a variant (product rendering)."""
        hit = self.data.catalog.variant(code)
        changed = hit[0].changed if hit else 0
        return [(sid, self.amounts.get((sid, code), 0), self.claim(sid, code),
                 self.touched.get((sid, code), changed)) for sid in self.data.stock_ids]

    def move(self, sid: int, code: str, *, change: int | None = None, quantity: int | None = None,
             real_stock: int | None = None, by: str = "api", order_code: str | None = None,
             now: float | None = None) -> Movement:
        """Apply one stock change (thousandths).  `quantity` sets the amount available
        for ordering, `realStock` the physical amount (= available + claim)."""
        now = int(now or time.time())
        with self.lock:
            current = self.amounts[(sid, code)]
            if change is not None:
                new = current + change
            elif quantity is not None:
                new = quantity
            else:
                new = real_stock - self.claim(sid, code)
            movement = Movement(self.next_id, sid, code, new - current, new, by, now, order_code)
            self.next_id += 1
            self.amounts[(sid, code)] = new
            self.touched[(sid, code)] = now
            self.movements[sid].append(movement)
            return movement

    def last(self, sid: int) -> Movement | None:
        log = self.movements.get(sid)
        return log[-1] if log else None

    def total(self, code: str) -> int:
        return sum(self.amounts.get((sid, code), 0) for sid in self.data.stock_ids)
