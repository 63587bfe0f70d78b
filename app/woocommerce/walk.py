"""An incremental walk by modification date that neither misses nor repeats records changing meanwhile.

Page numbers over `orderby=modified&order=asc` break when records change during
the walk: a changed record jumps to the end and everything after its old place
shifts up a slot, so one record slips past a page boundary unseen (API notes
§11.2).  This walk instead keeps a cursor on the last record it handed out, its
(`date_modified_gmt`, id) key: the store sorts by exactly that key
(`orderby=modified`, id as the tie-break), so every record not yet seen sorts
after the cursor.

* A query asks from the cursor's second, `modified_after=<cursor second - 1>`
  (the filter is exclusive, with one-second resolution); records up to the
  cursor are skipped.  A record changed meanwhile only moves further ahead, so
  nothing can slip past, and the query is a cheap index range on the store.
* The walk pages on within a query with `offset`, overlapping one record: the
  previous page's last record must come back first (or something before it).
  If a later record comes back first, records before it were trashed or changed
  meanwhile, the positions shifted, and the walk re-queries from that record's
  second.  Paging on costs one re-read record per page; restarting costs the
  records of the page's last second (bulk updates and migrations stamp dozens
  to thousands of orders with one second), so the walk restarts when that is
  one record, or when the offset grows deep (slow on the store's database).
* `modified_after` starts `overlap_seconds` before the previous walk's end, for
  changes committed late with an older date; the cursor remembers which
  (id, date_modified_gmt) versions it already handed out in that window, so a
  record is yielded again only when it changed again.

Dates are asked and compared in UTC (`dates_are_gmt=true`).  The cursor is plain
JSON for the sync ledger.  Records deleted for good vanish without a trace (no
webhook, no list entry): a periodic full id reconcile finds those.
"""

from __future__ import annotations

import calendar
import time
from collections import OrderedDict
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import WalkStalled
from .paging import MAX_PER_PAGE
from .transport import Transport

DEFAULT_OVERLAP = 60
MAX_OFFSET = 2000  # page on with offsets up to here, then restart (deep offsets are slow on the store)
STALL_LIMIT = 50  # re-queries after shifts, in a row without progress, before giving up


def to_epoch(value: str) -> int:
    """'2024-05-01T12:00:00' (UTC, no offset, as WooCommerce writes it) -> epoch seconds (sliced: strptime
    would cost more than the rest of the walk's work per record)."""
    return calendar.timegm((int(value[0:4]), int(value[5:7]), int(value[8:10]), int(value[11:13]),
                            int(value[14:16]), int(value[17:19])))


def from_epoch(ts: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts))


@dataclass
class WalkCursor:
    """Where a walk ended: the newest `date_modified_gmt` handed out and the versions handed out within
    the overlap window before it (id -> date_modified_gmt)."""

    modified_gmt: str | None = None
    recent: dict[int, str] = field(default_factory=dict)

    def to_json(self) -> dict:
        return {"modified_gmt": self.modified_gmt, "recent": {str(k): v for k, v in self.recent.items()}}

    @classmethod
    def from_json(cls, data: Mapping[str, Any] | None) -> WalkCursor:
        if not data:
            return cls()
        return cls(data.get("modified_gmt"), {int(k): str(v) for k, v in (data.get("recent") or {}).items()})


@dataclass
class WalkStats:
    requests: int = 0
    yielded: int = 0
    reread: int = 0  # records fetched again (restart overlaps, already handed out)
    restarts: int = 0  # re-queries after records before the position vanished


