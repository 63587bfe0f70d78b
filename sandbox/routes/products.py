"""Products: list, detail by GUID or code, change log, PATCH with ?language= texts."""

from __future__ import annotations

import time

from flask import Blueprint, g

from sandbox.api import ApiError, arg, dt_arg, envelope, include_arg, int_arg, json_body, list_arg, page_args
from sandbox.formats import amount, parse_decimal
from sandbox.generator import words
from sandbox.routes import language
from sandbox.routes.orders import change_log
from sandbox.store.products import TEXT_FIELDS

bp = Blueprint("products", __name__)

# Top-level properties of the spec's `productUpdate` schema.  The sandbox stores the
# ones in TEXT/PLAIN/VARIANT sets and accepts (ignores) the rest.
UPDATE_KEYS = {
    "guid", "type", "visibility", "name", "adult", "shortDescription", "description", "additionalName", "metaTitle",
    "metaDescription", "conditionGrade", "conditionDescription", "defaultCategoryGuid", "brandCode", "internalNote",
    "preauthorizationRequired", "hsCode", "supplierGuid", "categoryGuids", "warrantyId", "flags", "flagsManagement",
    "descriptiveParameters", "filteringParameters", "surchargeParameters", "variants", "indexName", "relatedVideos",
}
PLAIN_FIELDS = {"visibility", "adult", "internalNote", "hsCode", "conditionGrade", "conditionDescription", "type"}
VISIBILITIES = {"hidden", "visible", "blocked", "show-registered", "block-unregistered", "cash-desk-only",
                "detail-only"}
MAX_LENGTH = {"name": 250, "additionalName": 150, "metaTitle": 255}
VARIANT_FIELDS = {"ean", "visible", "manufacturerCode", "pluCode", "isbn", "serialNo", "mpn", "weight",
                  "minStockSupply"}


def product_filters() -> dict:
    codes = list_arg("productCodes", 50)
    guids = list_arg("productGuids", 50)
    if codes is not None and guids is not None:
        raise ApiError(400, "invalid-parameter", 'Parameters "productCodes" and "productGuids" cannot be combined.',
                       "productGuids")
    if codes is not None or guids is not None:
        return {"codes": codes, "guids": guids}
    return {
        "visibility": arg("visibility"), "ptype": arg("type"), "brand_name": arg("brandName"),
        "brand_code": arg("brandCode"), "category_guid": arg("defaultCategoryGuid") or arg("categoryGuid"),
        "supplier_guid": arg("supplierGuid"), "flag": arg("flag"), "availability_id": int_arg("availabilityId"),
        "created_from": dt_arg("creationTimeFrom"), "created_to": dt_arg("creationTimeTo"),
        "changed_from": dt_arg("changeTimeFrom"), "changed_to": dt_arg("changeTimeTo"),
    }


@bp.get("/api/products")
def list_products():
    lang = language()
    include = include_arg()
    products = g.store.products
    selected = products.select(lang, **product_filters())
    page = page_args(20, 1000)
    page.check(len(selected))
    chunk = selected[page.offset:page.offset + page.per_page]
    items = [products.list_item(p, lang, include) for p in chunk]
    return envelope({"products": items, "paginator": page.paginator(len(selected), len(items))})


def _by_guid(guid: str) -> int:
    p = g.store.products.find(guid)
    if p is None:
        raise ApiError(404, "product-not-found", f'Product with identificator "{guid}" not found.', guid)
    return p


def _by_code(code: str) -> int:
    p = g.store.products.find_by_code(code)
    if p is None:
        raise ApiError(404, "product-not-found", f'Product with identificator "{code}" not found.', code)
    return p


@bp.get("/api/products/<guid>")
def product_by_guid(guid: str):
    # Unlike orders/customers, `data` is the product itself (spec and Postman agree).
    return envelope(g.store.products.detail(_by_guid(guid), language(), include_arg()))


@bp.get("/api/products/code/<path:code>")
def product_by_code(code: str):
    return envelope(g.store.products.detail(_by_code(code), language(), include_arg()))


@bp.get("/api/products/changes")
def product_changes():
    since = dt_arg("from", required=True)
    return change_log(g.store.products.changes(since, time.time()), "guid", 1000, 1000)


