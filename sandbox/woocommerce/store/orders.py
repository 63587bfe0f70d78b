"""Orders: the generated base, an overlay of changed and created orders, and list queries.

A list query is answered in one of two ways:

* fast (statuses, one date range in the sort's own dimension, `exclude`): counts
  from the index's per-status blocks, the page found by a binary search over
  positions, merged with the few overlay orders that match: any page of 200 k
  orders costs about what page 1 costs;
* scan (customer, product, search, include, or a date range on the other
  dimension): the matching ids are collected once and cached per query and
  store version, so paging through the same query stays cheap.
"""

from __future__ import annotations

import heapq
import threading
from bisect import bisect_left, insort
from collections import OrderedDict
from dataclasses import dataclass

from sandbox.woocommerce.generator.orders import CODE, STATUSES, WooOrders
from sandbox.woocommerce.store.index import LazyIndex, OrderIndex

INF = (1 << 62, 1 << 62)


@dataclass(frozen=True)
class OrderQuery:
    statuses: frozenset[int]
    after: int | None = None  # creation, exclusive
    before: int | None = None
    modified_after: int | None = None
    modified_before: int | None = None
    include: tuple[int, ...] | None = None
    exclude: frozenset[int] = frozenset()
    customer: int | None = None
    product: int | None = None
    search: str | None = None
    orderby: str = "date"
    desc: bool = True

    @property
    def dim(self) -> str:
        return "modified" if self.orderby == "modified" else "created"

    def bounds(self, dim: str) -> tuple[int | None, int | None]:
        return (self.modified_after, self.modified_before) if dim == "modified" else (self.after, self.before)

    def fast(self) -> bool:
        other = "created" if self.dim == "modified" else "modified"
        return (self.include is None and self.customer is None and self.product is None and self.search is None
                and self.bounds(other) == (None, None))


def _in(value: int, bounds: tuple[int | None, int | None]) -> bool:
    lo, hi = bounds
    return (lo is None or value > lo) and (hi is None or value < hi)


class OrderTable:
    def __init__(self, generator: WooOrders, lock: threading.RLock):
        self.gen = generator
        self.lock = lock
        self.lazy = LazyIndex(generator, len(STATUSES))
        self.overlay: dict[int, dict] = {}  # id -> raw order (changed base orders and created ones)
        self.deleted: set[int] = set()  # permanently deleted ids
        self.masked: dict[str, list[int]] = {"created": [], "modified": []}
        self.version = 0
        self._cache: OrderedDict = OrderedDict()

    @property
    def index(self) -> OrderIndex:
        return self.lazy.get()

    # -- single orders --------------------------------------------------------------------------
    def get(self, oid: int) -> dict | None:
        with self.lock:
            if oid in self.deleted:
                return None
            hit = self.overlay.get(oid)
            if hit is not None:
                return hit
        i = self.gen.ids.index(oid)
        return self.gen.record(i) if i is not None else None

    def put(self, raw: dict) -> None:
        """Store a changed or new order (the caller holds the lock and has bumped its dates)."""
        oid = raw["id"]
        if oid not in self.overlay:
            self._mask(oid)
        self.overlay[oid] = raw
        self.version += 1

    def remove(self, oid: int) -> None:
        """Delete for good (`force=true`)."""
        if oid not in self.overlay:
            self._mask(oid)
        self.overlay.pop(oid, None)
        self.deleted.add(oid)
        self.version += 1

    def _mask(self, oid: int) -> None:
        i = self.gen.ids.index(oid)
        if i is not None:
            index = self.index
            for name, dim in index.dims.items():
                insort(self.masked[name], dim.pos_of(i))

    def live_ids(self, recent: int) -> list[int]:
        """Candidates for churn: the newest base orders and the created ones, not deleted."""
        with self.lock:
            out = [self.gen.ids.id(i) for i in range(max(0, self.gen.n - recent), self.gen.n)]
            out += [oid for oid in self.overlay if self.gen.ids.index(oid) is None]
            return [oid for oid in out if oid not in self.deleted]

    # -- lists ----------------------------------------------------------------------------------
    def query(self, q: OrderQuery, offset: int, limit: int) -> tuple[int, list[dict]]:
        """(total, raw orders of the page)."""
        with self.lock:
            overlay = list(self.overlay.values())
            deleted = set(self.deleted)
            masked = {k: list(v) for k, v in self.masked.items()}
            version = self.version
        if q.fast():
            total, ids = _FastQuery(self.index, self.gen, q, overlay, masked).page(offset, limit)
        else:
            ids = self._selection(q, overlay, deleted, version)
            total = len(ids)
            ids = ids[offset:offset + limit]
        records = {raw["id"]: raw for raw in overlay}
        return total, [records.get(oid) or self.gen.record(self.gen.ids.index(oid)) for oid in ids]

    def _selection(self, q: OrderQuery, overlay: list[dict], deleted: set[int], version: int) -> list[int]:
        key = (q, version)
        with self.lock:
            hit = self._cache.get(key)
        if hit is not None:
            return hit
        result = self._scan(q, overlay, deleted)
        with self.lock:
            self._cache[key] = result
            while len(self._cache) > 8:
                self._cache.popitem(last=False)
        return result

    def _scan(self, q: OrderQuery, overlay: list[dict], deleted: set[int]) -> list[int]:
        index = self.index
        changed = {raw["id"] for raw in overlay} | deleted
        found: list[tuple[tuple[int, int], int]] = []
        if q.include is not None:
            candidates = [self.gen.ids.index(oid) for oid in q.include]
            base = [i for i in candidates if i is not None]
        else:
            base = range(index.n)
        ids = self.gen.ids
        for i in base:
            oid = ids.id(i)
            if oid in changed or oid in q.exclude or index.status[i] not in q.statuses:
                continue
            if not (_in(index.created[i], (q.after, q.before))
                    and _in(index.modified[i], (q.modified_after, q.modified_before))):
                continue
            if q.customer is not None and _customer_id(index.customer[i]) != q.customer:
                continue
            if (q.product is not None or q.search is not None) and not _deep_match(self.gen.record(i), q):
                continue
            found.append((_sort_key(q, index.created[i], index.modified[i], oid), oid))
        for raw in overlay:
            if raw["id"] in deleted or (q.include is not None and raw["id"] not in q.include):
                continue
            if overlay_matches(raw, q) and (q.customer is None or raw["customer_id"] == q.customer) and \
                    (q.product is None and q.search is None or _deep_match(raw, q)):
                ts = raw["_ts"]
                found.append((_sort_key(q, ts["created"], ts["modified"], raw["id"]), raw["id"]))
        if q.orderby == "include" and q.include is not None:
            rank = {oid: k for k, oid in enumerate(q.include)}
            found.sort(key=lambda item: rank[item[1]], reverse=q.desc)
        else:
            found.sort(reverse=q.desc)
        return [oid for _, oid in found]


