"""Reads of orders besides the table (app/orders/table.py): its filter choices, the detail, status changes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.orders.models import Order, OrderItem, OrderStatusChange, OrderStatusChangeItem


def known_statuses(session: Session, shop_ids: list[int]) -> list[tuple[int, str]]:
    """The statuses the organization's orders are in, by id: a skip scan over `ix_orders_shop_status_created`
    (one index descent per shop and status, not a scan of millions)."""
    if not shop_ids:
        return []
    rows = session.execute(text("""
        WITH RECURSIVE statuses AS (
            SELECT s.id AS shop_id, (SELECT min(o.status_id) FROM orders o WHERE o.shop_id = s.id) AS status_id
            FROM unnest(CAST(:shops AS bigint[])) AS s(id)
            UNION ALL
            SELECT st.shop_id, (SELECT min(o.status_id) FROM orders o
                                WHERE o.shop_id = st.shop_id AND o.status_id > st.status_id)
            FROM statuses st WHERE st.status_id IS NOT NULL
        )
        SELECT st.status_id, (SELECT o.status_name FROM orders o WHERE o.shop_id = st.shop_id
                              AND o.status_id = st.status_id ORDER BY o.creation_time DESC LIMIT 1)
        FROM statuses st WHERE st.status_id IS NOT NULL
    """), {"shops": list(shop_ids)}).all()
    names: dict[int, str] = {}
    for status_id, name in rows:
        names.setdefault(status_id, name or str(status_id))
    return sorted(names.items())


def recent_values(session: Session, shop_ids: list[int], per_shop: int = 500) -> dict[str, list[str]]:
    """Payment, shipping and source names seen in each shop's latest orders: choices for the filter form,
    cheap at any table size (a bounded walk of `ix_orders_shop_created`)."""
    if not shop_ids:
        return {"payment": [], "shipping": [], "source": []}
    rows = session.execute(text("""
        SELECT array_agg(DISTINCT r.payment_method), array_agg(DISTINCT r.shipping_method),
               array_agg(DISTINCT r.source_name)
        FROM unnest(CAST(:shops AS bigint[])) AS s(id) CROSS JOIN LATERAL (
            SELECT o.payment_method, o.shipping_method, o.source_name FROM orders o
            WHERE o.shop_id = s.id ORDER BY o.creation_time DESC, o.id DESC LIMIT :n) r
    """), {"shops": list(shop_ids), "n": per_shop}).one()
    return {key: sorted(v for v in (values or []) if v) for key, values in zip(("payment", "shipping", "source"),
                                                                               rows, strict=True)}


def order_items(session: Session, order: Order) -> list[OrderItem]:
    """The order's items; the partition key in the filter keeps the read to one monthly partition."""
    return list(session.execute(
        select(OrderItem).where(OrderItem.order_id == order.id,
                                OrderItem.order_created_at == order.creation_time)
        .order_by(OrderItem.position)
    ).scalars())


@dataclass
class StatusHistoryEntry:
    at: datetime
    status_id: int
    status_name: str | None
    previous_status_name: str | None
    outcome: str
    error: str | None
    requested_by: str | None


def status_history(session: Session, order_id: int) -> list[StatusHistoryEntry]:
    """Status changes made from the hub for this order, newest first."""
    from app.auth.models import User

    rows = session.execute(
        select(OrderStatusChange, OrderStatusChangeItem, User.email)
        .join(OrderStatusChangeItem, OrderStatusChangeItem.change_id == OrderStatusChange.id)
        .outerjoin(User, User.id == OrderStatusChange.requested_by_id)
        .where(OrderStatusChangeItem.order_id == order_id)
        .order_by(OrderStatusChange.created_at.desc(), OrderStatusChange.id.desc())
    ).all()
    return [StatusHistoryEntry(change.created_at, change.status_id, change.status_name, item.previous_status_name,
                               item.outcome, item.error, email) for change, item, email in rows]


def status_change_rows(session: Session, change_id: int) -> list:
    """(item, order code, order id) of each order of a status change, by code."""
    return list(session.execute(
        select(OrderStatusChangeItem, Order.code, Order.id)
        .join(Order, Order.id == OrderStatusChangeItem.order_id)
        .where(OrderStatusChangeItem.change_id == change_id).order_by(Order.code)
    ).all())


def pending_status_change_orders(session: Session, change_id: int) -> dict[int, list[tuple[int, str]]]:
    """The orders of a status change still waiting for Shoptet, as (id, code) by shop."""
    rows = session.execute(
        select(Order.shop_id, Order.id, Order.code)
        .join(OrderStatusChangeItem, OrderStatusChangeItem.order_id == Order.id)
        .where(OrderStatusChangeItem.change_id == change_id, OrderStatusChangeItem.outcome == "pending")
        .order_by(Order.shop_id, Order.code)
    ).all()
    by_shop: dict[int, list[tuple[int, str]]] = {}
    for shop_id, order_id, code in rows:
        by_shop.setdefault(shop_id, []).append((order_id, code))
    return by_shop


def orders_by_ids(session: Session, shop_ids: list[int], order_ids: list[int]) -> list[Order]:
    """The organization's orders among `order_ids` (others are silently not there: the caller compares)."""
    if not order_ids or not shop_ids:
        return []
    return list(session.execute(
        select(Order).where(Order.id.in_(order_ids), Order.shop_id.in_(shop_ids), Order.deleted_at.is_(None))
    ).scalars())

