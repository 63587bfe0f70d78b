"""Lazy, sliceable lists of record indexes.

Listing 466 k orders must not build a 466 k-element list on every page request, so
an unfiltered selection is "range [lo, hi) minus deleted indexes, plus a tail".
"""

from __future__ import annotations

import bisect
from collections.abc import Sequence


class RangeSelection:
    def __init__(self, lo: int, hi: int, holes: Sequence[int] = (), tail: Sequence[int] = ()):
        self.lo = lo
        self.hi = max(lo, hi)
        self.holes = sorted(h for h in holes if lo <= h < self.hi)
        self.tail = list(tail)

    def __len__(self) -> int:
        return (self.hi - self.lo) - len(self.holes) + len(self.tail)

    def _base_at(self, pos: int) -> int:
        """pos-th index of [lo, hi) that is not a hole."""
        idx = self.lo + pos
        while True:
            skipped = bisect.bisect_right(self.holes, idx)
            target = self.lo + pos + skipped
            if target == idx:
                return idx
            idx = target

    def slice(self, offset: int, limit: int) -> list[int]:
        base_len = (self.hi - self.lo) - len(self.holes)
        out: list[int] = []
        if offset < base_len:
            holes = set(self.holes)
            idx = self._base_at(offset)
            while len(out) < limit and idx < self.hi:
                if idx not in holes:
                    out.append(idx)
                idx += 1
        if len(out) < limit:
            start = max(0, offset - base_len)
            out.extend(self.tail[start:start + limit - len(out)])
        return out

    def __iter__(self):
        holes = set(self.holes)
        for idx in range(self.lo, self.hi):
            if idx not in holes:
                yield idx
        yield from self.tail


class ListSelection:
    def __init__(self, indexes: Sequence[int]):
        self.indexes = indexes

    def __len__(self) -> int:
        return len(self.indexes)

    def slice(self, offset: int, limit: int) -> list[int]:
        return list(self.indexes[offset:offset + limit])

    def __iter__(self):
        return iter(self.indexes)
