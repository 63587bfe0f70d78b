"""Orders overlay: status/paid changes, created and deleted orders, change log, filters.

Orders created at run time (a follower shop selling) are drawn once, against the
live stock and prices, and kept whole: later reads return exactly what was sold.
"""

from __future__ import annotations

import bisect
import copy
import time
from array import array
from collections import OrderedDict
from dataclasses import dataclass

from sandbox.formats import fmt_dt, local_year
from sandbox.generator import ShopData
from sandbox.generator.orders import MAX_CHANGE_DELAY, PAID_STATUSES
from sandbox.generator.profiles import BILLING_METHODS, CANCELLED_STATUS, status_name
from sandbox.store.selection import ListSelection, RangeSelection

HISTORY_SECONDS = 30 * 86400


@dataclass(frozen=True)
class OrderFilter:
    """Query filters of GET /api/orders and /api/orders/snapshot."""

    status_id: int | None = None
    shipping_guid: str | None = None
    shipping_company: str | None = None
    payment_guid: str | None = None
    created_from: int | None = None
    created_to: int | None = None
    code_from: int | None = None
    code_to: int | None = None
    customer_guid: str | None = None
    email: str | None = None
    phone: str | None = None
    product_code: str | None = None
    changed_from: int | None = None
    changed_to: int | None = None
    source_id: int | None = None
    codes: tuple[str, ...] | None = None

    def needs_scan(self) -> bool:
        scanned = ("status_id", "shipping_guid", "shipping_company", "payment_guid", "customer_guid", "email",
                   "phone", "product_code", "changed_from", "changed_to", "source_id")
        return any(getattr(self, name) is not None for name in scanned)


