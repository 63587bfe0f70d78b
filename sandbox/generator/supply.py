"""Replenishment of the default stock: cycles, stock-outs and the stock now.

Each variant's life is a chain of supply cycles.  A cycle starts with a delivery
and covers COVER_DAYS of expected demand (7..150 days); with the supplier's late
chance it ends in a stock-out lasting about the supplier's lead time, during
which the variant sells nothing (`Demand.pick` asks `available`).  Cycles that
do not run out end with a few days of safety stock.

Deliveries are sized after the fact so the stock is exact: a cycle's delivery is
what its orders took, plus its end level, minus what the previous cycle left.
So the movement log (`stocklog`) shows the stock reaching 0 at a stock-out's last
sale and coming back with the next delivery, and never going negative.
"""

from __future__ import annotations

import bisect
import random
from array import array

from sandbox.formats import mix
from sandbox.generator import kinds
from sandbox.generator.calendar import DAY, IntensityTimeline, local_day
from sandbox.generator.pool import SUPPLIER_TERMS

LINES_PER_ORDER = 3.45
UNITS_PER_LINE = 1.55
MIN_CYCLE_DAYS = 7
MAX_CYCLE_DAYS = 150
COVER_DAYS = (21, 56)
SAFETY_DAYS = (3, 10)
NO_SUPPLIER = (10, 0.3, 0.4)


class SupplyPlan:
    def __init__(self, seed: int, shop: int, catalog, demand, n_orders: int, start: int, end: int):
        self.end = end
        self.demand = demand
        orders = IntensityTimeline(max(1, n_orders), start, end, 0)
        self._first_day = orders.first_day
        scale = n_orders * LINES_PER_ORDER * UNITS_PER_LINE / orders.total if orders.total else 0.0
        self._units_per_day = [w * scale for w in orders.weights]
        self.starts: list[array] = []  # per variant: cycle start (delivery) times
        self.oos: list[array] = []  # per variant: stock-out start of the cycle, 0 if it does not run out
        self.levels: list[array] = []  # per variant: units left at the cycle's end (0 for a stock-out)
        self.now: array = array("l")  # per variant: units in the default stock at `end`
        for product in catalog.products:
            for variant in product.variants:
                self._plan(seed, shop, product, variant)

    def rate(self, product, variant, t: float) -> float:
        """Expected units per day of a variant at t (plan only: no boosts, no stock-outs)."""
        k = min(len(self._units_per_day) - 1, max(0, local_day(t) - self._first_day))
        return self._units_per_day[k] * self.demand.expected_share(product, variant, t)

    def _plan(self, seed: int, shop: int, product, variant) -> None:
        rng = random.Random(mix(seed, shop, kinds.SUPPLY, variant.vid))
        lead, late, _margin = SUPPLIER_TERMS[product.supplier] if product.supplier is not None else NO_SUPPLIER
        cover = COVER_DAYS[0] + rng.random() * (COVER_DAYS[1] - COVER_DAYS[0])
        safety = SAFETY_DAYS[0] + rng.random() * (SAFETY_DAYS[1] - SAFETY_DAYS[0])
        starts, oos, levels = array("q"), array("q"), array("l")
        t = product.created
        rate = 0.0
        while t < self.end:
            rate = max(self.rate(product, variant, t), 1e-4)
            days = min(MAX_CYCLE_DAYS, max(MIN_CYCLE_DAYS, max(2.0, rate * cover) / rate))
            stop = t + int(days * DAY)
            starts.append(t)
            if rng.random() < late:
                out_days = max(2.0, lead * (0.5 + rng.random()))
                oos.append(stop)
                levels.append(0)
                t = stop + int(out_days * DAY)
            else:
                oos.append(0)
                levels.append(max(1, round(rate * safety)))
                t = stop
        if not starts:
            starts.append(product.created)
            oos.append(0)
            levels.append(1)
        k = len(starts) - 1
        if oos[k] and self.end >= oos[k]:
            now = 0
        else:
            until = (oos[k] or t) - self.end
            now = max(1, levels[k] + round(rate * until / DAY))
        self.starts.append(starts)
        self.oos.append(oos)
        self.levels.append(levels)
        self.now.append(now)

    def available(self, variant, t: float) -> bool:
        """May the variant be sold at t (base history)?  False during a planned stock-out."""
        starts = self.starts[variant.vid]
        k = bisect.bisect_right(starts, t) - 1
        if k < 0:
            return False
        out = self.oos[variant.vid][k]
        return not (out and t >= out)

    def stock_now(self, variant) -> int:
        """Default-stock amount (thousandths) at the end of the generated history."""
        return self.now[variant.vid] * 1000

    def out_of_stock_days(self, variant, since: float) -> float:
        """Planned stock-out days of a variant in [since, end) (truth for tests)."""
        total = 0.0
        starts, oos = self.starts[variant.vid], self.oos[variant.vid]
        for k, out in enumerate(oos):
            if not out:
                continue
            stop = starts[k + 1] if k + 1 < len(starts) else self.end
            total += max(0, min(stop, self.end) - max(out, since)) / DAY
        return total
