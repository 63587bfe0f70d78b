"""Reads of orders: the keyset table, its filters and search, the detail, and the export's batches.

Index behind each read (migration 0003):
- newest / oldest, date range: `ix_orders_shop_created (shop_id, creation_time, id)`, one branch per shop;
- a status filter under newest / oldest: `ix_orders_shop_status_created (shop_id, status_id, creation_time,
  id)`, one branch per (shop, status);
- highest total, total range: `ix_orders_shop_total (shop_id, total_with_vat, id)`;
- search: first a bounded walk of the sort index above; where the term is rare, `ix_orders_shop_code_prefix`,
  `ix_orders_shop_email_prefix` (prefixes, pattern ops), `ix_orders_shop_name_trgm`, `ix_orders_shop_phone_trgm`
  (substrings: pg_trgm with shop_id through btree_gin) in a BitmapOr (see app/orders/keyset.py);
- a customer's orders: `ix_orders_shop_customer_created (shop_id, customer_guid, creation_time, id)`.
Other filters (paid, methods, source) are checked on the rows the index scan walks.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select, text
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from app.orders import filters as f
from app.orders.keyset import Cursor, Page, Sort, estimated_rows, keyset_page, parse_decimal
from app.orders.models import Order, OrderItem, OrderStatusChange, OrderStatusChangeItem

TABLE = "orders"

SORTS: dict[str, Sort] = {
    sort.key: sort
    for sort in (
        Sort("newest", "Newest", Order.creation_time, descending=True, parse=datetime.fromisoformat),
        Sort("oldest", "Oldest", Order.creation_time, descending=False, parse=datetime.fromisoformat),
        Sort("total", "Highest total", Order.total_with_vat, descending=True, parse=parse_decimal, nullable=True),
    )
}

# Column key → heading; the table shows the chosen ones, the export all of them.
COLUMNS: dict[str, str] = {
    "code": "Order", "created": "Created", "shop": "Shop", "status": "Status", "paid": "Paid",
    "customer": "Customer", "email": "E-mail", "phone": "Phone", "total": "Total", "payment": "Payment",
    "shipping": "Shipping", "source": "Source", "items": "Items",
}
DEFAULT_COLUMNS = ("code", "created", "shop", "status", "paid", "customer", "total")

# What a table row needs; never `raw` (kilobytes per order).
ROW_COLUMNS = (
    Order.id, Order.shop_id, Order.code, Order.creation_time, Order.status_id, Order.status_name, Order.paid,
    Order.email, Order.phone, Order.full_name, Order.company, Order.currency, Order.total_with_vat,
    Order.payment_method, Order.shipping_method, Order.source_name, Order.item_count,
)

MAX_STATUS_BRANCHES = 8  # beyond this many statuses, one branch per shop and the status as a row filter
PHONE_PUNCTUATION = re.compile(r"[\s\-()/.]")


@dataclass
class OrderFilters(f.TableState):
    shop: int | None = None
    status: list[int] = field(default_factory=list)
    paid: bool | None = None
    created_from: date | None = None
    created_to: date | None = None
    total_min: Decimal | None = None
    total_max: Decimal | None = None
    payment: str | None = None
    shipping: str | None = None
    source: str | None = None

    DEFAULT_SORT: ClassVar[str] = "newest"
    DEFAULT_COLUMNS: ClassVar[tuple[str, ...]] = DEFAULT_COLUMNS

    @classmethod
    def from_args(cls, args: MultiDict, shop_ids: list[int]) -> OrderFilters:
        return cls(
            q=f.text_arg(args, "q", f.MAX_SEARCH_LENGTH),
            sort=f.choice_arg(args, "sort", SORTS, cls.DEFAULT_SORT),
            columns=f.columns_arg(args, COLUMNS, cls.DEFAULT_COLUMNS),
            shop=f.shop_arg(args, shop_ids),
            status=f.int_list_arg(args, "status"),
            paid=f.yes_no_arg(args, "paid"),
            created_from=f.date_arg(args, "created_from"),
            created_to=f.date_arg(args, "created_to"),
            total_min=f.decimal_arg(args, "total_min"),
            total_max=f.decimal_arg(args, "total_max"),
            payment=f.text_arg(args, "payment"),
            shipping=f.text_arg(args, "shipping"),
            source=f.text_arg(args, "source"),
        )


def like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search_condition(q: str) -> ColumnElement:
    """Order code or e-mail starting with `q`, or name or phone containing it (from 3 characters)."""
    prefix = like_escape(q)
    parts = [Order.code.like(prefix + "%"), Order.email.like(prefix.lower() + "%")]
    if len(q) >= 3:
        parts.append(Order.full_name.ilike(f"%{prefix}%"))
        digits = PHONE_PUNCTUATION.sub("", q)
        if len(digits) >= 3 and digits.lstrip("+").isdigit():
            parts.append(Order.phone.like(f"%{like_escape(digits)}%"))
    return or_(*parts)


def conditions(filters: OrderFilters, zone: ZoneInfo, *, status_as_branches: bool) -> list[ColumnElement]:
    where: list[ColumnElement] = [Order.deleted_at.is_(None)]
    if filters.status and not status_as_branches:
        where.append(Order.status_id.in_(filters.status))
    if filters.paid is not None:
        where.append(Order.paid.is_(filters.paid))
    if filters.created_from:
        where.append(Order.creation_time >= f.day_start(filters.created_from, zone))
    if filters.created_to:
        where.append(Order.creation_time < f.day_end(filters.created_to, zone))
    if filters.total_min is not None:
        where.append(Order.total_with_vat >= filters.total_min)
    if filters.total_max is not None:
        where.append(Order.total_with_vat <= filters.total_max)
    for column, value in ((Order.payment_method, filters.payment), (Order.shipping_method, filters.shipping),
                          (Order.source_name, filters.source)):
        if value:
            where.append(column == value)
    return where


def search_of(filters: f.TableState) -> ColumnElement | None:
    return search_condition(filters.q) if filters.q else None


def _status_as_branches(filters: OrderFilters) -> bool:
    """A status filter under a date sort walks `(shop_id, status_id, creation_time, id)`, one branch a status."""
    return bool(filters.status) and SORTS[filters.sort].column is Order.creation_time \
        and len(filters.status) <= MAX_STATUS_BRANCHES


def branches(filters: OrderFilters, shop_ids: list[int]) -> list[list[ColumnElement]]:
    shops = [filters.shop] if filters.shop is not None else shop_ids
    if _status_as_branches(filters):
        return [[Order.shop_id == shop, Order.status_id == status] for shop in shops for status in filters.status]
    return [[Order.shop_id == shop] for shop in shops]


def orders_page(session: Session, shop_ids: list[int], filters: OrderFilters, zone: ZoneInfo,
                cursor: Cursor | None, size: int) -> Page:
    where = conditions(filters, zone, status_as_branches=_status_as_branches(filters))
    return keyset_page(session, TABLE, ROW_COLUMNS, Order.id, SORTS[filters.sort], branches(filters, shop_ids),
                       where, cursor, size, search=search_of(filters))


def estimate_orders(session: Session, shop_ids: list[int], filters: OrderFilters, zone: ZoneInfo) -> int:
    shops = [filters.shop] if filters.shop is not None else shop_ids
    if not shops:
        return 0
    statement = select(Order.id).where(Order.shop_id.in_(shops),
                                       *conditions(filters, zone, status_as_branches=False))
    search = search_of(filters)
    return estimated_rows(session, statement if search is None else statement.where(search))


def export_batches(session: Session, shop_ids: list[int], filters: OrderFilters, zone: ZoneInfo,
                   batch_size: int = 2000) -> Iterator[list]:
    """The filter's rows, shop by shop in keyset batches: memory stays flat whatever the row count."""
    where = conditions(filters, zone, status_as_branches=False)
    sort = SORTS[filters.sort]
    for shop_id in [filters.shop] if filters.shop is not None else shop_ids:
        cursor = None
        while True:
            page = keyset_page(session, TABLE, ROW_COLUMNS, Order.id, sort, [[Order.shop_id == shop_id]], where,
                               cursor, batch_size, search=search_of(filters))
            if page.rows:
                yield page.rows
            if page.next_cursor is None:
                break
            last = page.rows[-1]
            cursor = Cursor(False, getattr(last, sort.column.key), last.id)


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


def customer_orders_page(session: Session, shop_id: int, customer_guid: str, cursor: Cursor | None,
                         size: int) -> Page:
    """One customer's orders, newest first, over `ix_orders_shop_customer_created`."""
    branch = [Order.shop_id == shop_id, Order.customer_guid == customer_guid]
    return keyset_page(session, "customer-orders", ROW_COLUMNS, Order.id, SORTS["newest"], [branch],
                       [Order.deleted_at.is_(None)], cursor, size)


def orders_by_ids(session: Session, shop_ids: list[int], order_ids: list[int]) -> list[Order]:
    """The organization's orders among `order_ids` (others are silently not there: the caller compares)."""
    if not order_ids or not shop_ids:
        return []
    return list(session.execute(
        select(Order).where(Order.id.in_(order_ids), Order.shop_id.in_(shop_ids), Order.deleted_at.is_(None))
    ).scalars())

