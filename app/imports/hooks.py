"""After orders change: what follows them is refreshed in the same transaction, for exactly those orders.

Customer metrics today; sales rollups, inventory metrics and customer-analytics inputs as they arrive. Each
is a function `(cursor, shop_id, touched_sql, params)` named in ORDERS_CHANGED below (by dotted path, so the
pipeline does not import every feature at start-up). `touched_sql` is a constant query (its values in
`params`) yielding `order_id, customer_guid, creation_time` of every order that was inserted, updated or
deleted in the transaction; the rows in `orders` already hold the new state (a deleted one has `deleted_at`).
Order creation times never change, so the days, customers and items a hook recomputes from those orders are
exactly the ones the change moved.

Callers: the order writer (every import and sync batch), the change feed's deletions, and a status change the
hub pushed to a platform. A hook must be cheap per order touched: it runs inside every import batch.

Each caller holds its shops' orders lock (`lock_orders`) from before its first write of orders to the end of
the transaction, so writers of one shop take turns (a hook decides from what the other committed, e.g. a
customer's first sale) and, taking it before any row lock and several shops in ascending id, never wait for
each other in a circle.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from importlib import import_module

import psycopg

ORDERS_LOCK = 16016  # pg_advisory_xact_lock(ORDERS_LOCK, shop id): the orders of one shop and what follows them

ORDERS_CHANGED = (
    "app.customers.metrics:orders_changed",
    "app.dashboard.rollups:orders_changed",
    "app.inventory.metrics:orders_changed",
    "app.analytics.inputs:orders_changed",
    "app.master.sales:orders_changed",
    "app.inventory.returns:orders_changed",  # the days of the touched orders' credit notes
)
# After credit notes change (a batch, a feed's deletions): the same signature, `touched_sql` yielding the
# `creation_time` of every credit note inserted, updated or deleted; run under the shop's orders lock.
CREDIT_NOTES_CHANGED = ("app.inventory.returns:credit_notes_changed",)


@cache
def _hooks(changed: str = "orders") -> tuple:
    hooks = []
    for path in CREDIT_NOTES_CHANGED if changed == "credit_notes" else ORDERS_CHANGED:
        module, name = path.split(":")
        hooks.append(getattr(import_module(module), name))
    return tuple(hooks)


def orders_changed(cursor: psycopg.Cursor, shop_id: int, touched_sql: str, params: dict | None = None) -> None:
    """Run every hook for the orders `touched_sql` selects (see the module docstring)."""
    for hook in _hooks():
        hook(cursor, shop_id, touched_sql, params or {})


def credit_notes_changed(cursor: psycopg.Cursor, shop_id: int, touched_sql: str, params: dict | None = None) -> None:
    """Run every hook for the credit notes `touched_sql` selects (their `creation_time`)."""
    for hook in _hooks("credit_notes"):
        hook(cursor, shop_id, touched_sql, params or {})


def lock_orders(cursor: psycopg.Cursor, shop_ids: Iterable[int]) -> None:
    """Hold the shops' orders lock until the transaction ends (before writing their orders; ascending ids)."""
    for shop_id in sorted(set(shop_ids)):
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", (ORDERS_LOCK, shop_id))
