"""Product and variation writes, with WooCommerce's SKU, price and stock rules.

* SKUs are unique across products and variations: `400 product_invalid_sku`
  naming the owner (`resource_id`) and a free suggestion (`unique_sku`);
* `stock_quantity`/`backorders` apply only when `manage_stock` is on; otherwise
  the quantity is cleared and only `stock_status` is kept;
* variable and grouped products get blank prices (prices live on variations);
* products trash unless `force=true`; variations cannot be trashed.
"""

from __future__ import annotations

import copy

from sandbox.woocommerce.generator.catalog import parent_stock_status
from sandbox.woocommerce.rest import WooError, invalid_id
from sandbox.woocommerce.services.common import as_int, enum, merged_meta, trashed
from sandbox.woocommerce.store import Store

TYPES = ("simple", "grouped", "external", "variable")
STATUSES = ("draft", "pending", "private", "publish", "future")
STOCK_STATUSES = ("instock", "outofstock", "onbackorder")
TEXT_FIELDS = ("name", "description", "short_description", "purchase_note", "tax_class", "slug", "external_url",
               "button_text", "global_unique_id")
BOOL_FIELDS = ("featured", "virtual", "downloadable", "sold_individually", "reviews_allowed")


def _check_sku(store: Store, sku, own_id: int | None) -> str:
    sku = str(sku or "").strip()
    owner = store.products.sku_clash(sku, own_id) if sku else None
    if owner is not None:
        suggestion, k = f"{sku}-1", 1
        while store.products.sku_clash(suggestion, None) is not None:
            k += 1
            suggestion = f"{sku}-{k}"
        raise WooError(400, "product_invalid_sku", "Invalid or duplicated SKU.",
                       {"resource_id": owner, "unique_sku": suggestion})
    return sku


def _apply_common(store: Store, raw: dict, body: dict) -> None:
    for name in TEXT_FIELDS:
        if name in body and body[name] is not None and name in raw:
            raw[name] = str(body[name])
    for name in BOOL_FIELDS:
        if name in body and name in raw:
            raw[name] = bool(body[name])
    if "status" in body:
        raw["status"] = enum(body["status"], "status", STATUSES)
    if "menu_order" in body:
        raw["menu_order"] = as_int(body["menu_order"], "menu_order")
    if "sku" in body:
        raw["sku"] = _check_sku(store, body["sku"], raw["id"])
    for name in ("regular_price", "sale_price"):
        if name in body and body[name] is not None:
            raw[name] = str(body[name])
    if "manage_stock" in body:
        raw["manage_stock"] = bool(body["manage_stock"])
    if raw["manage_stock"]:
        if "stock_quantity" in body and body["stock_quantity"] is not None:
            raw["stock_quantity"] = as_int(body["stock_quantity"], "stock_quantity")
        elif body.get("inventory_delta") is not None:
            raw["stock_quantity"] = (raw["stock_quantity"] or 0) + as_int(body["inventory_delta"], "inventory_delta")
        if "backorders" in body:
            raw["backorders"] = enum(body["backorders"], "backorders", ("no", "notify", "yes"))
        raw["stock_quantity"] = raw["stock_quantity"] or 0
        raw["stock_status"] = "instock" if raw["stock_quantity"] > 0 else (
            "onbackorder" if raw["backorders"] != "no" else "outofstock")
    else:
        raw["stock_quantity"] = None
        if "stock_status" in body:
            raw["stock_status"] = enum(body["stock_status"], "stock_status", STOCK_STATUSES)
    if "meta_data" in body:
        raw["meta_data"] = merged_meta(raw["meta_data"], body["meta_data"], store.new_item_id)


def _blank(store: Store, now: int) -> dict:
    return {"id": store.new_post_id(), "name": "", "slug": "", "permalink": "", "type": "simple",
            "status": "publish", "featured": False, "catalog_visibility": "visible", "description": "",
            "short_description": "", "sku": "", "global_unique_id": "", "date_on_sale_from": None,
            "date_on_sale_to": None, "total_sales": 0, "virtual": False, "downloadable": False, "downloads": [],
            "download_limit": -1, "download_expiry": -1, "external_url": "", "button_text": "",
            "tax_status": "taxable", "tax_class": "", "backorders": "no", "backorders_allowed": False,
            "backordered": False, "low_stock_amount": None, "sold_individually": False, "shipping_class": "",
            "shipping_class_id": 0, "reviews_allowed": True, "average_rating": "0.00", "rating_count": 0,
            "upsell_ids": [], "cross_sell_ids": [], "parent_id": 0, "purchase_note": "", "categories": [],
            "tags": [], "images": [], "attributes": [], "default_attributes": [], "variations": [],
            "grouped_products": [], "menu_order": 0, "related_ids": [], "has_options": False, "post_password": "",
            "meta_data": [], "regular_price": "", "sale_price": "", "manage_stock": False, "stock_quantity": None,
            "stock_status": "instock", "weight": "", "dimensions": {"length": "", "width": "", "height": ""},
            "_ts": {"created": now, "modified": now}}


def create_product(store: Store, body: dict) -> dict:
    if body.get("id"):
        raise WooError(400, "woocommerce_rest_product_exists", "Cannot create existing product.")
    with store.lock:
        now = store.now()
        raw = _blank(store, now)
        raw["type"] = enum(body.get("type", "simple"), "type", TYPES)
        _apply_product(store, raw, body)
        raw["slug"] = raw["slug"] or f"{raw['name'].lower().replace(' ', '-')}-{raw['id']}"
        raw["permalink"] = f"{store.home}/produkt/{raw['slug']}/"
        store.products.put(raw)
        store.emit("product.created", raw["id"])
        return raw


