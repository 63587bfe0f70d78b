"""Order writes: create, update (line-item merge semantics), trash / delete, restore, touch."""

from __future__ import annotations

import copy
import secrets

from sandbox.woocommerce.generator.orders import STATUSES
from sandbox.woocommerce.money import parse_money
from sandbox.woocommerce.orderlines import Sellable, finish_order, product_line, reprice, sellable
from sandbox.woocommerce.rest import WooError, invalid_id
from sandbox.woocommerce.services.common import as_int, enum, merged_address, merged_meta, trashed
from sandbox.woocommerce.store import Store

WRITABLE_STATUSES = tuple(s for s in STATUSES if s != "trash")
PAID_STATUSES = {"processing", "completed", "on-hold"}
LINE_KEYS = ("line_items", "shipping_lines", "fee_lines", "coupon_lines")
TOTALS = ("discount_total", "discount_tax", "shipping_total", "shipping_tax", "cart_tax", "total", "total_tax")
SIMPLE_FIELDS = ("customer_note", "payment_method", "payment_method_title", "transaction_id", "currency")


def create(store: Store, body: dict) -> dict:
    if body.get("id"):
        raise WooError(400, "woocommerce_rest_shop_order_exists", "Cannot create existing shop_order.")
    status = enum(body.get("status", "pending"), "status", WRITABLE_STATUSES)
    with store.lock:
        now = store.now()
        oid = store.new_post_id()
        raw = {
            "id": oid, "parent_id": as_int(body.get("parent_id", 0), "parent_id"), "status": "pending",
            "currency": store.profile.currency, "version": "9.8.5", "prices_include_tax": True, "customer_id": 0,
            "order_key": f"wc_order_{secrets.token_hex(7)[:13]}", "billing": merged_address(None, None, True),
            "shipping": merged_address(None, None, False), "payment_method": "", "payment_method_title": "",
            "transaction_id": "", "customer_ip_address": "", "customer_user_agent": "",
            "created_via": str(body.get("created_via") or "rest-api"), "customer_note": "", "cart_hash": "",
            "number": str(oid), "meta_data": [], "line_items": [], "tax_lines": [], "shipping_lines": [],
            "fee_lines": [], "coupon_lines": [], **dict.fromkeys(TOTALS, "0.00"),
            "_ts": {"created": now, "modified": now, "paid": None, "completed": None}, "_refunds": [],
        }
        _apply(store, raw, body, now)
        _set_status(store, raw, status, now)
        if body.get("set_paid"):
            _pay(store, raw, now)
        store.orders.put(raw)
        store.emit("order.created", oid)
        return raw


def update(store: Store, oid: int, body: dict) -> dict:
    with store.lock:
        current = store.orders.get(oid)
        if current is None:
            raise invalid_id("shop_order", 400)
        raw = copy.deepcopy(current)
        now = store.now()
        if "status" in body:
            enum(body["status"], "status", WRITABLE_STATUSES)
        _apply(store, raw, body, now)
        if "status" in body:
            _set_status(store, raw, body["status"], now)
        if body.get("set_paid"):
            _pay(store, raw, now)
        raw["_ts"]["modified"] = max(now, raw["_ts"]["modified"])
        store.orders.put(raw)
        store.emit("order.updated", oid)
        return raw


def delete(store: Store, oid: int, force: bool) -> dict:
    """Trash (force=false, webhook order.deleted) or delete for good (no webhook); returns the order before."""
    with store.lock:
        current = store.orders.get(oid)
        if current is None:
            raise invalid_id("shop_order")
        if force:
            store.orders.remove(oid)
            return current
        store.orders.put(trashed(current, "shop_order", store.now()))
        store.emit("order.deleted", oid)
        return current


def restore(store: Store, oid: int) -> dict:
    """Untrash (the merchant in wp-admin): back to the status it had, webhook order.restored."""
    return _resave(store, oid, "order.restored", restore=True)


def touch(store: Store, oid: int) -> dict:
    """A save that changes nothing but `date_modified` (HPOS did this on merely opening an order)."""
    return _resave(store, oid, "order.updated")


def _resave(store: Store, oid: int, topic: str, restore: bool = False) -> dict:
    with store.lock:
        raw = copy.deepcopy(store.orders.get(oid))
        if restore and raw["status"] == "trash":
            raw["status"] = raw.pop("_trash_status", "completed")
        raw["_ts"]["modified"] = max(store.now(), raw["_ts"]["modified"])
        store.orders.put(raw)
        store.emit(topic, oid)
        return raw


# -- details --------------------------------------------------------------------------------------
def _apply(store: Store, raw: dict, body: dict, now: int) -> None:
    if "customer_id" in body:
        customer_id = as_int(body["customer_id"], "customer_id")
        if customer_id and store.customers.get(customer_id) is None:
            raise WooError(400, "woocommerce_rest_invalid_customer_id", "Customer ID is invalid.")
        raw["customer_id"] = customer_id
    for name in SIMPLE_FIELDS:
        if name in body and body[name] is not None:
            raw[name] = str(body[name])
    recalc = False
    for name, with_email in (("billing", True), ("shipping", False)):
        if name in body:
            raw[name] = merged_address(raw[name], body[name], with_email)
            recalc = True
    if "meta_data" in body:
        raw["meta_data"] = merged_meta(raw["meta_data"], body["meta_data"], store.new_item_id)
    if isinstance(body.get("line_items"), list):
        raw["line_items"] = _merge_lines(store, raw["line_items"], body["line_items"])
        recalc = True
    if isinstance(body.get("shipping_lines"), list):
        raw["shipping_lines"] = _merge_simple_lines(store, raw["shipping_lines"], body["shipping_lines"], "method_id")
        recalc = True
    if isinstance(body.get("fee_lines"), list):
        raw["fee_lines"] = _merge_simple_lines(store, raw["fee_lines"], body["fee_lines"], "name")
        recalc = True
    if recalc:
        finish_order(raw, store.new_item_id())