def _customer_id(j: int) -> int:
    return 0 if j < 0 else j + 2


def _sort_key(q: OrderQuery, created: int, modified: int, oid: int) -> tuple[int, int]:
    return (modified if q.dim == "modified" else created, oid)


def overlay_matches(raw: dict, q: OrderQuery) -> bool:
    ts = raw["_ts"]
    return (CODE[raw["status"]] in q.statuses and raw["id"] not in q.exclude
            and _in(ts["created"], (q.after, q.before)) and _in(ts["modified"], (q.modified_after, q.modified_before)))


def _deep_match(raw: dict, q: OrderQuery) -> bool:
    if q.product is not None and not any(q.product in (line["product_id"], line["variation_id"])
                                         for line in raw["line_items"]):
        return False
    if q.search is not None:
        bill = raw["billing"]
        text = " ".join((str(raw["id"]), raw["number"], bill["first_name"], bill["last_name"], bill["email"],
                         bill["company"], bill["address_1"], bill["city"])).lower()
        return q.search.lower() in text
    return True


class _FastQuery:
    """One fast-path query over a dimension of the index, merged with the matching overlay orders."""

    def __init__(self, index: OrderIndex, gen: WooOrders, q: OrderQuery, overlay: list[dict],
                 masked: dict[str, list[int]]):
        self.dim = index.dims[q.dim]
        self.ids = gen.ids
        self.statuses = q.statuses
        lo, hi = q.bounds(q.dim)
        self.a = 0 if lo is None else self.dim.after(lo)
        self.b = len(self.dim) if hi is None else self.dim.before(hi)
        status = self.dim.status
        removed = {p for p in masked[q.dim] if self.a <= p < self.b}
        for oid in q.exclude:
            i = gen.ids.index(oid)
            if i is not None:
                p = self.dim.pos_of(i)
                if self.a <= p < self.b:
                    removed.add(p)
        # positions the base counts include but the result must not
        self.removed = sorted(p for p in removed if status[p] in self.statuses)
        self.removed_set = set(self.removed)
        self.extra = sorted((_sort_key(q, raw["_ts"]["created"], raw["_ts"]["modified"], raw["id"]), raw["id"])
                            for raw in overlay if overlay_matches(raw, q))
        self.extra_keys = [key for key, _ in self.extra]
        self.desc = q.desc

    def key(self, p: int) -> tuple[int, int]:
        return INF if p >= self.b else (self.dim.keys[p], self.ids.id(self.dim.index_at(p)))

    def base_count(self, x: int, y: int) -> int:
        return self.dim.count(x, y, self.statuses) - (bisect_left(self.removed, y) - bisect_left(self.removed, x))

    def before(self, p: int) -> int:
        """Matching items (base and overlay) sorted before position p."""
        return self.base_count(self.a, p) + bisect_left(self.extra_keys, self.key(p))

    def page(self, offset: int, limit: int) -> tuple[int, list[int]]:
        total = self.base_count(self.a, self.b) + len(self.extra)
        if self.desc:
            start = max(0, total - offset - limit)
            count = max(0, min(limit, total - offset))
            return total, list(reversed(self._asc(start, count)))
        return total, self._asc(offset, max(0, min(limit, total - offset)))

    def _asc(self, offset: int, count: int) -> list[int]:
        if count <= 0:
            return []
        lo, hi = self.a, self.b
        while lo < hi:  # last position p with before(p) <= offset
            mid = (lo + hi + 1) // 2
            if self.before(mid) <= offset:
                lo = mid
            else:
                hi = mid - 1
        p = lo
        li = bisect_left(self.extra_keys, self.key(p))
        seen = self.base_count(self.a, p) + li
        if seen > offset:  # the offset falls among overlay orders sorted before the base range
            li, seen = offset, offset
        out: list[int] = []
        for _key, oid in heapq.merge(self._base_from(p), self.extra[li:]):
            if seen >= offset:
                out.append(oid)
                if len(out) == count:
                    break
            seen += 1
        return out

    def _base_from(self, p: int):
        """(key, id) of the matching base orders from position p on."""
        status, statuses, removed, dim, ids = self.dim.status, self.statuses, self.removed_set, self.dim, self.ids
        for pos in range(p, self.b):
            if status[pos] in statuses and pos not in removed:
                oid = ids.id(dim.index_at(pos))
                yield (dim.keys[pos], oid), oid
