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
"""

from __future__ import annotations

from functools import cache
from importlib import import_module

import psycopg

ORDERS_CHANGED = (
    "app.customers.metrics:orders_changed",
    "app.dashboard.rollups:orders_changed",
    "app.inventory.metrics:orders_changed",
    "app.analytics.inputs:orders_changed",
    "app.master.sales:orders_changed",
)


@cache
def _hooks() -> tuple:
    hooks = []
    for path in ORDERS_CHANGED:
        module, name = path.split(":")
        hooks.append(getattr(import_module(module), name))
    return tuple(hooks)


def orders_changed(cursor: psycopg.Cursor, shop_id: int, touched_sql: str, params: dict | None = None) -> None:
    """Run every hook for the orders `touched_sql` selects (see the module docstring)."""
    for hook in _hooks():
        hook(cursor, shop_id, touched_sql, params or {})
