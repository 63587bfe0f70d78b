"""Products and variations (all in memory: a few thousand), with store-wide SKU uniqueness.

`/products?sku=` matches exactly, takes a comma list and also finds variations
(WooCommerce queries both post types).  `status=any` (the default) leaves
trashed products out.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sandbox.woocommerce.money import parse_money
from sandbox.woocommerce.store.selections import Selections


@dataclass(frozen=True)
class ProductQuery:
    statuses: frozenset[str] | None = None  # None: any status but trash
    type: str | None = None
    sku: tuple[str, ...] | None = None
    include: tuple[int, ...] | None = None
    exclude: frozenset[int] = frozenset()
    parent: tuple[int, ...] | None = None
    search: str | None = None
    stock_status: str | None = None
    category: int | None = None
    after: int | None = None
    before: int | None = None
    modified_after: int | None = None
    modified_before: int | None = None
    orderby: str = "date"
    desc: bool = True


def current_price(raw: dict) -> int:
    return parse_money(raw.get("sale_price") or raw.get("regular_price") or "0")


class ProductTable:
    def __init__(self, catalog, lock: threading.RLock):
        self.lock = lock
        self.products: dict[int, dict] = {raw["id"]: raw for raw in catalog.products}
        self.variations: dict[int, dict] = {}
        self.children: dict[int, list[int]] = {}
        for pid, children in catalog.variations.items():
            self.children[pid] = [v["id"] for v in children]
            for v in children:
                self.variations[v["id"]] = v
        self.sku_owner: dict[str, int] = {}
        for raw in (*self.products.values(), *self.variations.values()):
            if raw["sku"]:
                self.sku_owner[raw["sku"]] = raw["id"]
        self.version = 0
        self._selections = Selections()

    # -- single records -------------------------------------------------------------------------
    def product(self, pid: int) -> dict | None:
        return self.products.get(pid)

    def variation(self, parent: int, vid: int) -> dict | None:
        raw = self.variations.get(vid)
        return raw if raw is not None and raw["parent_id"] == parent else None

    def child_records(self, pid: int) -> list[dict]:
        return [self.variations[v] for v in self.children.get(pid, ())]

    def sku_clash(self, sku: str, own_id: int | None) -> int | None:
        """The id of another product or variation that already has this SKU."""
        owner = self.sku_owner.get(sku)
        return owner if owner is not None and owner != own_id else None

    # -- writes (the caller holds the lock) -------------------------------------------------------
    def put(self, raw: dict, old_sku: str | None = None) -> None:
        if old_sku and self.sku_owner.get(old_sku) == raw["id"]:
            del self.sku_owner[old_sku]
        if raw["sku"]:
            self.sku_owner[raw["sku"]] = raw["id"]
        if raw.get("type") == "variation":
            self.variations[raw["id"]] = raw
            siblings = self.children.setdefault(raw["parent_id"], [])
            if raw["id"] not in siblings:
                siblings.append(raw["id"])
        else:
            self.products[raw["id"]] = raw
        self.version += 1

    def remove(self, raw: dict) -> None:
        if raw["sku"] and self.sku_owner.get(raw["sku"]) == raw["id"]:
            del self.sku_owner[raw["sku"]]
        if raw.get("type") == "variation":
            self.variations.pop(raw["id"], None)
            self.children.get(raw["parent_id"], []).remove(raw["id"])
        else:
            self.products.pop(raw["id"], None)
            for vid in self.children.pop(raw["id"], []):
                self.remove_variation_sku(vid)
        self.version += 1

    def remove_variation_sku(self, vid: int) -> None:
        child = self.variations.pop(vid, None)
        if child is not None and child["sku"] and self.sku_owner.get(child["sku"]) == vid:
            del self.sku_owner[child["sku"]]

    # -- lists ----------------------------------------------------------------------------------
    def query(self, q: ProductQuery, offset: int, limit: int, parent: int | None = None) -> tuple[int, list[dict]]:
        """Products (or, with `parent`, that product's variations) matching `q`."""
        with self.lock:
            key = (q, parent, self.version)
            selected = self._selections.get(key, lambda: self._select(q, parent))
            records = [self.variations.get(i) or self.products[i] for i in selected[offset:offset + limit]]
        return len(selected), records

    def _select(self, q: ProductQuery, parent: int | None) -> list[int]:
        if parent is not None:
            pool = self.child_records(parent)
        elif q.sku is not None:
            wanted = set(q.sku)
            pool = [raw for raw in (*self.products.values(), *self.variations.values()) if raw["sku"] in wanted]
        else:
            pool = list(self.products.values())
        entries = [(_sort_key(q, raw), raw["id"]) for raw in pool if _matches(raw, q)]
        if q.orderby == "include" and q.include is not None:
            rank = {pid: k for k, pid in enumerate(q.include)}
            entries.sort(key=lambda e: rank[e[1]], reverse=q.desc)
        else:
            entries.sort(reverse=q.desc)
        return [pid for _, pid in entries]


def _matches(raw: dict, q: ProductQuery) -> bool:
    status = raw["status"]
    if (status == "trash" if q.statuses is None else status not in q.statuses):
        return False
    ts = raw["_ts"]
    checks = (
        q.type is None or raw.get("type") == q.type,
        q.include is None or raw["id"] in q.include,
        raw["id"] not in q.exclude,
        q.parent is None or raw["parent_id"] in q.parent,
        q.search is None or q.search.lower() in raw.get("name", "").lower(),
        q.stock_status is None or raw["stock_status"] == q.stock_status,
        q.category is None or any(c["id"] == q.category for c in raw.get("categories", ())),
        q.after is None or ts["created"] > q.after,
        q.before is None or ts["created"] < q.before,
        q.modified_after is None or ts["modified"] > q.modified_after,
        q.modified_before is None or ts["modified"] < q.modified_before,
    )
    return all(checks)


def _sort_key(q: ProductQuery, raw: dict):
    ts = raw["_ts"]
    by = q.orderby
    if by in ("title", "slug"):
        return (raw.get("name" if by == "title" else "slug", "").lower(), raw["id"])
    if by == "modified":
        return (ts["modified"], raw["id"])
    if by == "price":
        return (current_price(raw), raw["id"])
    if by == "menu_order":
        return (raw.get("menu_order", 0), raw["id"])
    if by in ("popularity", "rating"):
        return (raw.get("total_sales", 0) if by == "popularity" else float(raw.get("average_rating", 0)), raw["id"])
    if by in ("id", "include"):
        return (raw["id"], raw["id"])
    return (ts["created"], raw["id"])