@bp.patch("/api/products/<guid>")
def patch_by_guid(guid: str):
    return _patch(_by_guid(guid))


@bp.patch("/api/products/code/<path:code>")
def patch_by_code(code: str):
    return _patch(_by_code(code))


def _invalid(message: str, instance: str = "payload"):
    return ApiError(422, "invalid-request-data", message, instance)


def _patch(p: int):
    lang = language()
    data = json_body()["data"]
    if not isinstance(data, dict):
        raise _invalid('The property "data" must be an object.', "data")
    unknown = sorted(set(data) - UPDATE_KEYS)
    if unknown:
        raise _invalid(f"The property {unknown[0]} is not defined and the definition does not allow additional "
                       "properties.")
    if "preauthorizationRequired" in data:
        raise ApiError(403, "missing-module", "Method requires active shoptetPay module in eshop when "
                       "preauthorizationRequired field is present in product data.", "shoptetPay")
    texts, fields = {}, {}
    for key in TEXT_FIELDS:
        if key in data:
            value = data[key]
            if value is not None and not isinstance(value, str):
                raise _invalid(f"Property {key} must be a string.", f"data.{key}")
            if key == "name" and not value:
                raise _invalid("Property name must not be empty.", "data.name")
            if key == "metaTitle" and value == "":
                raise _invalid("Property metaTitle must be at least 1 character long.", "data.metaTitle")
            if value is not None and len(value) > MAX_LENGTH.get(key, 10**6):
                raise _invalid(f"Property {key} is longer than {MAX_LENGTH[key]} characters.", f"data.{key}")
            texts[key] = value
    for key in PLAIN_FIELDS & set(data):
        fields[key] = data[key]
    if "visibility" in fields and fields["visibility"] not in VISIBILITIES:
        raise _invalid(f'Invalid visibility "{fields["visibility"]}".', "data.visibility")
    variants = _variant_updates(p, data.get("variants"))
    store = g.store
    store.products.update(p, lang, texts, fields, variants)
    product = store.data.catalog.products[p]
    hub = g.sandbox.hub
    hub.emit(g.eshop_id, "product:update", product.guid)
    for code in variants:
        hub.emit(g.eshop_id, "productVariant:update", code)
    return envelope(store.products.detail(p, lang, include_arg()))


def _variant_updates(p: int, items) -> dict[str, dict]:
    if items is None:
        return {}
    if not isinstance(items, list) or not items:
        raise _invalid("Property variants must be a non-empty array.", "data.variants")
    product = g.store.data.catalog.products[p]
    known = {v.code for v in product.variants}
    out: dict[str, dict] = {}
    for k, item in enumerate(items):
        if not isinstance(item, dict) or not item.get("code"):
            raise _invalid("Each variant needs its code.", f"data.variants[{k}].code")
        if item["code"] not in known:
            # Shoptet would create a new variant; the sandbox keeps the catalogue fixed.
            raise _invalid(f'Variant "{item["code"]}" does not exist (the sandbox does not create variants).',
                           f"data.variants[{k}].code")
        values = {}
        for key, value in item.items():
            if key in ("code",):
                continue
            if key not in VARIANT_FIELDS:
                continue  # accepted by the spec, not simulated
            if key in ("weight", "minStockSupply") and value is not None:
                try:
                    value = amount(parse_decimal(value, 3))
                except ValueError:
                    raise _invalid(f"Invalid {key}.", f"data.variants[{k}].{key}") from None
            values[key] = value
        out[item["code"]] = values
    return out


@bp.get("/api/suppliers")
def suppliers():
    """The shop's suppliers (products name theirs in `supplier`); lead times are in /_sandbox/truth."""
    catalog = g.store.data.catalog
    items = [{"guid": guid, "name": name} for guid, name in zip(catalog.supplier_guids, words.SUPPLIERS, strict=True)]
    page = page_args(200, 500)
    page.check(len(items))
    chunk = items[page.offset:page.offset + page.per_page]
    return envelope({"suppliers": chunk, "paginator": page.paginator(len(items), len(chunk))})
