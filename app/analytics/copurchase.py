"""Bought together: pairs of products in the same orders, with support, confidence and lift.

Over the shop's counting orders (not cancelled, refunded or failed) and their product lines (each product
once per order). For products A and B: support = orders with both / all orders with products;
confidence(A → B) = orders with both / orders with A; lift = confidence(A → B) / (orders with B / all).
A pair is kept when its support reaches the shop's setting `bought_together_min_support` (in 1/10 000 of
orders) and at least 2 orders have both. Both directions are stored, so a product's list is one index range.

Counted in memory, not by a self-join in SQL: the shop's product lines stream once into an orders × products
0/1 sparse matrix X (scipy), and XᵀX holds every pair's orders in common (its diagonal: each product's
orders). The SQL self-join made ~16 pair rows per order and hash-aggregated them on text keys (a minute per
140 k orders); the matrix product takes about a second. It is taken in blocks of products, so memory stays
bounded by the block, not by the number of distinct pairs.
"""

from __future__ import annotations

import math
from array import array

import numpy as np
from scipy import sparse
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.settings.cache import settings_cache

LINES = """
SELECT i.order_id, i.product_guid, i.name
FROM order_items i JOIN orders o ON o.id = i.order_id
WHERE i.shop_id = %(shop)s AND o.shop_id = %(shop)s AND i.product_guid IS NOT NULL AND i.item_type = 'product'
  AND o.deleted_at IS NULL AND (o.status IS NULL OR o.status NOT IN ('cancelled', 'refunded', 'failed'))
"""
FETCH = 100_000
BLOCK = 4_000  # products per block of XᵀX


def min_orders(session: Session, shop, orders_with_products: int) -> int:
    """Orders a pair needs: the shop's minimum support of its orders, and never fewer than 2."""
    basis = settings_cache().values(session, shop.organization_id, shop.id)["bought_together_min_support"]
    return max(2, math.ceil(orders_with_products * basis / 10_000))


class Baskets:
    """The shop's orders × products 0/1 matrix, the products' guids and names (the greatest name seen)."""

    def __init__(self, session: Session, shop_id: int):
        codes: dict[str, int] = {}
        self.guids: list[str] = []
        self.names: list[str | None] = []
        orders, products = array("q"), array("q")
        connection = session.connection().connection.driver_connection
        with connection.cursor(name=f"baskets_{shop_id}") as cursor:
            cursor.itersize = FETCH
            cursor.execute(LINES, {"shop": shop_id})
            while rows := cursor.fetchmany(FETCH):
                for order_id, guid, name in rows:
                    code = codes.get(guid)
                    if code is None:
                        code = codes[guid] = len(self.guids)
                        self.guids.append(guid)
                        self.names.append(name)
                    elif name is not None and (self.names[code] is None or name > self.names[code]):
                        self.names[code] = name
                    orders.append(order_id)
                    products.append(code)
        order_ids = np.frombuffer(orders, dtype=np.int64)
        _ids, rows = np.unique(order_ids, return_inverse=True)
        self.orders = len(_ids)
        matrix = sparse.csc_matrix((np.ones(len(rows), dtype=np.int32), (rows, np.frombuffer(products, np.int64))),
                                   shape=(self.orders, len(self.guids)))
        matrix.sum_duplicates()
        matrix.data[:] = 1  # a product twice in one order counts once
        self.matrix = matrix
        self.per_product = np.asarray(matrix.sum(axis=0)).ravel()

    def pairs(self, least: int):
        """(product, other, orders with both) of every directed pair with at least `least` orders, by blocks."""
        transposed = self.matrix.T.tocsr()
        for start in range(0, len(self.guids), BLOCK):
            block = (transposed @ self.matrix[:, start:start + BLOCK]).tocoo()
            others = block.col + start
            keep = (block.row != others) & (block.data >= least)
            yield block.row[keep], others[keep], block.data[keep]


def count_pairs(session: Session, shop) -> tuple[Baskets, list]:
    """Read the shop's baskets and count their pairs (reads only: no lock is held meanwhile)."""
    baskets = Baskets(session, shop.id)
    least = min_orders(session, shop, baskets.orders) if baskets.orders else 2
    return baskets, list(baskets.pairs(least)) if baskets.orders else []


def store_pairs(session: Session, shop_id: int, baskets: Baskets, blocks: list) -> int:
    """Replace the shop's pairs with the counted ones; returns how many (directed) pairs were stored."""
    session.execute(text("DELETE FROM product_pairs WHERE shop_id = :shop"), {"shop": shop_id})
    total, stored = float(baskets.orders), 0
    connection = session.connection().connection.driver_connection
    with connection.cursor() as cursor, cursor.copy(
            "COPY product_pairs (shop_id, product_guid, other_guid, other_name, orders_both, support, confidence,"
            " lift) FROM STDIN") as copy:
        for product, other, both in blocks:
            confidence = both / baskets.per_product[product]
            lift = confidence / (baskets.per_product[other] / total)
            for a, b, n, c, lf in zip(product.tolist(), other.tolist(), both.tolist(), confidence.tolist(),
                                      lift.tolist(), strict=True):
                name = baskets.names[b]
                copy.write_row((shop_id, baskets.guids[a], baskets.guids[b], name[:300] if name else None, n,
                                n / total, c, lf))
            stored += len(product)
    return stored


def refresh_pairs(session: Session, shop) -> int:
    """Count and replace the shop's pairs in one go; returns how many (directed) pairs were stored."""
    return store_pairs(session, shop.id, *count_pairs(session, shop))
