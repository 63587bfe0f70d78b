"""Price lists: list, detail (variant prices, paged by 100), PATCH (<= 300 variants)."""

from __future__ import annotations

import json

from flask import Blueprint, g

from sandbox.api import ApiError, arg, envelope, error, json_body, page_args
from sandbox.generator.pricing import PRICELISTS, pricelist_row
from sandbox.store.prices import MAX_ITEMS, PriceError

bp = Blueprint("pricelists", __name__)
ITEM_KEYS = {"code", "currencyCode", "vatRate", "includingVat", "orderableAmount", "sales", "price", "priceWithVat",
             "priceWithoutVat", "prices"}
PRICE_KEYS = {"price", "commonPrice", "buyPrice", "priceRatio", "actionPrice"}


def _pricelist(value: str) -> int:
    pricelist = int(value) if value.isdigit() else -1
    if pricelist not in PRICELISTS:
        raise ApiError(404, "pricelist-not-found", f'Pricelist with id "{value}" not found.', value)
    return pricelist


@bp.get("/api/pricelists")
def pricelists():
    return envelope({"pricelists": [{"id": pid, "name": name} for pid, name in PRICELISTS.items()]})


@bp.get("/api/pricelists/<pricelist_id>")
def pricelist_detail(pricelist_id: str):
    pricelist = _pricelist(pricelist_id)
    store = g.store
    code, guid = arg("code"), arg("guid")
    rows = []
    for product in store.data.catalog.products:
        if guid is not None and product.guid != guid:
            continue
        for variant in product.variants:
            if code is not None and variant.code != code:
                continue
            rows.append((product, variant))
    page = page_args(100, 100)
    page.check(len(rows))
    chunk = rows[page.offset:page.offset + page.per_page]
    items = [pricelist_row(v.code, store.prices.price(p, v, pricelist), pricelist) for p, v in chunk]
    return envelope({"pricelist": items, "paginator": page.paginator(len(rows), len(items))})


@bp.patch("/api/pricelists/<pricelist_id>")
def update_pricelist(pricelist_id: str):
    pricelist = _pricelist(pricelist_id)
    items = json_body()["data"]
    if not isinstance(items, list) or not items:
        raise ApiError(422, "invalid-request-data", "Property data must be a non-empty array.", "data")
    if len(items) > MAX_ITEMS:
        raise ApiError(413, "too-many-items", f"Maximum {MAX_ITEMS} items per request, {len(items)} given.", "data")
    for k, item in enumerate(items):
        _check_shape(k, item)
    store = g.store
    catalog = store.data.catalog
    errors, done = [], []
    for item in items:
        code = item["code"]
        hit = catalog.variant(code)
        if hit is None:
            errors.append(error("pricelist-code-not-found", f"Price list code '{code}' doesn't exist. Code skipped.",
                                code))
            continue
        try:
            store.prices.update(pricelist, hit[0], hit[1], item)
        except PriceError as exc:
            errors.append(error(exc.code, exc.message, code))
            continue
        store.products.touch(hit[0].index)
        done.append(code)
    if not done:
        raise ApiError.many(400, errors)
    hub = g.sandbox.hub
    for code in done:
        hub.emit(g.eshop_id, "productVariantPrice:update", code)
    if len(done) > 1:
        hub.emit(g.eshop_id, "productVariantPrice:massUpdate", json.dumps(done, separators=(",", ":")))
    return envelope(None, errors)


def _check_shape(k: int, item) -> None:
    """The body as a whole must match `pricelistUpdate` (422); item values are checked per code (200/400)."""
    where = f"data[{k}]"
    if not isinstance(item, dict) or not isinstance(item.get("code"), str) or not item["code"]:
        raise ApiError(422, "invalid-request-data", "Item code is mandatory.", f"{where}.code")
    unknown = sorted(set(item) - ITEM_KEYS)
    if unknown:
        raise ApiError(422, "invalid-request-data", f"The property {unknown[0]} is not defined and the definition "
                       "does not allow additional properties.", f"{where}.{unknown[0]}")
    if len(item) < 2:
        raise ApiError(422, "invalid-request-data", "At least one of price, priceWithVat, priceWithoutVat, "
                       "orderableAmount, sales, prices, vatRate, includingVat or currencyCode is required.", where)
    for key in ("price", "priceWithVat", "priceWithoutVat"):
        if key in item and isinstance(item[key], dict) and set(item[key]) - PRICE_KEYS:
            extra = sorted(set(item[key]) - PRICE_KEYS)[0]
            raise ApiError(422, "invalid-request-data", f"The property {key}.{extra} is not defined and the definition "
                           "does not allow additional properties.", f"{where}.{key}.{extra}")