def update_product(store: Store, pid: int, body: dict) -> dict:
    with store.lock:
        current = store.products.product(pid)
        if current is None:
            raise invalid_id("product", 400)
        raw = copy.deepcopy(current)
        old_sku = raw["sku"]
        if "type" in body:
            raw["type"] = enum(body["type"], "type", TYPES)
        _apply_product(store, raw, body)
        raw["_ts"]["modified"] = max(store.now(), raw["_ts"]["modified"])
        store.products.put(raw, old_sku)
        store.emit("product.updated", pid)
        return raw


def _apply_product(store: Store, raw: dict, body: dict) -> None:
    _apply_common(store, raw, body)
    if isinstance(body.get("categories"), list):
        raw["categories"] = [{"id": as_int(c.get("id"), "categories"), "name": c.get("name", ""),
                              "slug": c.get("slug", "")} for c in body["categories"] if isinstance(c, dict)]
    if raw["type"] in ("variable", "grouped"):
        raw["regular_price"] = raw["sale_price"] = ""
    if raw["type"] == "variable":
        raw["stock_status"] = parent_stock_status(store.products.child_records(raw["id"])) \
            if store.products.children.get(raw["id"]) else raw["stock_status"]


def delete_product(store: Store, pid: int, force: bool) -> dict:
    with store.lock:
        current = store.products.product(pid)
        if current is None:
            raise invalid_id("product")
        if force:
            store.products.remove(current)
            return current
        store.products.put(trashed(current, "product", store.now()))
        store.emit("product.deleted", pid)
        return current


# -- variations -------------------------------------------------------------------------------------
def create_variation(store: Store, parent_id: int, body: dict) -> dict:
    with store.lock:
        parent = store.products.product(parent_id)
        if parent is None or parent["type"] != "variable":
            raise WooError(404, "woocommerce_rest_product_variation_invalid_parent", "Invalid parent product.")
        now = store.now()
        raw = {key: value for key, value in _blank(store, now).items()
               if key not in ("slug", "featured", "catalog_visibility", "short_description", "total_sales",
                              "external_url", "button_text", "sold_individually", "reviews_allowed",
                              "average_rating", "rating_count", "upsell_ids", "cross_sell_ids",
                              "purchase_note", "categories", "tags", "images", "default_attributes",
                              "variations", "grouped_products", "related_ids", "has_options", "post_password")}
        raw.update(type="variation", parent_id=parent_id, image=None, name=parent["name"],
                   permalink=parent["permalink"])
        _apply_variation(store, raw, body)
        store.products.put(raw)
        _refresh_parent(store, parent_id, now)
        store.emit("product.created", raw["id"])
        return raw


def update_variation(store: Store, parent_id: int, vid: int, body: dict) -> dict:
    with store.lock:
        current = store.products.variation(parent_id, vid)
        if current is None:
            raise invalid_id("product_variation", 400)
        raw = copy.deepcopy(current)
        old_sku = raw["sku"]
        _apply_variation(store, raw, body)
        now = store.now()
        raw["_ts"]["modified"] = max(now, raw["_ts"]["modified"])
        store.products.put(raw, old_sku)
        _refresh_parent(store, parent_id, now)
        store.emit("product.updated", vid)
        return raw


def delete_variation(store: Store, parent_id: int, vid: int, force: bool) -> dict:
    if not force:
        raise WooError(501, "woocommerce_rest_trash_not_supported", "The product_variation does not support trashing.")
    with store.lock:
        current = store.products.variation(parent_id, vid)
        if current is None:
            raise invalid_id("product_variation")
        store.products.remove(current)
        _refresh_parent(store, parent_id, store.now())
        return current


def _apply_variation(store: Store, raw: dict, body: dict) -> None:
    _apply_common(store, raw, body)
    if isinstance(body.get("attributes"), list):
        raw["attributes"] = [{"id": as_int(a.get("id", 0), "attributes"), "name": str(a.get("name", "")),
                              "option": str(a.get("option", ""))} for a in body["attributes"] if isinstance(a, dict)]
        options = ", ".join(a["option"] for a in raw["attributes"])
        parent = store.products.product(raw["parent_id"])
        raw["name"] = f"{parent['name']} - {options}" if options else parent["name"]


def _refresh_parent(store: Store, parent_id: int, now: int) -> None:
    parent = store.products.product(parent_id)
    if parent is not None:
        parent["variations"] = list(store.products.children.get(parent_id, []))
        parent["stock_status"] = parent_stock_status(store.products.child_records(parent_id))
        parent["_ts"]["modified"] = max(now, parent["_ts"]["modified"])
        store.products.version += 1


def change_stock(store: Store, target_id: int, delta: int) -> dict:
    """Churn: a stock change of a simple product or a variation (webhook product.updated)."""
    with store.lock:
        variation = store.products.variations.get(target_id)
        if variation is not None:
            quantity = (variation["stock_quantity"] or 0) + delta
            return update_variation(store, variation["parent_id"], target_id,
                                    {"manage_stock": True, "stock_quantity": max(0, quantity)})
        product = store.products.product(target_id)
        quantity = (product["stock_quantity"] or 0) + delta
        return update_product(store, target_id, {"manage_stock": True, "stock_quantity": max(0, quantity)})
