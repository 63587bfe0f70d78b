"""The stock movement log of the generated history (`GET /api/stocks/{id}/movements`).

Shoptet's documents say nothing about how long the log is kept; the sandbox keeps
RETENTION_DAYS (two years, enough for a year-over-year forecast) before the end
of the generated history, plus every movement made at run time.

Default stock: every order that was not cancelled takes its product and gift
lines out of the stock when it is created (changedBy "customer", with its order
code); each supply cycle starts with a delivery (changedBy "admin") sized so the
cycle ends at its planned level (`supply`): 0 for a stock-out, which then lasts
until the next delivery with no sale in between.  Secondary stocks get
transfers and stock counts (changedBy "admin") over the last 60 days.

Built in one pass over the orders of the retention window (a few seconds at the
full 466 k orders per shop, milliseconds in tests), on first use.  Movement ids
are one sequence over all stocks of the shop, in time order.
"""

from __future__ import annotations

import bisect
from array import array

from sandbox.generator.calendar import DAY

RETENTION_DAYS = 730
SCAN_BEFORE_DAYS = 200  # a cycle that is open at the retention start began at most this long before
CUSTOMER, ADMIN = 0, 1


class StockLog:
    """Per stock: parallel arrays in time order (ids increase with time across stocks)."""

    def __init__(self, data):
        self.data = data
        self.horizon = data.base_end - RETENTION_DAYS * DAY
        self.stocks: dict[int, dict[str, array]] = {}
        self.last_change: dict[tuple[int, int], int] = {}
        default = data.stock_ids[0]
        self.stocks[default] = self._default_stock()
        for sid in data.stock_ids[1:]:
            self.stocks[sid] = self._secondary(sid)
        self._number()

    # -- default stock -----------------------------------------------------------------------
    def _scan(self):
        """Sales of the orders since the scan start, in time order: (time, vid, qty, order index)."""
        data = self.data
        stream = data.stream
        times, vids, qtys, orders = array("q"), array("i"), array("i"), array("i")
        for i in range(stream.first_at_or_after(self.horizon - SCAN_BEFORE_DAYS * DAY), stream.n):
            cancelled, picks, gift = data.orders.sales(i)
            if cancelled:
                continue
            t = stream.time(i)
            for variant, qty, _ratio in picks:
                times.append(t)
                vids.append(variant.vid)
                qtys.append(qty)
                orders.append(i)
            if gift is not None:
                times.append(t)
                vids.append(gift.vid)
                qtys.append(1000)
                orders.append(i)
        return times, vids, qtys, orders

    def _default_stock(self) -> dict[str, array]:
        data = self.data
        supply = data.supply
        variants = data.catalog.variants
        times, vids, qtys, orders = self._scan()
        # Pass 1: units sold per (variant, cycle).
        sold: dict[tuple[int, int], int] = {}
        cycle_of = array("i", [0]) * len(times)
        for e in range(len(times)):
            vid = vids[e]
            k = bisect.bisect_right(supply.starts[vid], times[e]) - 1
            cycle_of[e] = k
            key = (vid, k)
            sold[key] = sold.get(key, 0) + qtys[e]
        # Deliveries, and each variant's stock when its cycle open at the horizon began.
        deliveries = []
        stock: list[int] = [0] * len(variants)
        first_cycle: list[int] = [0] * len(variants)
        for variant in variants:
            vid = variant.vid
            starts, levels = supply.starts[vid], supply.levels[vid]
            last = len(starts) - 1
            k0 = max(0, bisect.bisect_right(starts, self.horizon) - 1)
            first_cycle[vid] = k0
            for k in range(k0, last + 1):
                before = levels[k - 1] * 1000 if k > 0 else 0
                after = supply.stock_now(variant) if k == last else levels[k] * 1000
                delivered = after - before + sold.get((vid, k), 0)
                if k == k0:
                    stock[vid] = before + delivered
                if starts[k] >= self.horizon and delivered:
                    deliveries.append((starts[k], vid, delivered, before + delivered))
        deliveries.sort()
        # Pass 2: merge deliveries and sales in time order.
        out = {name: array(code) for name, code in _COLUMNS}
        d = 0
        opened: set[int] = set()
        for e in range(len(times)):
            t = times[e]
            while d < len(deliveries) and deliveries[d][0] <= t:
                self._delivery(out, deliveries[d], stock, opened)
                d += 1
            vid = vids[e]
            if cycle_of[e] < first_cycle[vid]:
                continue  # a cycle that closed before the horizon
            stock[vid] -= qtys[e]
            if t >= self.horizon:
                _append(out, t, vid, -qtys[e], stock[vid], orders[e], CUSTOMER)
                self.last_change[(self.data.stock_ids[0], vid)] = t
        for delivery in deliveries[d:]:
            self._delivery(out, delivery, stock, opened)
        return out

    def _delivery(self, out, delivery, stock: list[int], opened: set[int]) -> None:
        t, vid, change, level = delivery
        if vid in opened:
            stock[vid] += change
        else:  # the first delivery inside the window: the stock before it is the previous cycle's end
            opened.add(vid)
            stock[vid] = level
        _append(out, t, vid, change, stock[vid], -1, ADMIN)
        self.last_change[(self.data.stock_ids[0], vid)] = t

    # -- secondary stocks -------------------------------------------------------------------
    def _secondary(self, sid: int) -> dict[str, array]:
        """Transfers and counts, walked back from today's amounts so no amount is ever negative."""
        data = self.data
        catalog = data.catalog
        proposals = data.secondary_movements(sid)
        running: dict[int, int] = {}
        rows = []
        for change, code, t, _by, _order in reversed(proposals):
            variant = catalog.variant(code)[1]
            after = running.get(variant.vid, variant.stock[sid])
            if after - change < 0:
                change = -change  # an outflow instead: the shelf had more before
            rows.append((t, variant.vid, change, after))
            running[variant.vid] = after - change
        out = {name: array(code) for name, code in _COLUMNS}
        for t, vid, change, after in reversed(rows):
            _append(out, t, vid, change, after, -1, ADMIN)
            self.last_change[(sid, vid)] = t
        return out

    # -- ids ----------------------------------------------------------------------------------
    def _number(self) -> None:
        """One id sequence over all stocks, in time order (stock order breaks ties)."""
        cursors = {sid: 0 for sid in self.stocks}
        for log in self.stocks.values():
            log["ids"] = array("q", bytes(8 * len(log["times"])))
        next_id = 1
        order = sorted(self.stocks)
        while True:
            best = None
            for sid in order:
                k = cursors[sid]
                times = self.stocks[sid]["times"]
                if k < len(times) and (best is None or times[k] < self.stocks[best]["times"][cursors[best]]):
                    best = sid
            if best is None:
                break
            log = self.stocks[best]
            times = log["times"]
            # Take the whole run of `best` up to the next other stock's time at once.
            limit = min((self.stocks[s]["times"][cursors[s]] for s in order
                         if s != best and cursors[s] < len(self.stocks[s]["times"])), default=None)
            k = cursors[best]
            stop = len(times) if limit is None else max(k + 1, bisect.bisect_left(times, limit, lo=k))
            for pos in range(k, stop):
                log["ids"][pos] = next_id
                next_id += 1
            cursors[best] = stop
        self.count = next_id - 1

    def last_id(self) -> int:
        return self.count


_COLUMNS = (("times", "q"), ("vids", "i"), ("changes", "i"), ("actuals", "i"), ("orders", "i"), ("by", "b"))


def _append(out, t: int, vid: int, change: int, actual: int, order: int, by: int) -> None:
    out["times"].append(t)
    out["vids"].append(vid)
    out["changes"].append(change)
    out["actuals"].append(actual)
    out["orders"].append(order)
    out["by"].append(by)
