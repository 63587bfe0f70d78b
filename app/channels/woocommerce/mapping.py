"""WooCommerce JSON → the hub's records (app/imports/records.py), one function per kind.

The same mapping serves the full import, the change feed and any later read, so a record hashes alike
whichever way it came: `_links` (which carry the address the API was asked at) is dropped first. Dates are
the `*_gmt` twins (UTC without an offset). An order's line, shipping and fee lines are its items, each kept
whole in its `raw`. Keys: an order's code and a customer's or product's guid are WooCommerce's ids (an
order's `number` can differ from its id with numbering plugins; it stays in `raw`); a variant's code is its
SKU (`woo-<id>` without one), so a store selling the Shoptet shops' SKUs lines up with them.

Guests: an order with `customer_id` 0 has no WooCommerce customer. Its customer in the hub is derived from
the billing e-mail (guid `guest:<e-mail>`, group `guest`, `raw.guest` true), as one person buying twice
as a guest is one customer; the order writer upserts it with the order (`OrderRecord.customer`).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation

import orjson

from app.channels.woocommerce import statuses
from app.imports.records import (
    CustomerRecord,
    OrderRecord,
    ProductRecord,
    RecordError,
    content_hash,
    parse_time,
    require,
)

GUEST_PREFIX = "guest:"
GUEST_GROUP = "guest"
STOCK_ID = 1  # WooCommerce keeps one stock quantity per product or variation: one warehouse


def gmt(value: str | None) -> str | None:
    """WooCommerce's `*_gmt` (UTC, no offset) as ISO text with the offset."""
    return f"{value}+00:00" if value else None


def _time(obj: dict, key: str):
    return parse_time(gmt(obj.get(key)), key)


def _money(value) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise RecordError(f"not an amount: {value!r}") from None


def _name(person: dict) -> str | None:
    full = " ".join(part for part in (person.get("first_name"), person.get("last_name")) if part)
    return full or None


def _item(code: str, position: int, kind: str, line: dict, line_json: bytes) -> tuple:
    if line.get("id") is None:
        raise RecordError(f"{kind} line {position} has no 'id'")
    net, tax = _money(line.get("total")) or Decimal(0), _money(line.get("total_tax")) or Decimal(0)
    gross = net + tax
    quantity = Decimal(str(line.get("quantity") or 1)) if kind == "product" else Decimal(1)
    product_id = line.get("variation_id") or line.get("product_id")
    vat_rate = (tax * 100 / net).quantize(Decimal("0.01")) if net else None
    name = line.get("name") if kind != "shipping" else line.get("method_title")
    variant = None
    if kind == "product" and line.get("parent_name"):
        variant = (line.get("name") or "").removeprefix(f"{line['parent_name']} - ") or None
        name = line["parent_name"]
    return (
        code, line["id"], position, kind, str(product_id) if product_id else None, line.get("sku") or None,
        line.get("global_unique_id") or None, name, variant, quantity,
        (gross / quantity).quantize(Decimal("0.01")) if quantity else None, gross, net, vat_rate,
        line_json.decode(),
    )


def map_order(obj: dict, *, currency: str) -> OrderRecord:
    """An order; `currency` is the shop's base currency (an order in it has the exchange rate 1)."""
    obj.pop("_links", None)
    code = str(require(obj, "id"))
    created = _time(obj, "date_created_gmt")
    if created is None:
        raise RecordError("missing required field 'date_created_gmt'")
    changed = _time(obj, "date_modified_gmt")
    lines = []
    for key, kind in (("line_items", "product"), ("shipping_lines", "shipping"), ("fee_lines", "fee")):
        listed = obj.pop(key, None) or []
        if not isinstance(listed, list) or not all(isinstance(line, dict) for line in listed):
            raise RecordError(f"field '{key}' is not a list of objects")
        lines.extend((kind, line) for line in listed)
    item_jsons = [orjson.dumps(line) for _, line in lines]
    items = [_item(code, position, kind, line, line_json)
             for position, ((kind, line), line_json) in enumerate(zip(lines, item_jsons, strict=True), start=1)]
    billing = obj.get("billing") if isinstance(obj.get("billing"), dict) else {}
    email = (billing.get("email") or "").strip().lower() or None
    slug = str(obj.get("status") or "pending")
    number = statuses.status_id(slug)
    customer_id = obj.get("customer_id") or 0
    customer = None
    if customer_id:
        customer_guid = str(customer_id)
    elif email:
        customer_guid = GUEST_PREFIX + email
        customer = guest_customer(email, billing, obj)
    else:
        customer_guid = None
    order_currency = (obj.get("currency") or currency or "").upper() or None
    total, tax = _money(obj.get("total")), _money(obj.get("total_tax")) or Decimal(0)
    shipping = obj.get("shipping_lines") or [line for kind, line in lines if kind == "shipping"]
    order_json = orjson.dumps(obj)
    row = (
        code, obj.get("order_key"), gmt(obj.get("date_created_gmt")), gmt(obj.get("date_modified_gmt")), number,
        slug, statuses.normalized_status(number, slug), bool(obj.get("date_paid_gmt")), email,
        billing.get("phone") or None, _name(billing), billing.get("company") or None, customer_guid,
        order_currency, Decimal(1) if order_currency == currency else None, total,
        total - tax if total is not None else None, obj.get("payment_method_title") or None,
        (shipping[0].get("method_title") if shipping else None), obj.get("created_via") or None, len(items),
        content_hash(order_json, *item_jsons), order_json.decode(),
    )
    record = OrderRecord(code, created, changed, row, items)
    record.customer = customer
    return record