class ModifiedWalk:
    """Iterate the records of `path` changed since `cursor`; `cursor` is updated as records are yielded."""

    def __init__(self, transport: Transport, path: str = "/orders", *, cursor: WalkCursor | None = None,
                 overlap_seconds: int = DEFAULT_OVERLAP, per_page: int = MAX_PER_PAGE,
                 params: Mapping[str, Any] | None = None, resume_after: tuple[str, int] | None = None):
        """`resume_after` (`date_modified_gmt`, id) resumes a walk just after that record (a full import's
        checkpoint, `position`): records up to it are skipped, its second is asked again."""
        self.transport = transport
        self.path = path
        if per_page < 2:
            raise ValueError("per_page must be at least 2 (pages overlap by one record)")
        self.start = cursor or WalkCursor()
        self.overlap = overlap_seconds
        self.per_page = per_page
        self.params = dict(params or {})
        self.stats = WalkStats()
        self._last: tuple[int, int] | None = None  # (modified, id) of the last record handed out or skipped
        self._recent: OrderedDict[int, int] = OrderedDict()  # id -> modified, newest last
        self.total: int | None = None  # X-WP-Total of the first query: the records left to walk then
        if resume_after is not None:
            self._last = (to_epoch(resume_after[0]), int(resume_after[1]))
            if self.start.modified_gmt is None:
                self.start = WalkCursor(resume_after[0])

    @property
    def position(self) -> tuple[str, int] | None:
        """(`date_modified_gmt`, id) of the last record handed out or skipped (`resume_after` of a new walk)."""
        return (from_epoch(self._last[0]), self._last[1]) if self._last is not None else None

    @property
    def cursor(self) -> WalkCursor:
        """The cursor to resume from (once the walk has ended, or between records).  It never moves back,
        even when the newest records the last walk saw have since been deleted, and it keeps the versions
        handed out by either walk within the overlap window."""
        tops = [to_epoch(self.start.modified_gmt)] if self.start.modified_gmt else []
        if self._last is not None:
            tops.append(self._last[0])
        if not tops:
            return WalkCursor()
        top = max(tops)
        versions = {i: to_epoch(m) for i, m in self.start.recent.items()}
        versions.update(self._recent)
        return WalkCursor(from_epoch(top), {i: from_epoch(m) for i, m in versions.items() if m > top - self.overlap})

    def __iter__(self) -> Iterator[dict]:
        seen_before = {i: to_epoch(m) for i, m in self.start.recent.items()}
        after = to_epoch(self.start.modified_gmt) - self.overlap if self.start.modified_gmt else None
        offset, anchor, stalled = 0, None, 0
        while True:
            items = self._fetch(after, offset)
            if anchor is not None and (not items or self._key(items[0]) > anchor):
                # Records before our position vanished (trashed or changed): positions shifted, so
                # re-query from the anchor's second rather than trust the offset.
                self.stats.restarts += 1
                stalled += 1
                if stalled > STALL_LIMIT:
                    raise WalkStalled(f"{self.path}: {STALL_LIMIT} re-queries without progress", url=self.path)
                after, offset, anchor = anchor[0] - 1, 0, None
                continue
            progressed = False
            keys = [self._key(item) for item in items]
            for item, key in zip(items, keys, strict=True):
                if self._last is not None and key <= self._last:
                    self.stats.reread += 1
                    continue
                self._last = key
                progressed = True
                if seen_before.get(key[1]) == key[0]:
                    self.stats.reread += 1  # handed out by the previous walk (overlap window)
                    self._remember(key)
                    continue
                self._remember(key)
                self.stats.yielded += 1
                yield item
            if len(items) < self.per_page:
                return
            if progressed:
                stalled = 0
            last_key = keys[-1]
            # A restart re-reads the page's last second; paging on re-reads one record but deepens the offset.
            same_second = sum(1 for key in keys if key[0] == last_key[0])
            if progressed and (same_second <= 1 or (offset >= MAX_OFFSET and same_second <= self.per_page // 2)):
                after, offset, anchor = last_key[0] - 1, 0, None  # restart from the cursor's second
            else:
                anchor, offset = last_key, offset + len(items) - 1  # page on, overlapping one record

    def _fetch(self, after: int | None, offset: int) -> list[dict]:
        params = {**self.params, "orderby": "modified", "order": "asc", "dates_are_gmt": True,
                  "per_page": self.per_page}
        if after is not None:
            params["modified_after"] = from_epoch(after)
        if offset:
            params["offset"] = offset
        self.stats.requests += 1
        response = self.transport.request("GET", self.path, params=params)
        if self.total is None:
            self.total = response.total
        return response.data if isinstance(response.data, list) else []

    @staticmethod
    def _key(item: dict) -> tuple[int, int]:
        return to_epoch(item["date_modified_gmt"]), int(item["id"])

    def _remember(self, key: tuple[int, int]) -> None:
        modified, rid = key
        self._recent.pop(rid, None)
        self._recent[rid] = modified
        floor = modified - self.overlap
        while self._recent:
            oldest = next(iter(self._recent.values()))
            if oldest > floor:
                break
            self._recent.popitem(last=False)
