"""Index <-> time mapping that lets record i know its timestamp without its neighbours.

Records are spread over [start, end) with a power warp (more records towards the
end, like a growing shop).  Record i lives in its own slot, so times are monotonic
in i and "how many records exist at time t" is a closed formula.  Products use it
(launch dates); customers and guests use the seasonal `calendar.IntensityTimeline`.
"""

from __future__ import annotations

import bisect
import math

from sandbox.formats import mix


class Timeline:
    def __init__(self, n: int, start: int, end: int, salt: int, power: float = 0.6):
        self.n = n
        self.start = start
        self.end = end
        self.span = max(1, end - start)
        self.salt = salt
        self.power = power

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


class _TimeView:
    """Sequence facade so bisect can search times without materialising them."""

    def __init__(self, timeline: Timeline):
        self._t = timeline

    def __len__(self) -> int:
        return self._t.n

    def __getitem__(self, i: int) -> int:
        return self._t.time(i)
