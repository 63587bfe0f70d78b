"""When things happen: growth, weekly and yearly seasonality, hours of the day.

Real shops sell more on Mondays than on Saturdays, more in the weeks before
Christmas than in January, more every year, and hardly at all at 4 a.m.  These
profiles shape the arrival of guests' orders and customers' registrations
(`IntensityTimeline`), the repeat purchases of customers (`buyers`) and, per
product category, the mix of what sells (`demand`).  All are plain tables so a
lookup costs an index, and all are documented in sandbox/README.md.
"""

from __future__ import annotations

import bisect
import math
import time
from array import array

from sandbox.formats import TZ_OFFSET_SECONDS

DAY = 86400
HOUR = 3600
# Monday .. Sunday, mean 1.
WEEKLY = (1.16, 1.10, 1.04, 1.00, 0.86, 0.74, 1.10)
# Mid-month values, mean 1: a slow January, a summer dip, the run-up to Christmas.
YEARLY_MONTHS = (0.80, 0.86, 0.96, 1.00, 1.00, 0.90, 0.84, 0.88, 1.00, 1.06, 1.30, 1.40)
# Per product category (order of words.CATEGORIES): what a category sells like, month by month.
CATEGORY_MONTHS = (
    (0.40, 0.50, 1.10, 1.80, 1.80, 1.40, 1.10, 0.90, 0.80, 0.70, 0.50, 0.50),  # garden: spring
    (0.95, 0.95, 1.00, 1.00, 1.00, 0.95, 0.95, 1.00, 1.00, 1.05, 1.10, 1.20),  # household: flat
    (0.70, 0.75, 0.90, 1.10, 1.30, 1.50, 1.50, 1.40, 1.10, 0.90, 0.75, 0.70),  # outdoor: summer
    (0.75, 0.70, 0.75, 0.80, 0.85, 0.90, 0.85, 0.85, 0.90, 1.00, 1.50, 2.20),  # toys: Christmas
    (0.85, 0.90, 1.20, 1.25, 1.10, 0.95, 0.85, 0.90, 1.20, 1.20, 1.00, 0.95),  # fashion: seasons
    (0.80, 0.80, 0.85, 0.90, 1.00, 1.10, 1.10, 1.00, 1.30, 1.00, 1.10, 1.60),  # drinks: harvest, Christmas
)
# Orders per hour of the day (local time), relative.
HOURLY = (0.20, 0.12, 0.08, 0.06, 0.06, 0.10, 0.30, 0.60, 0.90, 1.10, 1.20, 1.20,
          1.15, 1.10, 1.05, 1.05, 1.10, 1.15, 1.30, 1.45, 1.50, 1.30, 0.90, 0.50)
GROWTH_POWER = 2 / 3  # the shop grows: activity at fraction x of its history is ~ (x + 0.05) ** power


def _month_curve(months: tuple[float, ...]) -> tuple[float, ...]:
    """Day-of-year (0..365) table interpolated linearly between mid-month values."""
    mids = [15.5 + 30.44 * m for m in range(12)]
    out = []
    for doy in range(366):
        k = bisect.bisect_right(mids, doy) - 1
        if k < 0:
            x0, y0, x1, y1 = mids[11] - 365.25, months[11], mids[0], months[0]
        elif k >= 11:
            x0, y0, x1, y1 = mids[11], months[11], mids[0] + 365.25, months[0]
        else:
            x0, y0, x1, y1 = mids[k], months[k], mids[k + 1], months[k + 1]
        out.append(y0 + (y1 - y0) * (doy - x0) / (x1 - x0))
    return tuple(out)


YEARLY = _month_curve(YEARLY_MONTHS)
CATEGORY_SEASON = tuple(_month_curve(m) for m in CATEGORY_MONTHS)
CATEGORY_SEASON_MAX = tuple(max(c) for c in CATEGORY_SEASON)
_HOUR_CUM = tuple(sum(HOURLY[:h]) / sum(HOURLY) for h in range(25))


def local_day(ts: float) -> int:
    """Days since 1970-01-01 in shop-local time."""
    return int(ts + TZ_OFFSET_SECONDS) // DAY


def weekday(day: int) -> int:
    """0 = Monday for a local day number (1970-01-01 was a Thursday)."""
    return (day + 3) % 7


def day_of_year(day: int) -> int:
    ts = day * DAY
    return time.gmtime(ts).tm_yday - 1


def season(day: int) -> float:
    """Weekly x yearly factor of a local day (mean ~1 over a year)."""
    return WEEKLY[weekday(day)] * YEARLY[day_of_year(day)]


SEASON_MAX = max(WEEKLY) * max(YEARLY)