def _resolve(store: Store, item: dict) -> Sellable:
    products = store.products
    vid = item.get("variation_id") or 0
    pid = item.get("product_id") or 0
    if not vid and not pid and item.get("sku"):
        owner = products.sku_owner.get(str(item["sku"]))
        variation = products.variations.get(owner) if owner is not None else None
        vid, pid = (owner, variation["parent_id"]) if variation else (0, owner or 0)
    if not vid and not pid:
        raise WooError(400, "woocommerce_rest_required_product_reference", "Product ID or SKU is required.")
    if vid:
        variation = products.variations.get(as_int(vid, "variation_id"))
        parent = products.product(variation["parent_id"]) if variation else None
        if variation is None or parent is None:
            raise WooError(400, "woocommerce_rest_invalid_product_id", "Invalid product ID.")
        return sellable(parent, variation)
    product = products.product(as_int(pid, "product_id"))
    if product is None:
        raise WooError(400, "woocommerce_rest_invalid_product_id", "Invalid product ID.")
    return sellable(product)


def _merge_lines(store: Store, lines: list[dict], changes: list) -> list[dict]:
    """No `id`: a new line.  With `id`: that line changes; quantity 0 or product_id null removes it."""
    out = [dict(line) for line in lines]
    for change in changes:
        if not isinstance(change, dict):
            continue
        if change.get("id"):
            line = next((x for x in out if x["id"] == change["id"]), None)
            if line is None:
                raise WooError(400, "woocommerce_rest_invalid_item_id",
                               "Order item ID provided is not associated with order.")
            if change.get("quantity") == 0 or ("product_id" in change and change["product_id"] is None):
                out.remove(line)
                continue
            quantity = as_int(change.get("quantity", line["quantity"]), "quantity")
            item = _resolve(store, {**{k: line[k] for k in ("product_id", "variation_id")}, **change})
            total = parse_money(change["total"]) if "total" in change else None
            out[out.index(line)] = product_line(item, quantity, line["id"], total)
        else:
            quantity = as_int(change.get("quantity", 1), "quantity")
            total = parse_money(change["total"]) if "total" in change else None
            out.append(product_line(_resolve(store, change), quantity, store.new_item_id(), total))
    return out


def _merge_simple_lines(store: Store, lines: list[dict], changes: list, name_key: str) -> list[dict]:
    out = [dict(line) for line in lines]
    for change in changes:
        if not isinstance(change, dict):
            continue
        line = next((x for x in out if change.get("id") and x["id"] == change["id"]), None)
        if line is not None and change.get(name_key, "") is None:
            out.remove(line)
            continue
        if line is None:
            line = {"id": store.new_item_id(), "meta_data": [], "tax_status": "taxable", "tax_class": "",
                    "total": "0.00", "total_tax": "0.00", "taxes": []}
            out.append(line)
        for key in ("method_id", "method_title", "instance_id", "name", "tax_class", "tax_status"):
            if key in change and change[key] is not None:
                line[key] = str(change[key])
        if "total" in change:
            reprice(line, change["total"])
    return out


def _set_status(store: Store, raw: dict, status: str, now: int) -> None:
    old = raw["status"]
    raw["status"] = status
    ts = raw["_ts"]
    if status in ("processing", "completed") and ts["paid"] is None:
        ts["paid"] = now
    if status == "completed" and old != "completed":
        ts["completed"] = now
    if status in PAID_STATUSES:
        _reduce_stock(store, raw, now)
    elif status in ("cancelled", "pending", "failed") and raw.get("_stock_reduced"):
        _reduce_stock(store, raw, now, restore=True)


def _pay(store: Store, raw: dict, now: int) -> None:
    """`set_paid: true` = payment_complete(): date_paid, stock, processing."""
    raw["_ts"]["paid"] = raw["_ts"]["paid"] or now
    _set_status(store, raw, "processing", now)


def _reduce_stock(store: Store, raw: dict, now: int, restore: bool = False) -> None:
    if bool(raw.get("_stock_reduced")) != restore:
        return
    sign = 1 if restore else -1
    for line in raw["line_items"]:
        target = store.products.variations.get(line["variation_id"]) or store.products.product(line["product_id"])
        if target is not None and target["manage_stock"] and target["stock_quantity"] is not None:
            target["stock_quantity"] += sign * line["quantity"]
            target["stock_status"] = "instock" if target["stock_quantity"] > 0 else "outofstock"
            target["_ts"]["modified"] = max(now, target["_ts"]["modified"])
    store.products.version += 1
    raw["_stock_reduced"] = not restore
