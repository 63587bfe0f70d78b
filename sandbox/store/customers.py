"""Customers overlay: field overrides on top of generated customers, change log, lookups."""

from __future__ import annotations

import re
import time
from array import array

from sandbox.formats import fmt_dt
from sandbox.generator import ShopData
from sandbox.store.orders import HISTORY_SECONDS
from sandbox.store.selection import ListSelection, RangeSelection

_EMAIL_INDEX = re.compile(r"(\d+)@")
MAX_CUSTOMER_CHANGE_DELAY = 200 * 86400


class CustomerOverlay:
    def __init__(self, data: ShopData, lock):
        self.data = data
        self.customers = data.customers
        self.lock = lock
        self.overrides: dict[int, dict] = {}  # j -> top-level fields + "changeTime"
        self.changed: dict[int, int] = {}
        self._consents: tuple[list, list] | None = None

    @property
    def n(self) -> int:
        return self.customers.n

    def find(self, guid: str) -> int | None:
        return self.customers.index_of(guid)

    def detail(self, j: int) -> dict:
        record = self.customers.detail(j)
        over = self.overrides.get(j)
        if over:
            record.update(over)
        return record

    def list_item(self, j: int) -> dict:
        item = self.customers.list_item(j)
        over = self.overrides.get(j)
        if over:
            item["changeTime"] = over["changeTime"]
            if "billingAddress" in over:
                item["billCompany"] = over["billingAddress"]["company"]
                item["billFullName"] = over["billingAddress"]["fullName"]
        return item

    def changed_at(self, j: int) -> int:
        return self.changed.get(j) or self.customers.times(j)[1]

    def select(self, email: str | None = None, phone: str | None = None,
               created_from: int | None = None, created_to: int | None = None,
               changed_from: int | None = None, changed_to: int | None = None):
        timeline = self.customers.timeline
        lo, hi = 0, self.n
        if created_from is not None:
            lo = timeline.first_at_or_after(created_from)
        if created_to is not None:
            hi = timeline.first_at_or_after(created_to + 1)
        if email is not None:
            # E-mails carry the customer index, so this is a lookup, not a scan.
            return ListSelection([j for j in self._email_candidates(email) if lo <= j < hi])
        if phone is None and changed_from is None and changed_to is None:
            return RangeSelection(lo, hi)
        scan_lo = lo
        if changed_from is not None:
            scan_lo = max(lo, timeline.first_at_or_after(changed_from - MAX_CUSTOMER_CHANGE_DELAY))
        found = []
        with self.lock:
            extra = [j for j in self.overrides if lo <= j < scan_lo]
        for j in sorted(extra) + list(range(scan_lo, hi)):
            changed = self.changed_at(j)
            if changed_from is not None and changed < changed_from:
                continue
            if changed_to is not None and changed > changed_to:
                continue
            if phone is not None and not any(a["phone"] == phone for a in self.detail(j)["accounts"]):
                continue
            found.append(j)
        return ListSelection(found)

    def _email_candidates(self, email: str) -> list[int]:
        wanted = email.lower()
        hits = []
        match = _EMAIL_INDEX.search(wanted)
        candidates = [int(match.group(1))] if match else []
        with self.lock:
            candidates += [j for j in self.overrides if j not in candidates]
        for j in candidates:
            if j < self.n and any(a["email"].lower() == wanted for a in self.detail(j)["accounts"]):
                hits.append(j)
        return sorted(hits)

    def changes(self, since: int, now: float) -> list[tuple[str, int, str]]:
        horizon = max(since, int(now) - HISTORY_SECONDS)
        out = []
        timeline = self.customers.timeline
        for j in range(timeline.first_at_or_after(horizon - MAX_CUSTOMER_CHANGE_DELAY), self.n):
            changed = self.changed_at(j)
            if changed >= horizon:
                out.append((self.customers.guids.guid(j), changed, "edit"))
        start = timeline.first_at_or_after(horizon - MAX_CUSTOMER_CHANGE_DELAY)
        with self.lock:
            changed_items = list(self.changed.items())
        for j, changed in changed_items:
            if j < start and changed >= horizon:
                out.append((self.customers.guids.guid(j), changed, "edit"))
        out.sort(key=lambda e: (e[1], e[0]))
        return out

    # -- newsletter consent (the system mailing list "newsletters") -----------------------------
    def consents(self) -> tuple[array, list[tuple[int, int]]]:
        """(customers still subscribed, [(customer, unsubscribed at)] by time), built once."""
        if self._consents is None:
            subscribed, unsubscribed = array("i"), []
            for j in range(self.n):
                consent = self.customers.consent(j)
                if consent is None:
                    continue
                if consent[1] is None:
                    subscribed.append(j)
                else:
                    unsubscribed.append((j, consent[1]))
            unsubscribed.sort(key=lambda e: (e[1], e[0]))
            self._consents = (subscribed, unsubscribed)
        return self._consents

    def subscribed_at(self, j: int) -> int:
        return self.customers.consent(j)[0]

    def email(self, j: int) -> str:
        return self.detail(j)["accounts"][0]["email"]

    def update(self, j: int, fields: dict, now: float | None = None) -> None:
        now = int(now or time.time())
        with self.lock:
            over = dict(self.overrides.get(j, {}))
            over.update(fields)
            over["changeTime"] = fmt_dt(now)
            self.overrides[j] = over
            self.changed[j] = now
