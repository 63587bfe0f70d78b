"""Who buys when: customers follow a buy-till-you-die process, guests fill the rest.

Every registered customer j draws, in one seeded pass over the shop's customers:

* whether they buy at all (probability `q`, the rest only registered an account);
* a repeat-purchase rate  lambda_j ~ Gamma(shape R, rate ALPHA)  per day;
* a drop-out probability  p_j ~ Beta(A, B).

A buying customer orders right after registering (their first order), then again
at the times of a Poisson process of rate lambda_j modulated by the shop's weekly
and yearly season (mean 1), and after each repeat order stops for good with
probability p_j (BG/NBD).  Guest orders (no account) take the slots left to reach
the shop's order count, at times of the seasonal, growing `IntensityTimeline`.

The merged stream is sorted by time: order i is the i-th purchase of the shop.
`q` is chosen per shop so that ~75 % of orders come from registered customers,
whatever the ratio of customers to orders; the parameters and each customer's
draws are exposed by `GET /_sandbox/truth` so tests can compare predictions with
the process that made the data.
"""

from __future__ import annotations

import bisect
import math
import random
from array import array

from sandbox.formats import local_year, local_year_start, mix
from sandbox.generator import kinds
from sandbox.generator.calendar import DAY, SEASON_MAX, IntensityTimeline, local_day, season

# BG/NBD parameters, time unit = day (see sandbox/README.md "Customers").  The sampling below
# relies on R = 1/2, A = 3/2 and B = 3.
R = 0.5
ALPHA = 330.0
A = 1.5
B = 3.0
REGISTERED_SHARE = 0.75  # of orders, the rest are guests
MAX_PURCHASES = 400
MAX_SPEED = 1000.0
SPEED_STEPS = 24
_OWNER_BITS = 23  # customers per shop < 8 M


