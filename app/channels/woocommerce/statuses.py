"""WooCommerce order statuses ↔ the hub's status columns.

WooCommerce names statuses by slug (`processing`, `on-hold`; plugins add their own, API_NOTES §5); the
hub's `orders.status_id` is a number, so each slug gets a stable one: WooCommerce's core statuses a fixed
number in a range of their own (900001…), any other slug a number from its CRC-32 (1000000000 + …), the
same in every process and every store. `status_name` keeps the slug itself, WooCommerce's own status,
shown and filtered on. The normalized status: pending (awaiting payment) and checkout-draft are new,
on-hold is on_hold, trash is cancelled, the rest by their name; a plugin's own status is processing (an
open order in a state of the merchant's own).
"""

from __future__ import annotations

import zlib

CORE = ("pending", "processing", "on-hold", "completed", "cancelled", "refunded", "failed", "checkout-draft",
        "trash")
CORE_IDS = {slug: 900_001 + position for position, slug in enumerate(CORE)}
SLUG_OF_CORE_ID = {number: slug for slug, number in CORE_IDS.items()}
NORMALIZED = {"pending": "new", "checkout-draft": "new", "processing": "processing", "on-hold": "on_hold",
              "completed": "completed", "cancelled": "cancelled", "refunded": "refunded", "failed": "failed",
              "trash": "cancelled"}


def status_id(slug: str) -> int:
    slug = slug.removeprefix("wc-")
    if slug in CORE_IDS:
        return CORE_IDS[slug]
    return 1_000_000_000 + zlib.crc32(slug.encode()) % 1_000_000_000


def slug_of(number: int, known_name: str | None = None) -> str | None:
    """The slug of a status number: a core one, or the name the hub saw with it (a plugin's own)."""
    if number in SLUG_OF_CORE_ID:
        return SLUG_OF_CORE_ID[number]
    if known_name and status_id(known_name) == number:
        return known_name
    return None


def normalized_status(number: int | None, name: str | None) -> str:
    slug = name.removeprefix("wc-") if name else SLUG_OF_CORE_ID.get(number or 0)
    return NORMALIZED.get(slug or "", "processing")
