"""Shoptet JSON → the hub's records (app/imports/records.py), one function per kind.

The same mapping serves snapshot lines and API details (a snapshot line has the detail's shape), so an entity
hashes alike whichever way it came. `raw` keeps the whole object (an order's items in each item's `raw`).
"""

from __future__ import annotations

from collections.abc import Callable

import orjson

from app.channels.shoptet.statuses import normalized_status
from app.imports.records import (
    CreditNoteRecord,
    CustomerRecord,
    OrderRecord,
    ProductRecord,
    RecordError,
    content_hash,
    nested,
    parse_time,
    require,
)


def _item_row(code: str, position: int, item: dict, item_json: str) -> tuple:
    item_id = item.get("itemId")
    if item_id is None:
        raise RecordError(f"item {position} has no 'itemId'")
    return (
        code, item_id, position, item.get("itemType") or "product", item.get("productGuid"), item.get("code"),
        item.get("ean"), item.get("name"), item.get("variantName"), item.get("amount"),
        nested(item, "unitPrice", "withVat"), nested(item, "itemPrice", "withVat"),
        nested(item, "itemPrice", "withoutVat"), nested(item, "itemPrice", "vatRate"), item_json,
    )


def map_order(obj: dict) -> OrderRecord:
    code = str(require(obj, "code"))
    created = parse_time(require(obj, "creationTime"), "creationTime")
    changed = parse_time(obj.get("changeTime"), "changeTime")
    items = _items_of(obj)
    item_jsons = [orjson.dumps(item) for item in items]
    item_rows = [_item_row(code, position, item, item_json.decode())
                 for position, (item, item_json) in enumerate(zip(items, item_jsons, strict=True), start=1)]
    order_json = orjson.dumps(obj)
    billing = obj.get("billingAddress") or {}
    email = obj.get("email")
    status_id, status_name = nested(obj, "status", "id"), nested(obj, "status", "name")
    row = (
        code, obj.get("guid"), obj["creationTime"], obj.get("changeTime"), status_id, status_name,
        normalized_status(status_id, status_name), obj.get("paid"),
        email.lower() if isinstance(email, str) else None, obj.get("phone"), billing.get("fullName"),
        billing.get("company"), obj.get("customerGuid"), nested(obj, "price", "currencyCode"),
        nested(obj, "price", "exchangeRate"), nested(obj, "price", "withVat"), nested(obj, "price", "withoutVat"),
        nested(obj, "paymentMethod", "name"),
        nested(obj, "shipping", "name"), nested(obj, "source", "name"), len(item_rows),
        content_hash(order_json, *item_jsons), order_json.decode(),
    )
    return OrderRecord(code, created, changed, row, item_rows)


def _items_of(obj: dict) -> list[dict]:
    items = obj.pop("items", None) or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise RecordError("field 'items' is not a list of objects")
    return items


def map_credit_note(obj: dict) -> CreditNoteRecord:
    """A credit note (dobropis): its lines' amounts and prices are negative as Shoptet gives them; a line without
    an `itemId` is known by its position."""
    code = str(require(obj, "code"))
    parse_time(require(obj, "creationTime"), "creationTime")
    changed = parse_time(obj.get("changeTime"), "changeTime")
    items = _items_of(obj)
    item_jsons = [orjson.dumps(item) for item in items]
    item_rows = [(code, item.get("itemId") or position, position, item.get("itemType") or "product",
                  item.get("code"), item.get("name"), item.get("amount"), nested(item, "unitPrice", "withVat"),
                  nested(item, "itemPrice", "withVat"), nested(item, "itemPrice", "withoutVat"), item_json.decode())
                 for position, (item, item_json) in enumerate(zip(items, item_jsons, strict=True), start=1)]
    note_json = orjson.dumps(obj)
    order_code = obj.get("orderCode")
    row = (code, str(order_code) if order_code is not None else None, obj["creationTime"], obj.get("changeTime"),
           obj.get("isValid"), nested(obj, "price", "currencyCode"), nested(obj, "price", "exchangeRate"),
           nested(obj, "price", "withVat"), content_hash(note_json, *item_jsons), note_json.decode())
    return CreditNoteRecord(code, changed, row, item_rows)


def main_account(obj: dict) -> dict:
    """The account Shoptet marks as main (e-mail and phone live only on accounts)."""
    accounts = [a for a in (obj.get("accounts") or []) if isinstance(a, dict)]
    return next((a for a in accounts if a.get("mainAccount")), accounts[0] if accounts else {})


def map_customer(obj: dict) -> CustomerRecord:
    guid = str(require(obj, "guid"))
    parse_time(obj.get("creationTime"), "creationTime")
    changed = parse_time(obj.get("changeTime"), "changeTime")
    account = main_account(obj)
    billing = obj.get("billingAddress") or {}
    email = account.get("email")
    customer_json = orjson.dumps(obj)
    row = (
        guid, email.lower() if isinstance(email, str) else None, account.get("phone"),
        billing.get("fullName") or account.get("fullName"), billing.get("company"),
        nested(obj, "customerGroup", "name"), obj.get("creationTime"), obj.get("changeTime"),
        content_hash(customer_json), customer_json.decode(),
    )
    return CustomerRecord(guid, changed, row)


def product_mapper(*, is_default: bool) -> Callable[[dict], ProductRecord]:
    """Products in one language (Shoptet's `?language=`): texts always; in the shop's default language also
    the product, its variants and their stock per warehouse (`perStockAmounts`)."""

    def map_product(obj: dict) -> ProductRecord:
        guid = str(require(obj, "guid"))
        changed = parse_time(obj.get("changeTime"), "changeTime")
        text_values = (obj.get("name"), obj.get("shortDescription"), obj.get("description"), obj.get("metaTitle"),
                       obj.get("metaDescription"), obj.get("additionalName"))
        text = (guid, *text_values, obj.get("changeTime"), content_hash(orjson.dumps(text_values)))
        record = ProductRecord(guid, changed, (), text)
        if not is_default:
            return record
        variants = obj.get("variants") or []
        if not isinstance(variants, list):
            raise RecordError("field 'variants' is not a list")
        for variant in variants:
            code = variant.get("code")
            if not code:
                raise RecordError("a variant has no 'code'")
            record.variants.append((
                guid, code, variant.get("ean"), variant.get("name"), variant.get("price"),
                variant.get("currencyCode"), variant.get("stock"), variant.get("visible"),
                orjson.dumps(variant).decode(),
            ))
            for stock in variant.get("perStockAmounts") or []:
                record.stocks.append((code, stock.get("stockId"), stock.get("amount"), stock.get("claim"),
                                      stock.get("location"), stock.get("lastAmountUpdate")))
        product_json = orjson.dumps(obj)
        record.row = (
            guid, obj.get("name"), obj.get("type"), obj.get("visibility"), nested(obj, "brand", "name"),
            nested(obj, "defaultCategory", "name"), obj.get("creationTime"), obj.get("changeTime"),
            content_hash(product_json), product_json.decode(),
        )
        return record

    return map_product


def mapper_for(kind: str, shop, language: str | None = None) -> Callable[[dict], object]:
    """How one Shoptet object of `kind` becomes a record; products in `language` (default: the shop's)."""
    if kind == "orders":
        return map_order
    if kind == "customers":
        return map_customer
    if kind == "products":
        return product_mapper(is_default=(language or shop.default_language) == shop.default_language)
    if kind == "credit_notes":
        return map_credit_note
    raise ValueError(f"Unknown import kind '{kind}': choose orders, customers, products or credit_notes.")