class OrderStream:
    """Times and buyers of a shop's base orders, index = position in time."""

    def __init__(self, seed: int, shop: int, n: int, customers, start: int, end: int):
        self.n = n
        self.start = start
        self.end = end
        self._salt = mix(seed, shop, kinds.BUYERS)
        created = array("q", customers.timeline.all_times())
        target = REGISTERED_SHARE * n
        self.speed = 1.0
        events = self._simulate(created, self.speed)
        if 0 < len(events) < target:
            # Few customers for the orders: they buy more often (lambda scaled by `speed`, documented in
            # the truth as the shop's effective alpha = ALPHA / speed) until ~75 % of orders are theirs.
            low, high = 1.0, MAX_SPEED
            for _ in range(SPEED_STEPS):
                self.speed = (low * high) ** 0.5
                events = self._simulate(created, self.speed)
                if abs(len(events) - target) <= 0.02 * target:
                    break
                low, high = (self.speed, high) if len(events) < target else (low, self.speed)
        self.q = min(1.0, target / len(events)) if events else 0.0
        owner_mask = (1 << _OWNER_BITS) - 1
        buys = self.buys
        kept = array("q", sorted(e for e in events if buys[e & owner_mask] < self.q))
        del events
        del kept[n:]  # only when customers far outnumber orders (documented)
        for e in kept:
            self.purchases[e & owner_mask] += 1
        self.registered = len(kept)
        guests = n - len(kept)
        self.guest_timeline = IntensityTimeline(guests, start, end, mix(seed, shop, kinds.TIME_ORDER))
        kept.extend(t << _OWNER_BITS | owner_mask for t in self.guest_timeline.all_times())
        merged = sorted(kept)
        del kept
        self.times = array("q", (e >> _OWNER_BITS for e in merged))
        self.owners = array("i", ((e & owner_mask) if (e & owner_mask) != owner_mask else -1 for e in merged))
        self._year_first: dict[int, int] = {}

    def _simulate(self, created: array, speed: float) -> array:
        """Every customer's purchases, (time << _OWNER_BITS | customer), with rates x `speed`."""
        end = self.end
        first_day = local_day(self.start)
        seasons = [season(first_day + k) for k in range(local_day(end) - first_day + 2)]
        rng = random.Random(self._salt)
        c = len(created)
        self.rate = array("f", bytes(4 * c))
        self.dropout = array("f", bytes(4 * c))
        self.purchases = array("H", bytes(2 * c))
        self.died = array("b", bytes(c))
        self.buys = array("f", bytes(4 * c))  # customer j buys iff buys[j] < q
        events = array("q")  # arrays, not lists of ints: memory stays flat at 466 k orders
        gauss, expo, uniform, log = rng.gauss, rng.expovariate, rng.random, math.log
        for j, registered in enumerate(created):
            self.buys[j] = uniform()
            # Gamma(1/2) = Z^2 / 2 and Gamma(3/2) = Gamma(1/2) + Exp(1), Gamma(3) = sum of 3 Exp(1): the
            # same distributions as random.gammavariate/betavariate for these shapes, five times faster.
            lam = gauss(0.0, 1.0) ** 2 / 2 / ALPHA * speed
            first = gauss(0.0, 1.0) ** 2 / 2 - log(1.0 - uniform())
            second = -log((1.0 - uniform()) * (1.0 - uniform()) * (1.0 - uniform()))
            p = first / (first + second)
            self.rate[j] = lam
            self.dropout[j] = p
            t = registered + 60 + int(uniform() * 1200)
            if t >= end:
                continue
            events.append(t << _OWNER_BITS | j)
            bound = lam * SEASON_MAX / DAY
            count = 1
            while bound > 0 and count < MAX_PURCHASES:
                t += int(expo(bound)) + 1
                if t >= end:
                    break
                if uniform() * SEASON_MAX > seasons[local_day(t) - first_day]:
                    continue  # thinning: the season is low on that day
                events.append(t << _OWNER_BITS | j)
                count += 1
                if uniform() < p:
                    self.died[j] = 1
                    break
        return events

    # -- timeline contract (time, count_at, first_at_or_after, code) -------------------------
    def time(self, i: int) -> int:
        return self.times[i]

    def owner(self, i: int) -> int | None:
        j = self.owners[i]
        return None if j < 0 else j

    def count_at(self, t: float) -> int:
        return bisect.bisect_right(self.times, t)

    def first_at_or_after(self, t: float) -> int:
        return bisect.bisect_left(self.times, t)

    def year_first(self, year: int) -> int:
        cached = self._year_first.get(year)
        if cached is None:
            cached = self.first_at_or_after(local_year_start(year))
            self._year_first[year] = cached
        return cached

    def code(self, i: int, created: int | None = None) -> str:
        """Shoptet-style order code: year + 6-digit sequence within the year."""
        year = local_year(self.times[i] if created is None else created)
        return f"{year}{i - self.year_first(year) + 1:06d}"

    def index_of_code(self, code: str) -> int | None:
        if len(code) < 10 or not code.isdigit():
            return None
        year, seq = int(code[:4]), int(code[4:])
        if seq < 1:
            return None
        i = self.year_first(year) + seq - 1
        if i >= self.n or self.code(i) != code:
            return None
        return i

    # -- truth --------------------------------------------------------------------------------
    def customer_truth(self, j: int) -> dict:
        return {"buys": self.buys[j] < self.q, "lambdaPerDay": float(self.rate[j]),
                "dropout": float(self.dropout[j]), "purchases": self.purchases[j],
                "droppedOut": bool(self.died[j])}

    def summary(self) -> dict:
        return {"model": "BG/NBD", "timeUnit": "day", "r": R, "alpha": ALPHA / self.speed, "a": A, "b": B,
                "q": round(self.q, 6), "rateSpeed": self.speed, "registeredOrders": self.registered,
                "guestOrders": self.n - self.registered,
                "seasonality": "repeat rate x WEEKLY[weekday] x YEARLY[day of year] (sandbox/generator/calendar.py)"}
