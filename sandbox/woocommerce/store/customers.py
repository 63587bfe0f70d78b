"""Customers: generated WordPress users plus an overlay of created, changed and deleted ones.

`/customers` has no date filters; lists sort by `name` (display name, the
default), `id`, `registered_date` or `include`.  Sorting 100 k generated names
happens once, lazily.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass

from sandbox.woocommerce.generator import ids
from sandbox.woocommerce.generator.customers import WooCustomers
from sandbox.woocommerce.store.selections import Selections

_TAGGED_EMAIL = re.compile(r"^[^@]*?(\d+)@")


@dataclass(frozen=True)
class CustomerQuery:
    orderby: str = "name"
    desc: bool = False
    email: str | None = None
    search: str | None = None
    role: str = "customer"
    include: tuple[int, ...] | None = None
    exclude: frozenset[int] = frozenset()


def display_name(raw: dict) -> str:
    return f"{raw['first_name']} {raw['last_name']}".strip() or raw["username"]


class CustomerTable:
    def __init__(self, generator: WooCustomers, lock: threading.RLock):
        self.gen = generator
        self.lock = lock
        self.overlay: dict[int, dict] = {}
        self.deleted: set[int] = set()
        self.version = 0
        self._selections = Selections()
        self._by_name: list[tuple[tuple[str, int], int]] | None = None

    def get(self, cid: int) -> dict | None:
        with self.lock:
            if cid in self.deleted:
                return None
            hit = self.overlay.get(cid)
        if hit is not None:
            return hit
        j = ids.customer_index(cid, self.gen.n)
        return self.gen.raw(j) if j is not None else None

    def put(self, raw: dict) -> None:
        self.overlay[raw["id"]] = raw
        self.version += 1

    def remove(self, cid: int) -> None:
        self.overlay.pop(cid, None)
        self.deleted.add(cid)
        self.version += 1

    def find_email(self, email: str) -> int | None:
        """The id of the customer with this e-mail (generated e-mails carry the customer's index)."""
        email = email.strip().lower()
        with self.lock:
            for raw in self.overlay.values():
                if raw["email"].lower() == email:
                    return raw["id"]
            overlay = set(self.overlay) | self.deleted
        m = _TAGGED_EMAIL.match(email)
        if m and int(m.group(1)) < self.gen.n:
            j = int(m.group(1))
            cid = ids.customer_id(j)
            if cid not in overlay and self.gen.person(j).email.lower() == email:
                return cid
        return None

    def query(self, q: CustomerQuery, offset: int, limit: int) -> tuple[int, list[dict]]:
        with self.lock:
            version = self.version
            overlay = dict(self.overlay)
            deleted = set(self.deleted)
        selected = self._selections.get((q, version), lambda: self._select(q, overlay, deleted))
        page = selected[offset:offset + limit]
        return len(selected), [overlay.get(cid) or self.get(cid) for cid in page]

    def _select(self, q: CustomerQuery, overlay: dict[int, dict], deleted: set[int]) -> list[int]:
        if q.role not in ("customer", "all"):
            return []
        skip = set(overlay) | deleted | q.exclude
        if q.email is not None:
            found = self.find_email(q.email)
            return [found] if found is not None and found not in q.exclude else []
        if q.include is not None:
            order = [(("", cid), j) for cid, j in ((cid, ids.customer_index(cid, self.gen.n)) for cid in q.include)
                     if j is not None]
        elif q.orderby == "name":
            order = self._names()
        else:
            order = ((("", ids.customer_id(j)), j) for j in range(self.gen.n))
        entries = []
        for key, j in order:
            cid = ids.customer_id(j)
            if cid in skip or (q.search is not None and not _search(self.gen.raw(j), q.search)):
                continue
            entries.append((key, cid))
        for raw in overlay.values():
            if raw["id"] in q.exclude or (q.include is not None and raw["id"] not in q.include):
                continue
            if q.search is None or _search(raw, q.search):
                entries.append((_overlay_key(q, raw), raw["id"]))
        if q.orderby == "include" and q.include is not None:
            rank = {cid: k for k, cid in enumerate(q.include)}
            entries.sort(key=lambda e: rank[e[1]], reverse=q.desc)
        else:
            entries.sort(reverse=q.desc)
        return [cid for _, cid in entries]

    def _names(self) -> list[tuple[tuple[str, int], int]]:
        """((display name, id), index) of every generated customer, sorted: computed once."""
        if self._by_name is None:
            keys = []
            for j in range(self.gen.n):
                person = self.gen.person(j)
                keys.append(((f"{person.first} {person.last}".lower(), ids.customer_id(j)), j))
            keys.sort()
            self._by_name = keys
        return self._by_name


def _overlay_key(q: CustomerQuery, raw: dict):
    return (display_name(raw).lower(), raw["id"]) if q.orderby == "name" else ("", raw["id"])


def _search(raw: dict, term: str) -> bool:
    text = " ".join((raw["email"], raw["first_name"], raw["last_name"], raw["username"])).lower()
    return term.lower() in text
