"""Writes of the orders: status changes. They flush; the route or the job commits, and the job is enqueued only
once the rows it carries are committed."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

import orjson
from flask import current_app
from sqlalchemy import cast, literal, select, update
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Session

from app.db import run_after_commit
from app.imports.hooks import lock_orders, orders_changed
from app.orders.models import Order, OrderStatusChange, OrderStatusChangeItem
from app.queues import enqueue

MAX_STATUS_CHANGE_ORDERS = 100  # one Shoptet bulk call per shop at most
FINISHED = ("done", "failed")


class StatusChangeRefused(ValueError):
    """A status change the hub will not send (no orders, too many); the message says why."""


def status_change_job_id(change_id: int) -> str:
    return f"order-status-change-{change_id}"


def enqueue_status_change(redis, change_id: int) -> bool:
    """Idempotent: the route after commit and the scheduler's recovery pass may both call it."""
    return enqueue(redis, "orders", "app.orders.tasks.apply_status_change", [change_id],
                   status_change_job_id(change_id))


# --- status changes ------------------------------------------------------------------------------------------

def request_status_change(session: Session, org_id: int, user_id: int | None, orders: Sequence[Order],
                          status_id: int, status_name: str | None) -> OrderStatusChange:
    """Record the change (one row per order, with its status before) and send it to Shoptet through a job."""
    if not orders:
        raise StatusChangeRefused("Choose at least one order.")
    if len(orders) > MAX_STATUS_CHANGE_ORDERS:
        raise StatusChangeRefused(f"At most {MAX_STATUS_CHANGE_ORDERS} orders at once; {len(orders)} were chosen.")
    change = OrderStatusChange(organization_id=org_id, requested_by_id=user_id, status_id=status_id,
                               status_name=status_name, status="queued")
    session.add(change)
    session.flush()
    session.add_all(
        OrderStatusChangeItem(change_id=change.id, order_id=order.id, previous_status_id=order.status_id,
                              previous_status_name=order.status_name, outcome="pending")
        for order in orders
    )
    session.flush()
    change_id = change.id
    run_after_commit(session, lambda: enqueue_status_change(current_app.extensions["redis"], change_id))
    return change


def record_status_outcomes(session: Session, change_id: int, changed: Sequence[int],
                           failed: dict[int, str], *, status: str | None = None) -> None:
    """Store each order's outcome; orders the platform changed get the new status locally (`status`: the hub's
    normalized name of it), in `raw` as well."""
    change = session.get(OrderStatusChange, change_id)
    if changed:
        ids = list(changed)
        shops = session.execute(select(Order.shop_id).where(Order.id.in_(ids)).distinct()).scalars().all()
        lock_orders(session.connection().connection.driver_connection.cursor(), shops)  # before the rows
        new_status = {"id": change.status_id, "name": change.status_name}
        session.execute(
            update(Order).where(Order.id.in_(ids)).values(
                status_id=change.status_id, status_name=change.status_name, status=status,
                raw=Order.raw.op("||")(_jsonb({"status": new_status})),
            ).execution_options(synchronize_session=False)
        )
        session.execute(
            update(OrderStatusChangeItem)
            .where(OrderStatusChangeItem.change_id == change.id, OrderStatusChangeItem.order_id.in_(ids))
            .values(outcome="changed", error=None)
        )
        _orders_changed(session, ids, shops)
    for order_id, error in failed.items():
        session.execute(
            update(OrderStatusChangeItem)
            .where(OrderStatusChangeItem.change_id == change.id, OrderStatusChangeItem.order_id == order_id)
            .values(outcome="failed", error=error[:2000])
        )
    session.flush()


def _orders_changed(session: Session, order_ids: list[int], shops: list[int]) -> None:
    """What follows the orders (metrics, rollups) moves with the new status now, not at the next sync."""
    cursor = session.connection().connection.driver_connection.cursor()
    for shop_id in sorted(shops):
        orders_changed(cursor, shop_id, "SELECT id AS order_id, customer_guid, creation_time FROM orders "
                       "WHERE id = ANY(%(changed_orders)s) AND shop_id = %(shop_id)s", {"changed_orders": order_ids})


def finish_status_change(session: Session, change: OrderStatusChange, error: str | None = None) -> None:
    failed = session.execute(
        select(OrderStatusChangeItem.order_id)
        .where(OrderStatusChangeItem.change_id == change.id, OrderStatusChangeItem.outcome != "changed")
    ).scalars().all()
    change.status = "failed" if error or failed else "done"
    change.error = error or (f"{len(failed)} order(s) were not changed." if failed else None)
    change.finished_at = datetime.now(UTC)
    session.flush()


def _jsonb(value: dict):
    return cast(literal(orjson.dumps(value).decode()), JSONB)
