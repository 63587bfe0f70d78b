"""The hub's rows as a platform hands them to the pipeline: one record type per kind, platform-neutral.

A channel maps each of its records (a Shoptet snapshot line, later a WooCommerce REST object) onto these:
row tuples in the column order below (tuples, not objects: COPY writes them as they are, and an import
builds millions of them), plus the platform's whole JSON in `raw`. `content_hash` over that JSON and the
change time decide whether an incoming version changes anything (app/imports/writers/).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

# `orders`: `status_id`/`status_name` are the platform's own status, `status` the hub's normalized one
# (ORDER_STATUSES); `exchange_rate` is the platform's rate of the order's currency on the order's day, as
# base-currency units per unit of it (1 for an order in the shop's base currency; None if the platform gives
# none: counted as 1); times may be ISO text (COPY parses them) or datetimes.
ORDER_COLUMNS = (
    "code", "guid", "creation_time", "change_time", "status_id", "status_name", "status", "paid", "email", "phone",
    "full_name", "company", "customer_guid", "currency", "exchange_rate", "total_with_vat", "total_without_vat",
    "payment_method", "shipping_method", "source_name", "item_count", "content_hash", "raw",
)
# `order_items`, keyed by the order's code until the writer knows the order's id.
ITEM_COLUMNS = (
    "order_code", "item_id", "position", "item_type", "product_guid", "code", "ean", "name", "variant_name",
    "amount", "unit_price_with_vat", "total_with_vat", "total_without_vat", "vat_rate", "raw",
)
CUSTOMER_COLUMNS = ("guid", "email", "phone", "full_name", "company", "customer_group", "creation_time",
                    "change_time", "content_hash", "raw")
PRODUCT_COLUMNS = ("guid", "name", "type", "visibility", "brand", "default_category", "creation_time",
                   "change_time", "content_hash", "raw")
VARIANT_COLUMNS = ("product_guid", "code", "ean", "name", "price", "currency", "stock", "visible", "raw")
VARIANT_STOCK_COLUMNS = ("variant_code", "stock_id", "amount", "claim", "location", "change_time")
# One language's texts of a product; `content_hash` over the texts alone.
TEXT_COLUMNS = ("product_guid", "name", "short_description", "description", "meta_title", "meta_description",
                "additional_name", "change_time", "content_hash")

# `credit_notes`: a shop's refund of (part of) an order, known by its own code and the order's; amounts and prices
# of its lines signed as the platform gives them (Shoptet: negative), keyed by the credit note's code until the
# writer knows its id.
CREDIT_NOTE_COLUMNS = ("code", "order_code", "creation_time", "change_time", "is_valid", "currency",
                       "exchange_rate", "total_with_vat", "content_hash", "raw")
CREDIT_NOTE_ITEM_COLUMNS = ("credit_note_code", "item_id", "position", "item_type", "code", "name", "amount",
                            "unit_price_with_vat", "total_with_vat", "total_without_vat", "raw")

# The hub's order statuses, whatever the platform calls its own (a channel maps them: `status`).
ORDER_STATUSES = ("new", "processing", "completed", "cancelled", "refunded", "failed", "on_hold")


@dataclass(slots=True)
class OrderRecord:
    code: str
    created: datetime  # picks the order_items partition
    changed: datetime | None
    row: tuple  # ORDER_COLUMNS
    items: list[tuple]  # ITEM_COLUMNS
    # A customer the platform does not list itself, derived from the order (WooCommerce's guests: from the
    # billing e-mail); written with the order, before what follows orders (metrics) runs.
    customer: CustomerRecord | None = None


@dataclass(slots=True)
class CustomerRecord:
    guid: str
    changed: datetime | None
    row: tuple  # CUSTOMER_COLUMNS


@dataclass(slots=True)
class ProductRecord:
    """A product in one language: the default language brings the product, its variants and stock (`row`,
    `variants`, `stocks`); any language brings its texts (`text`)."""

    guid: str
    changed: datetime | None
    row: tuple  # PRODUCT_COLUMNS; empty for a language other than the shop's default
    text: tuple  # TEXT_COLUMNS
    variants: list[tuple] = field(default_factory=list)  # VARIANT_COLUMNS
    stocks: list[tuple] = field(default_factory=list)  # VARIANT_STOCK_COLUMNS


@dataclass(slots=True)
class CreditNoteRecord:
    code: str
    changed: datetime | None
    row: tuple  # CREDIT_NOTE_COLUMNS
    items: list[tuple]  # CREDIT_NOTE_ITEM_COLUMNS


@dataclass(slots=True)
class BadRecord:
    """Something a source could not turn into a record: kept with its number (line, or position in the
    listing) so a person can look at it, while the rest of the import goes on."""

    number: int
    error: str
    raw: bytes


class RecordError(ValueError):
    """A record that parsed but cannot be imported; the message names the field."""


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: Counts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged


# --- helpers for a channel's mapping ---------------------------------------------------------------------

def content_hash(*parts: bytes) -> bytes:
    """Identity of an entity's content, over its canonical JSON (orjson of the parsed object), so the same
    entity from a full import and from the change feed hashes alike; equal hash = nothing to write."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part)
        digest.update(b"\n")
    return digest.digest()


def require(obj: dict, key: str) -> Any:
    value = obj.get(key)
    if value is None or value == "":
        raise RecordError(f"missing required field '{key}'")
    return value


def parse_time(value: str | None, field_name: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except (TypeError, ValueError):
        raise RecordError(f"field '{field_name}' is not a date-time: {value!r}") from None


def nested(obj: dict, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj
