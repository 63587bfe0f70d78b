"""Index <-> time mapping that lets record i know its timestamp without its neighbours.

Records are spread over [start, end) with a power warp (more records towards the
end, like a growing shop).  Record i lives in its own slot, so times are monotonic
in i and "how many records exist at time t" is a closed formula, which is what
makes orders able to reference only customers created before them.
"""

from __future__ import annotations

import bisect
import math

from sandbox.formats import local_year, local_year_start, mix


class Timeline:
    def __init__(self, n: int, start: int, end: int, salt: int, power: float = 0.6):
        self.n = n
        self.start = start
        self.end = end
        self.span = max(1, end - start)
        self.salt = salt
        self.power = power
        self._year_first: dict[int, int] = {}

    def time(self, i: int) -> int:
        """Creation time of record i (epoch seconds)."""
        frac = (mix(self.salt, i) & 0xFFFFF) / 1048576.0
        x = (i + frac) / self.n
        return self.start + int(self.span * x**self.power)

    def count_at(self, t: float) -> int:
        """Records 0..k-1 are certainly created at or before t."""
        if t <= self.start or self.n == 0:
            return 0
        x = min(1.0, (t - self.start) / self.span)
        return min(self.n, int(math.floor(self.n * x ** (1.0 / self.power))))

    def first_at_or_after(self, t: float) -> int:
        """Smallest i with time(i) >= t (n if none)."""
        lo = max(0, self.count_at(t) - 2)
        if lo > 0 and self.time(lo - 1) >= t:
            lo = 0
        return bisect.bisect_left(_TimeView(self), t, lo=lo, hi=self.n)

    def year_first(self, year: int) -> int:
        """Index of the first record created in local calendar `year`."""
        cached = self._year_first.get(year)
        if cached is None:
            cached = self.first_at_or_after(local_year_start(year))
            self._year_first[year] = cached
        return cached

    def code(self, i: int, created: int | None = None) -> str:
        """Shoptet-style order code: year + 6-digit sequence within the year."""
        year = local_year(self.time(i) if created is None else created)
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


class _TimeView:
    """Sequence facade so bisect can search times without materialising them."""

    def __init__(self, timeline: Timeline):
        self._t = timeline

    def __len__(self) -> int:
        return self._t.n

    def __getitem__(self, i: int) -> int:
        return self._t.time(i)
