"""Stocks: list, supplies, movement log (lastId cursor), stock changes (PATCH, <= 300 items)."""

from __future__ import annotations

from flask import Blueprint, g

from sandbox.api import ApiError, arg, bool_arg, dt_arg, envelope, error, include_arg, int_arg, json_body, page_args
from sandbox.formats import amount, fmt_dt, parse_decimal

bp = Blueprint("stocks", __name__)
MAX_MOVES = 300


def _stock(stock_id: int) -> int:
    # Postman's 404 example has `errors` as a single object; the spec (and we) use an array.
    if stock_id not in g.store.data.stock_ids:
        raise ApiError(404, "stock-not-found", f'Stock with id "{stock_id}" not found.', str(stock_id))
    return stock_id


@bp.get("/api/stocks")
def stocks():
    shop = g.store.data
    items = [{"id": sid, "title": title, "isDeliveryPoint": sid > 1, "visibleOnEshop": True,
              "deliveryPointTitle": title if sid > 1 else None, "deliveryPointAddress": None}
             for sid, title in zip(shop.stock_ids, shop.profile.stocks, strict=True)]
    return envelope({"stocks": items, "defaultStockId": shop.stock_ids[0]})


@bp.get("/api/stocks/<int:stock_id>/supplies")
def supplies(stock_id: int):
    sid = _stock(stock_id)
    store = g.store
    include = include_arg()
    wanted_guid, wanted_code = arg("productGuid"), arg("code")
    only_claim = bool_arg("onlyWithClaim")
    changed_from = dt_arg("changedFrom")
    with_times = changed_from is not None or "changeTime" in include
    rows = []
    for product in store.data.catalog.products:
        if wanted_guid is not None and product.guid != wanted_guid:
            continue
        for variant in product.variants:
            if wanted_code is not None and variant.code != wanted_code:
                continue
            claim = store.stock.claim(sid, variant.code)
            if only_claim and not claim:
                continue
            touched = store.stock.last_change(sid, variant.code) if with_times else None
            if changed_from is not None and touched < changed_from:
                continue
            # amount/claim are 3-decimal strings per spec (Postman shows plain numbers).
            row = {"productGuid": product.guid, "code": variant.code,
                   "amount": amount(store.stock.amounts[(sid, variant.code)]), "claim": amount(claim),
                   "location": None}
            if "changeTime" in include:
                row["changeTime"] = fmt_dt(touched)
            rows.append(row)
    page = page_args(1000, 1000)
    page.check(len(rows))
    chunk = rows[page.offset:page.offset + page.per_page]
    return envelope({"supplies": chunk, "paginator": page.paginator(len(rows), len(chunk))})


@bp.get("/api/stocks/<int:stock_id>/movements")
def movements(stock_id: int):
    sid = _stock(stock_id)
    store = g.store
    include = include_arg()
    order_code = arg("orderCode")
    positions, extra = store.stock.select(sid, int_arg("lastId"), dt_arg("changeTimeFrom"),
                                          store.orders.find(order_code) if order_code else None, order_code)
    total = len(positions) + len(extra)
    page = page_args(25, 1000)
    page.check(total)
    chunk = [store.stock.movement_at(sid, k) for k in positions[page.offset:page.offset + page.per_page]]
    if len(chunk) < page.per_page:
        start = max(0, page.offset - len(positions))
        chunk += extra[start:start + page.per_page - len(chunk)]
    items = []
    for m in chunk:
        item = {"id": m.id, "productCode": m.code, "actualAmount": amount(m.actual),
                "amountChange": amount(m.change), "changedBy": m.changed_by, "changeTime": fmt_dt(m.time)}
        if "orderCode" in include:
            item["orderCode"] = m.order_code
        if "productGuid" in include or "historicalProductGuid" in include:
            hit = store.data.catalog.variant(m.code)
            guid = hit[0].guid if hit else None
            if "productGuid" in include:
                item["productGuid"] = guid
            if "historicalProductGuid" in include:
                item["historicalProductGuid"] = guid
        if "sumAmount" in include:
            item["sumAmount"] = amount(store.stock.total(m.code))
        items.append(item)
    return envelope({"movements": items, "paginator": page.paginator(total, len(items))})


@bp.get("/api/stocks/<int:stock_id>/movements/last")
def last_movement(stock_id: int):
    sid = _stock(stock_id)
    last = g.store.stock.last(sid)
    if last is None:
        return envelope({"lastId": 0, "lastChangeTime": fmt_dt(g.store.data.base_end)})
    return envelope({"lastId": last.id, "lastChangeTime": fmt_dt(last.time)})


@bp.patch("/api/stocks/<int:stock_id>/movements")
def change_stock(stock_id: int):
    sid = _stock(stock_id)
    items = json_body()["data"]
    if not isinstance(items, list) or not items:
        raise ApiError(422, "invalid-request-data", "Property data must be a non-empty array.", "data")
    if len(items) > MAX_MOVES:
        raise ApiError(413, "too-many-items", f"Maximum {MAX_MOVES} items per request, {len(items)} given.", "data")
    parsed = [_parse_move(k, item) for k, item in enumerate(items)]
    store = g.store
    errors, moved, events = [], 0, []
    for code, kind, value in parsed:
        if store.data.catalog.variant(code) is None:
            errors.append(error("unknown-product", f'Product "{code}" does not exist. Skipped.', code))
            continue
        _movement, stock_events = store.stock.move(sid, code, by="api", **{kind: value})
        events += [(event, code) for event in stock_events]
        moved += 1
    if not moved:
        raise ApiError.many(400, errors)
    hub = g.sandbox.hub
    hub.emit(g.eshop_id, "stock:movement", str(sid))
    for event, code in events:
        hub.emit(g.eshop_id, event, code)
    return envelope(None, errors)


def _parse_move(k: int, item) -> tuple[str, str, int]:
    """One `{productCode, amountChange|quantity|realStock}` row (exactly one of the three)."""
    where = f"data[{k}]"
    if not isinstance(item, dict) or not isinstance(item.get("productCode"), str):
        raise ApiError(422, "invalid-request-data", "Item productCode is mandatory.", f"{where}.productCode")
    keys = set(item) - {"productCode"}
    if len(keys) != 1 or not keys <= {"amountChange", "quantity", "realStock"}:
        raise ApiError(422, "invalid-request-data",
                       "Exactly one of amountChange, quantity or realStock has to be provided.", where)
    key = keys.pop()
    value = item[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ApiError(422, "invalid-request-data", f"Property {key} must be a number.", f"{where}.{key}")
    kind = {"amountChange": "change", "quantity": "quantity", "realStock": "real_stock"}[key]
    return item["productCode"], kind, parse_decimal(repr(float(value)), 3)
