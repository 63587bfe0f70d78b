"""What a shop's customers put in the basket, and when.

The chance that an order line at time t is variant v of product p is proportional to

    popularity_p x season_category(p)(day of year) x share_v
        x (1 + launch boost while p is new + promotion boost while p has an action price)

over the products that exist at t, and zero while v is out of stock (the
customer buys something else: demand of a sold-out variant is censored, not
moved to another day).  Popularity is log-normal (a few bestsellers, a long tail
of slow sellers), a launch adds LAUNCH_AMP x popularity decaying with
LAUNCH_DAYS, a promotion multiplies demand by 1 + 6 x its discount.  The total
number of lines per day comes from the orders (growth, weekly and yearly season).

Drawing is rejection sampling from prefix sums, so a line costs a few random
numbers whatever the catalogue size; see sandbox/README.md "Demand".
"""

from __future__ import annotations

import bisect
import math
from array import array

from sandbox.generator.calendar import CATEGORY_SEASON, CATEGORY_SEASON_MAX, DAY, day_of_year, local_day

LAUNCH_AMP = 2.0
LAUNCH_DAYS = 21.0
LAUNCH_WINDOW = 4 * LAUNCH_DAYS * DAY
MAX_TRIES = 200


def promo_boost(ratio: int) -> float:
    """Extra demand (multiplier - 1) of a promotion selling at `ratio`/10000 of the price."""
    return 6.0 * (10000 - ratio) / 10000


class Demand:
    def __init__(self, catalog, start: int, end: int):
        self.catalog = catalog
        products = catalog.products
        self.products = products
        self.created = catalog.created
        cum = array("d", [0.0])
        base = array("d", [0.0])
        for p in products:
            cum.append(cum[-1] + p.popularity * CATEGORY_SEASON_MAX[p.category])
            base.append(base[-1] + p.popularity)
        self.cum = cum  # proposal mass (popularity x the category's peak season) of products [0, k)
        self.base = base  # popularity of products [0, k)
        self.variant_cum = [_cumulative([v.share for v in p.variants]) for p in products]
        self.categories = [p.category for p in products]
        self._day_cache = None
        self.first_day = local_day(start)
        self.last_day = local_day(end)
        self.doy = array("H", (day_of_year(d) for d in range(self.first_day, self.last_day + 1)))
        self.promos = self._promo_days()

    def _promo_days(self) -> list:
        """Per day of the history: (products on promotion, prefix sums of their extra mass)."""
        days = self.last_day - self.first_day + 1
        lists: list = [None] * days
        for p in self.products:
            weight = p.popularity * CATEGORY_SEASON_MAX[p.category]
            for start, stop, ratio in p.promos:
                for day in range(max(0, local_day(start) - self.first_day),
                                 min(days, local_day(stop - 1) - self.first_day + 1)):
                    if lists[day] is None:
                        lists[day] = ([], array("d", [0.0]))
                    ids, masses = lists[day]
                    ids.append(p.index)
                    masses.append(masses[-1] + weight * promo_boost(ratio))
        return lists

    def season(self, category: int, t: float) -> float:
        day = local_day(t)
        k = day - self.first_day
        doy = self.doy[k] if 0 <= k < len(self.doy) else day_of_year(day)
        return CATEGORY_SEASON[category][doy]

    def pick(self, rng, t: float, available):
        """A variant for one order line at time t; available(variant, t) vetoes sold-out ones."""
        return self.basket(t, available)(rng)

    def _day(self, day: int):
        """(promotions, their total extra mass, per-product season acceptance) of a local day, cached."""
        cached = self._day_cache
        if cached is not None and cached[0] == day:
            return cached[1]
        k = day - self.first_day
        promo = self.promos[k] if 0 <= k < len(self.promos) else None
        doy = self.doy[k] if 0 <= k < len(self.doy) else day_of_year(day)
        accept = _ACCEPT[doy]
        value = (promo, promo[1][-1] if promo is not None else 0.0, [accept[c] for c in self.categories])
        self._day_cache = (day, value)
        return value

    def basket(self, t: float, available):
        """pick(rng) for the lines of one order at time t: the per-time work done once."""
        products = self.products
        created = self.created
        eligible = self.eligible(t)
        cum = self.cum
        total_base = cum[eligible]
        lo = min(bisect.bisect_left(created, t - LAUNCH_WINDOW), eligible)
        launch_base = cum[lo]
        total_launch = LAUNCH_AMP * (total_base - launch_base)
        promo, total_promo, accept = self._day(local_day(t))
        total = total_base + total_launch + total_promo
        with_launch = total_base + total_launch
        variant_cum = self.variant_cum
        bisect_right = bisect.bisect_right
        decay = LAUNCH_DAYS * DAY
        exp = math.exp

        def pick(rng):
            random = rng.random
            for _ in range(MAX_TRIES):
                u = random() * total
                if u < total_base:
                    p = bisect_right(cum, u, 0, eligible + 1) - 1
                elif u < with_launch:
                    p = bisect_right(cum, launch_base + (u - total_base) / LAUNCH_AMP, lo, eligible + 1) - 1
                    if random() > exp((created[p] - t) / decay):
                        continue
                else:
                    ids, masses = promo
                    p = ids[min(len(ids) - 1, bisect_right(masses, u - with_launch) - 1)]
                    if p >= eligible:
                        continue
                if random() > accept[p]:
                    continue
                variant = products[p].variants[bisect_right(variant_cum[p], random())]
                if available(variant, t):
                    return variant
            return self._fallback(eligible, t, available)

        return pick

    def pick_gift(self, rng, t: float, available):
        """A gift: the first variant of any product existing at t, in stock."""
        eligible = self.eligible(t)
        for _ in range(MAX_TRIES):
            variant = self.products[int(rng.random() * eligible)].variants[0]
            if available(variant, t):
                return variant
        return self._fallback(eligible, t, available)

    def _fallback(self, eligible: int, t: float, available):
        """Nearly everything sold out (tiny catalogues): the first variant in stock, else None (no line)."""
        for product in self.products[:eligible]:
            for variant in product.variants:
                if available(variant, t):
                    return variant
        return None

    def eligible(self, t: float) -> int:
        return self.catalog.eligible(t)

    def expected_share(self, product, variant, t: float) -> float:
        """Share of the lines at time t that go to `variant` (ignoring boosts and stock-outs)."""
        eligible = self.eligible(t)
        total = self.base[eligible] or 1.0
        return product.popularity * self.season(product.category, t) * variant.share / total


# Per day of year: chance that a proposed product of each category is kept (its season / its peak).
_ACCEPT = tuple(tuple(CATEGORY_SEASON[c][doy] / CATEGORY_SEASON_MAX[c] for c in range(len(CATEGORY_SEASON)))
                for doy in range(366))


def _cumulative(shares: list[float]) -> list[float]:
    out, running = [], 0.0
    for share in shares[:-1]:
        running += share
        out.append(running)
    return out