def _frac(salt: int, i: int) -> float:
    """Cheap deterministic jitter in [0, 1) (Weyl sequence): where in its slot record i falls."""
    return (((i + salt) * 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF) / 18446744073709551616.0


class IntensityTimeline:
    """n records spread over [start, end) with a seasonal, growing intensity.

    Record i sits at the (i + jitter)/n quantile of the cumulative intensity, so
    times are monotonic in i and "how many records exist at time t" is a lookup:
    the same contract as `timeline.Timeline`, with weekly, yearly and hourly shape.
    """

    def __init__(self, n: int, start: int, end: int, salt: int, growth: float = GROWTH_POWER):
        self.n = n
        self.start = start
        self.end = max(end, start + 1)
        self.salt = salt
        self.first_day = local_day(start)
        self.days = local_day(self.end - 1) - self.first_day + 1
        weights = array("d")
        span = max(1, self.days)
        for k in range(self.days):
            day = self.first_day + k
            weights.append(((k + 0.5) / span + 0.05) ** growth * season(day))
        self.weights = weights
        cum = array("d", [0.0])
        total = 0.0
        for w in weights:
            total += w
            cum.append(total)
        self.cum = cum
        self._offset_start = self._mass_at(start)
        self.total = self._mass_at(self.end) - self._offset_start

    def _mass_at(self, t: float) -> float:
        """Cumulative intensity from the first local midnight to t."""
        day = local_day(t) - self.first_day
        if day < 0:
            return 0.0
        if day >= self.days:
            return self.cum[-1]
        seconds = (int(t) + TZ_OFFSET_SECONDS) % DAY
        hour, rest = divmod(seconds, HOUR)
        within = _HOUR_CUM[hour] + (_HOUR_CUM[hour + 1] - _HOUR_CUM[hour]) * rest / HOUR
        return self.cum[day] + self.weights[day] * within

    def _time_of_mass(self, mass: float) -> int:
        mass += self._offset_start
        day = min(self.days - 1, max(0, bisect.bisect_right(self.cum, mass) - 1))
        within = (mass - self.cum[day]) / self.weights[day] if self.weights[day] else 0.0
        hour = min(23, max(0, bisect.bisect_right(_HOUR_CUM, within) - 1))
        width = _HOUR_CUM[hour + 1] - _HOUR_CUM[hour]
        rest = (within - _HOUR_CUM[hour]) / width if width else 0.0
        ts = (self.first_day + day) * DAY - TZ_OFFSET_SECONDS + hour * HOUR + int(rest * HOUR)
        return min(self.end - 1, max(self.start, ts))

    def time(self, i: int) -> int:
        """Creation time of record i (epoch seconds)."""
        return self._time_of_mass((i + _frac(self.salt, i)) / self.n * self.total)

    def all_times(self):
        """time(0), time(1), ... time(n-1) in one pass (a moving day instead of a search per record)."""
        cum, weights, hours = self.cum, self.weights, _HOUR_CUM
        last_day = self.days - 1
        start, stop = self.start, self.end - 1
        base = self.first_day * DAY - TZ_OFFSET_SECONDS
        scale = self.total / self.n if self.n else 0.0
        day = 0
        for i in range(self.n):
            mass = (i + _frac(self.salt, i)) * scale + self._offset_start
            while day < last_day and cum[day + 1] <= mass:
                day += 1
            weight = weights[day]
            within = (mass - cum[day]) / weight if weight else 0.0
            hour = min(23, max(0, bisect.bisect_right(hours, within) - 1))
            width = hours[hour + 1] - hours[hour]
            rest = (within - hours[hour]) / width if width else 0.0
            ts = base + day * DAY + hour * HOUR + int(rest * HOUR)
            yield stop if ts > stop else start if ts < start else ts

    def count_at(self, t: float) -> int:
        """Records 0..k-1 are certainly created at or before t."""
        if t < self.start or self.n == 0:
            return 0
        mass = min(self.total, self._mass_at(t) - self._offset_start)
        return max(0, min(self.n, int(math.floor(self.n * mass / self.total)) - 1))

    def first_at_or_after(self, t: float) -> int:
        """Smallest i with time(i) >= t (n if none)."""
        lo = self.count_at(t)
        while lo > 0 and self.time(lo - 1) >= t:
            lo = max(0, lo - 16)
        return bisect.bisect_left(_TimeView(self), t, lo=lo, hi=self.n)


class _TimeView:
    def __init__(self, timeline):
        self._t = timeline

    def __len__(self) -> int:
        return self._t.n

    def __getitem__(self, i: int) -> int:
        return self._t.time(i)