class OrderOverlay:
    def __init__(self, data: ShopData, lock):
        self.data = data
        self.lock = lock
        self.n = data.sizes.orders
        self.overrides: dict[int, dict] = {}
        self.created: dict[int, tuple[str, int, object, list]] = {}  # i -> (code, time, head, specs)
        self.created_codes: dict[str, int] = {}
        self.deleted: dict[int, tuple[str, int]] = {}
        self.next_index = self.n
        self.version = 0
        self._cache: OrderedDict = OrderedDict()

    # -- identity ---------------------------------------------------------------------------
    def code(self, i: int) -> str:
        hit = self.created.get(i)
        return hit[0] if hit else self.data.order_code(i)

    def find(self, code: str) -> int | None:
        i = self.created_codes.get(code)
        if i is None:
            i = self.data.order_index(code)
        if i is None or i in self.deleted:
            return None
        return i

    def _created_ts(self, i: int) -> int | None:
        hit = self.created.get(i)
        return hit[1] if hit else None

    # -- views ------------------------------------------------------------------------------
    def record(self, i: int, include: frozenset = frozenset(), detail: bool = True) -> dict:
        hit = self.created.get(i)
        if hit is not None:
            code, _ts, head, specs = hit
            record = self.data.order_record(i, include, detail=detail, code=code, head=copy.copy(head), specs=specs)
        else:
            record = self.data.order_record(i, include, detail=detail, code=self.code(i))
        over = self.overrides.get(i)
        if over:
            lang = self.data.profile.language
            if "status" in over:
                record["status"] = {"id": over["status"], "name": status_name(over["status"], lang)}
            if "paid" in over:
                record["paid"] = over["paid"]
            if "billing" in over and detail:
                record["billingMethod"] = {"id": over["billing"], "name": BILLING_METHODS[over["billing"]]}
            record["changeTime"] = fmt_dt(over["changed"])
        return record

    def head(self, i: int):
        hit = self.created.get(i)
        head = copy.copy(hit[2]) if hit is not None else self.data.order_head(i)
        over = self.overrides.get(i)
        if over:
            head.status = over.get("status", head.status)
            head.paid = over.get("paid", head.paid)
            head.changed = over["changed"]
        return head

    # -- selection --------------------------------------------------------------------------
    def select(self, f: OrderFilter):
        with self.lock:
            key = (f, self.version)
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        result = self._select(f)
        with self.lock:
            self._cache[key] = result
            while len(self._cache) > 8:
                self._cache.popitem(last=False)
        return result

    def _select(self, f: OrderFilter):
        if f.codes is not None:
            found = sorted({i for i in (self.find(c) for c in f.codes) if i is not None})
            return ListSelection(found)
        with self.lock:  # request threads and snapshot jobs read while mutations write
            deleted = set(self.deleted)
            overridden = set(self.overrides)
            created = sorted(self.created)
        timeline = self.data.stream
        lo, hi = 0, self.n
        if f.created_from is not None:
            lo = max(lo, timeline.first_at_or_after(f.created_from))
        if f.created_to is not None:
            hi = min(hi, timeline.first_at_or_after(f.created_to + 1))
        if f.code_from is not None:
            lo = max(lo, bisect.bisect_left(_CodeView(self.data), f.code_from, hi=self.n))
        if f.code_to is not None:
            hi = min(hi, bisect.bisect_right(_CodeView(self.data), f.code_to, hi=self.n))
        tail = [i for i in created if i not in deleted and self._in_bounds(i, f)]
        if not f.needs_scan():
            return RangeSelection(lo, hi, [i for i in deleted if i < self.n], tail)
        scan_lo = lo
        if f.changed_from is not None:
            scan_lo = max(lo, timeline.first_at_or_after(f.changed_from - MAX_CHANGE_DELAY))
        found = array("q")
        for i in range(scan_lo, hi):
            if i not in deleted and i not in overridden and self._matches(i, f):
                found.append(i)
        extra = [i for i in overridden if i < self.n and lo <= i < hi and i not in deleted and self._matches(i, f)]
        merged = sorted(set(found).union(extra)) if extra else list(found)
        merged.extend(i for i in tail if self._matches(i, f))
        return ListSelection(merged)

    def _in_bounds(self, i: int, f: OrderFilter) -> bool:
        created = self._created_ts(i)
        if f.created_from is not None and created < f.created_from:
            return False
        if f.created_to is not None and created > f.created_to:
            return False
        code = int(self.code(i))
        if f.code_from is not None and code < f.code_from:
            return False
        return not (f.code_to is not None and code > f.code_to)

    def _matches(self, i: int, f: OrderFilter) -> bool:
        orders = self.data.orders
        head = self.head(i)
        if f.status_id is not None and head.status != f.status_id:
            return False
        if f.changed_from is not None and head.changed < f.changed_from:
            return False
        if f.changed_to is not None and head.changed > f.changed_to:
            return False
        if f.source_id is not None and head.source != f.source_id:
            return False
        if f.shipping_guid is not None and orders.shippings[head.shipping][0] != f.shipping_guid:
            return False
        if f.shipping_company is not None and orders.shippings[head.shipping][3] != f.shipping_company:
            return False
        if f.payment_guid is not None and orders.payments[head.payment][0] != f.payment_guid:
            return False
        if f.customer_guid is not None:
            if head.customer is None or orders.customers.guids.guid(head.customer) != f.customer_guid:
                return False
        if f.email is not None and head.person.email.lower() != f.email.lower():
            return False
        if f.phone is not None and head.person.phone != f.phone:
            return False
        if f.product_code is not None:
            codes = {variant.code for variant, _qty, _ratio in head.picks}
            if head.gift is not None:
                codes.add(head.gift.code)
            if f.product_code not in codes:
                return False
        return True

    # -- change log -------------------------------------------------------------------------
    def changes(self, since: int, now: float) -> list[tuple[str, int, str]]:
        """(code, changeTime, changeType) of everything changed at/after `since`,
        limited to the 30-day guaranteed history, oldest first."""
        horizon = max(since, int(now) - HISTORY_SECONDS)
        out = []
        timeline = self.data.stream
        with self.lock:
            skip = set(self.overrides) | set(self.deleted)
        for i in range(timeline.first_at_or_after(horizon - MAX_CHANGE_DELAY), self.n):
            if i in skip:
                continue
            changed = self.data.order_head(i).changed
            if changed >= horizon:
                out.append((self.data.order_code(i), changed, "edit"))
        with self.lock:
            for i, over in self.overrides.items():
                if i not in self.deleted and over["changed"] >= horizon:
                    out.append((self.code(i), over["changed"], "edit"))
            for i, (code, created, _head, _specs) in self.created.items():
                if i not in self.deleted and i not in self.overrides and created >= horizon:
                    out.append((code, created, "edit"))  # creation is reported as `edit`
            for code, ts in self.deleted.values():
                if ts >= horizon:
                    out.append((code, ts, "delete"))
        out.sort(key=lambda e: (e[1], e[0]))
        return out

    # -- mutations --------------------------------------------------------------------------
    def update(self, i: int, status: int | None = None, paid: bool | None = None,
               billing: int | None = None, now: float | None = None) -> list[str]:
        """Apply a status/paid/billing change; returns the webhook events it causes."""
        now = int(now or time.time())
        with self.lock:
            head = self.head(i)
            over = dict(self.overrides.get(i, {}))
            events = []
            changed = False
            if status is not None and status != head.status:
                over["status"] = status
                changed = True
                if status == CANCELLED_STATUS:
                    events.append("order:cancel")
                if paid is None and status in PAID_STATUSES and not head.paid:
                    paid = True
            if paid is not None and paid != head.paid:
                over["paid"] = paid
                changed = True
                if paid:
                    events.append("order:paid")
            if billing is not None:
                current = over.get("billing", self.data.orders.payments[head.payment][2])
                if billing != current:
                    over["billing"] = billing
                    changed = True
            if not changed:
                return []
            over["changed"] = max(now, head.changed)
            self.overrides[i] = over
            self.version += 1
            return ["order:update", *events]

    def create(self, available, price_of, now: float | None = None, limit=None):
        """A new order at `now` whose lines only take what `available` allows (and no more units than
        limit(variant) gives); returns (code, Head)."""
        now = int(now or time.time())
        with self.lock:
            i = self.next_index
            self.next_index += 1
            year = local_year(now)
            seq = sum(1 for code, *_ in self.created.values() if code.startswith(str(year)))
            stream = self.data.stream
            seq += max(0, stream.year_first(year + 1) - stream.year_first(year)) + 1
            code = f"{year}{seq:06d}"
            head = self.data.orders.head(i, created=now, available=available)
            head.changed = now
            if limit is not None:
                head.picks, head.gift = _within(head.picks, head.gift, limit)
            specs = self.data.orders.lines(head, price_of)
            self.created[i] = (code, now, head, specs)
            self.created_codes[code] = i
            self.version += 1
            return code, head

    def delete(self, i: int, now: float | None = None) -> str:
        with self.lock:
            code = self.code(i)
            self.deleted[i] = (code, int(now or time.time()))
            self.version += 1
            return code

    def live_indexes(self, limit_recent: int) -> list[int]:
        """Candidates for random mutation: the most recent base orders plus created ones."""
        lo = max(0, self.n - limit_recent)
        with self.lock:
            return [i for i in range(lo, self.n) if i not in self.deleted] + \
                   [i for i in sorted(self.created) if i not in self.deleted]


def _within(picks: list, gift, limit) -> tuple[list, object]:
    """Trim drawn lines to what the stock holds: fewer units, or no line at all."""
    left: dict[str, int] = {}
    kept = []
    for variant, qty, ratio in picks:
        room = left.setdefault(variant.code, limit(variant))
        qty = min(qty, room // 1000 * 1000)
        if qty > 0:
            kept.append((variant, qty, ratio))
            left[variant.code] = room - qty
    if gift is not None and left.setdefault(gift.code, limit(gift)) < 1000:
        gift = None
    return kept, gift


class _CodeView:
    """Order codes of base orders as integers (monotonic in the index), for bisect."""

    def __init__(self, data: ShopData):
        self.data = data

    def __len__(self) -> int:
        return self.data.sizes.orders

    def __getitem__(self, i: int) -> int:
        return int(self.data.order_code(i))