def guest_customer(email: str, billing: dict, order: dict) -> CustomerRecord:
    """The hub's customer of a guest's order, from its billing details (the newest order's win)."""
    raw = {"guest": True, "email": email, "billing": billing}
    raw_json = orjson.dumps(raw)
    row = (GUEST_PREFIX + email, email, billing.get("phone") or None, _name(billing), billing.get("company") or None,
           GUEST_GROUP, gmt(order.get("date_created_gmt")), gmt(order.get("date_modified_gmt")),
           content_hash(raw_json), raw_json.decode())
    return CustomerRecord(GUEST_PREFIX + email, _time(order, "date_modified_gmt"), row)


def map_customer(obj: dict) -> CustomerRecord:
    obj.pop("_links", None)
    guid = str(require(obj, "id"))
    _time(obj, "date_created_gmt")
    changed = _time(obj, "date_modified_gmt")
    billing = obj.get("billing") if isinstance(obj.get("billing"), dict) else {}
    email = (obj.get("email") or billing.get("email") or "").strip().lower() or None
    customer_json = orjson.dumps(obj)
    row = (
        guid, email, billing.get("phone") or None, _name(obj) or _name(billing), billing.get("company") or None,
        obj.get("role") or None, gmt(obj.get("date_created_gmt")), gmt(obj.get("date_modified_gmt")),
        content_hash(customer_json), customer_json.decode(),
    )
    return CustomerRecord(guid, changed, row)


def variant_code(item: dict) -> str:
    return str(item.get("sku") or f"woo-{item['id']}")


def map_product(obj: dict, *, currency: str) -> ProductRecord:
    """A product with its variations (the reader puts them under `_variations`; a simple product is its own
    one variant). One language: WooCommerce's REST API has no translations."""
    variations = obj.pop("_variations", None) or []
    obj.pop("_links", None)
    for variation in variations:
        variation.pop("_links", None)
    guid = str(require(obj, "id"))
    changed = _time(obj, "date_modified_gmt")
    text_values = (obj.get("name"), obj.get("short_description"), obj.get("description"), None, None, None)
    text = (guid, *text_values, gmt(obj.get("date_modified_gmt")), content_hash(orjson.dumps(text_values)))
    record = ProductRecord(guid, changed, (), text)
    sellable = variations if obj.get("type") == "variable" else [obj] if obj.get("type") != "grouped" else []
    for item in sellable:
        code = variant_code(item)
        if item is obj:
            name = None
        else:
            name = ", ".join(str(a.get("option")) for a in item.get("attributes") or [] if isinstance(a, dict)) or None
        record.variants.append((
            guid, code, item.get("global_unique_id") or None, name, _money(item.get("price")), currency,
            item.get("stock_quantity") if item.get("manage_stock") else None,
            item.get("status", "publish") == "publish" and obj.get("status") == "publish",
            orjson.dumps(item if item is not obj else {k: v for k, v in obj.items() if k != "description"}).decode(),
        ))
        if item.get("manage_stock") and item.get("stock_quantity") is not None:
            record.stocks.append((code, STOCK_ID, item["stock_quantity"], None, None,
                                  gmt(item.get("date_modified_gmt"))))
    product_json = orjson.dumps(obj)
    categories = obj.get("categories") or []
    record.row = (
        guid, obj.get("name"), obj.get("type"), obj.get("catalog_visibility") or obj.get("status"), None,
        categories[0].get("name") if categories and isinstance(categories[0], dict) else None,
        gmt(obj.get("date_created_gmt")), gmt(obj.get("date_modified_gmt")),
        content_hash(product_json, *(orjson.dumps(v) for v in variations)), product_json.decode(),
    )
    return record


def mapper_for(kind: str, shop, language: str | None = None) -> Callable[[dict], object]:
    currency = (shop.currency or "").upper()
    if kind == "orders":
        return lambda obj: map_order(obj, currency=currency)
    if kind == "customers":
        return map_customer
    if kind == "products":
        return lambda obj: map_product(obj, currency=currency)
    raise ValueError(f"Unknown import kind '{kind}': choose orders, customers or products.")
