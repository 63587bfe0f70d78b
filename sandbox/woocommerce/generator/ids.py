"""Id schemes: ids are ints, not contiguous, and never collide between kinds.

WordPress keeps products, variations, images, refunds and (with HPOS) placeholder
posts for orders in one auto-increment sequence, so real ids have gaps; the
formulas below mimic that and are invertible, so an id finds its record without
a lookup table.  Records created at run time take ids from `first_free_post_id`.
"""

from __future__ import annotations

from sandbox.formats import mix

ADMIN_USER_ID = 1
CATEGORY_BASE = 15
PRODUCT_BASE = 1000
PRODUCT_STRIDE = 16  # a product's variations take the ids right after it
IMAGE_BASE = 100_000
ORDER_BASE = 200_000
ORDER_STRIDE = 4  # order id, then up to two refund ids (+2, +3)
ITEM_STRIDE = 16  # order item ids (their own table): 16 per order


def product_id(p: int) -> int:
    return PRODUCT_BASE + PRODUCT_STRIDE * p


def variation_id(p: int, k: int) -> int:
    return product_id(p) + 1 + k


def image_id(p: int, k: int) -> int:
    return IMAGE_BASE + 8 * p + k


def customer_id(j: int) -> int:
    return ADMIN_USER_ID + 1 + j


def customer_index(cid: int, n: int) -> int | None:
    j = cid - ADMIN_USER_ID - 1
    return j if 0 <= j < n else None


class OrderIds:
    def __init__(self, seed: int, n: int):
        self.seed = seed
        self.n = n

    def id(self, i: int) -> int:
        return ORDER_BASE + ORDER_STRIDE * i + (mix(self.seed, 0x0D, i) & 1)

    def index(self, oid: int) -> int | None:
        i = (oid - ORDER_BASE) // ORDER_STRIDE
        return i if 0 <= i < self.n and self.id(i) == oid else None

    def refund_id(self, i: int, k: int) -> int:
        return ORDER_BASE + ORDER_STRIDE * i + 2 + k

    @staticmethod
    def item_id(i: int, k: int) -> int:
        return 1 + ITEM_STRIDE * i + k

    def first_free_post_id(self) -> int:
        return ORDER_BASE + ORDER_STRIDE * self.n + 10
