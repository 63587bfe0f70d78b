"""Products overlay: per-language texts (PATCH ?language=), field and variant overrides.

Texts live per (product, language): a PATCH in one language writes only that
language, so later GETs and snapshots in it return what was written and the
others keep theirs (or stay untranslated).
"""

from __future__ import annotations

import time

from sandbox.formats import fmt_dt
from sandbox.generator import ShopData
from sandbox.generator.catalog import TEXT_KEYS
from sandbox.generator.words import FLAGS
from sandbox.store.orders import HISTORY_SECONDS

TEXT_FIELDS = TEXT_KEYS


class ProductOverlay:
    def __init__(self, data: ShopData, lock, stock_of, prices):
        self.data = data
        self.catalog = data.catalog
        self.renderer = data.renderer
        self.lock = lock
        self.stock_of = stock_of
        self.prices = prices  # store.prices.PriceBook
        self.texts: dict[tuple[int, str], dict] = {}
        self.fields: dict[int, dict] = {}
        self.variant_fields: dict[int, dict[str, dict]] = {}
        self.changed: dict[int, int] = {}

    @property
    def n(self) -> int:
        return len(self.catalog.products)

    def find(self, guid: str) -> int | None:
        product = self.catalog.product_by_guid(guid)
        return product.index if product else None

    def find_by_code(self, code: str) -> int | None:
        hit = self.catalog.variant(code)
        if hit is not None:
            return hit[0].index
        with self.lock:
            for p, variants in self.variant_fields.items():
                if code in variants:
                    return p
        return None

    def texts_of(self, p: int, lang: str) -> dict:
        texts = self.catalog.texts(self.catalog.products[p], lang)
        over = self.texts.get((p, lang))
        if over:
            texts.update(over)
        return texts

    def _fields(self, p: int) -> dict:
        fields = dict(self.fields.get(p, {}))
        if p in self.changed:
            fields["changeTime"] = fmt_dt(self.changed[p])
        return fields

    def detail(self, p: int, lang: str, include: frozenset) -> dict:
        product = self.catalog.products[p]
        return self.renderer.detail(product, lang, include, self.stock_of, texts=self.texts_of(p, lang),
                                    fields=self._fields(p), variant_fields=self.variant_fields.get(p),
                                    price_of=self.prices.price)

    def list_item(self, p: int, lang: str, include: frozenset) -> dict:
        product = self.catalog.products[p]
        return self.renderer.list_item(product, lang, include, texts=self.texts_of(p, lang), fields=self._fields(p))

    def changed_at(self, p: int) -> int:
        return self.changed.get(p) or self.catalog.products[p].changed

    def select(self, lang: str, *, codes=None, guids=None, visibility=None, ptype=None, brand_name=None,
               brand_code=None, category_guid=None, supplier_guid=None, flag=None, availability_id=None,
               created_from=None, created_to=None, changed_from=None, changed_to=None) -> list[int]:
        """Products matching GET /api/products filters, in catalogue order."""
        catalog = self.catalog
        if codes is not None:
            return sorted({p for p in (self.find_by_code(c) for c in codes) if p is not None})
        if guids is not None:
            return sorted({p for p in (self.find(g) for g in guids) if p is not None})
        out = []
        for product in catalog.products:
            p = product.index
            fields = self.fields.get(p, {})
            if visibility is not None and fields.get("visibility", product.visibility) != visibility:
                continue
            if ptype is not None and product.type != ptype:
                continue
            if brand_code is not None and (not product.brand or product.brand[0] != brand_code):
                continue
            if brand_name is not None and (not product.brand or product.brand[1] != brand_name):
                continue
            if category_guid is not None and catalog.category_guids[product.category] != category_guid:
                continue
            if supplier_guid is not None and (product.supplier is None or
                                              catalog.supplier_guids[product.supplier] != supplier_guid):
                continue
            if flag is not None and (product.flag is None or FLAGS[product.flag][0] != flag):
                continue
            if availability_id is not None and availability_id not in (1, 2):
                continue
            if created_from is not None and product.created < created_from:
                continue
            if created_to is not None and product.created > created_to:
                continue
            changed = self.changed_at(p)
            if changed_from is not None and changed < changed_from:
                continue
            if changed_to is not None and changed > changed_to:
                continue
            out.append(p)
        return out

    def changes(self, since: int, now: float) -> list[tuple[str, int, str]]:
        horizon = max(since, int(now) - HISTORY_SECONDS)
        out = [(self.catalog.products[p].guid, self.changed_at(p), "edit")
               for p in range(self.n) if self.changed_at(p) >= horizon]
        out.sort(key=lambda e: (e[1], e[0]))
        return out

    def update(self, p: int, lang: str | None, texts: dict, fields: dict, variants: dict[str, dict],
               now: float | None = None) -> None:
        now = int(now or time.time())
        lang = lang or self.data.profile.language
        with self.lock:
            if texts:
                merged = dict(self.texts.get((p, lang), {}))
                merged.update(texts)
                self.texts[(p, lang)] = merged
            if fields:
                self.fields.setdefault(p, {}).update(fields)
            for code, values in variants.items():
                self.variant_fields.setdefault(p, {}).setdefault(code, {}).update(values)
            self.changed[p] = max(now, self.catalog.products[p].changed)

    def touch(self, p: int, now: float | None = None) -> None:
        with self.lock:
            self.changed[p] = max(int(now or time.time()), self.catalog.products[p].changed)
