"""Reads of customers: the keyset table, filters and search, the detail, and the same person elsewhere.

Index behind each read (migration 0003):
- newest: `ix_customers_shop_created (shop_id, creation_time, id)`; last order (sort and before/after
  filters): `ix_customers_shop_last_order (shop_id, last_order_at, id)`; top spenders and the spent range:
  `ix_customers_shop_spent (shop_id, total_spent, id)` — one branch per shop, as for orders;
- search: a bounded walk of the sort index first; where the term is rare, `ix_customers_shop_email_prefix`
  (prefix, pattern ops), `ix_customers_shop_name_trgm`, `ix_customers_shop_phone_trgm` (substrings: pg_trgm
  with shop_id through btree_gin) in a BitmapOr (see app/orders/keyset.py);
- the same person in other shops (equal e-mail): `ix_customers_shop_email_prefix` probed with
  `shop_id = ANY(...) AND email = ANY(...)`.
Metrics (orders count, total spent, first/last order) are columns kept by app/customers/metrics.py.
The same person across shops is found per page (the "also in" column, the detail page, a search by e-mail),
never as a filter over the whole table: with no column for it, "in several shops" would read every customer.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import ClassVar
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select, text
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from app.customers.models import Customer
from app.orders import filters as f
from app.orders.keyset import Cursor, Page, Sort, estimated_rows, keyset_page, parse_decimal
from app.orders.queries import PHONE_PUNCTUATION, like_escape

TABLE = "customers"

SORTS: dict[str, Sort] = {
    sort.key: sort
    for sort in (
        Sort("newest", "Newest", Customer.creation_time, descending=True, parse=datetime.fromisoformat,
             nullable=True),
        Sort("last_order", "Latest order", Customer.last_order_at, descending=True, parse=datetime.fromisoformat,
             nullable=True),
        Sort("spent", "Top spenders", Customer.total_spent, descending=True, parse=parse_decimal),
    )
}

COLUMNS: dict[str, str] = {
    "name": "Customer", "email": "E-mail", "phone": "Phone", "shop": "Shop", "group": "Group",
    "orders": "Orders", "spent": "Spent", "average": "Average order", "first_order": "First order",
    "last_order": "Last order", "created": "Registered", "also_in": "Also in",
}
DEFAULT_COLUMNS = ("name", "email", "shop", "orders", "spent", "last_order", "also_in")

ROW_COLUMNS = (
    Customer.id, Customer.shop_id, Customer.guid, Customer.email, Customer.phone, Customer.full_name,
    Customer.company, Customer.customer_group, Customer.creation_time, Customer.orders_count,
    Customer.total_spent, Customer.first_order_at, Customer.last_order_at,
)


@dataclass
class CustomerFilters(f.TableState):
    shop: int | None = None
    group: str | None = None
    has_orders: bool | None = None
    last_order_from: date | None = None
    last_order_to: date | None = None
    spent_min: Decimal | None = None
    spent_max: Decimal | None = None
    orders_min: int | None = None
    orders_max: int | None = None

    DEFAULT_SORT: ClassVar[str] = "newest"
    DEFAULT_COLUMNS: ClassVar[tuple[str, ...]] = DEFAULT_COLUMNS

    @classmethod
    def from_args(cls, args: MultiDict, shop_ids: list[int]) -> CustomerFilters:
        return cls(
            q=f.text_arg(args, "q", f.MAX_SEARCH_LENGTH),
            sort=f.choice_arg(args, "sort", SORTS, cls.DEFAULT_SORT),
            columns=f.columns_arg(args, COLUMNS, cls.DEFAULT_COLUMNS),
            shop=f.shop_arg(args, shop_ids),
            group=f.text_arg(args, "group"),
            has_orders=f.yes_no_arg(args, "has_orders"),
            last_order_from=f.date_arg(args, "last_order_from"),
            last_order_to=f.date_arg(args, "last_order_to"),
            spent_min=f.decimal_arg(args, "spent_min"),
            spent_max=f.decimal_arg(args, "spent_max"),
            orders_min=f.int_arg(args, "orders_min"),
            orders_max=f.int_arg(args, "orders_max"),
        )


def search_condition(q: str) -> ColumnElement:
    """E-mail starting with `q`, or name or phone containing it (from 3 characters)."""
    pattern = like_escape(q)
    parts = [Customer.email.like(pattern.lower() + "%")]
    if len(q) >= 3:
        parts.append(Customer.full_name.ilike(f"%{pattern}%"))
        digits = PHONE_PUNCTUATION.sub("", q)
        if len(digits) >= 3 and digits.lstrip("+").isdigit():
            parts.append(Customer.phone.like(f"%{like_escape(digits)}%"))
    return or_(*parts)


def conditions(filters: CustomerFilters, zone: ZoneInfo) -> list[ColumnElement]:
    where: list[ColumnElement] = [Customer.deleted_at.is_(None)]
    if filters.group:
        where.append(Customer.customer_group == filters.group)
    if filters.has_orders is not None:
        where.append(Customer.orders_count > 0 if filters.has_orders else Customer.orders_count == 0)
    if filters.last_order_from:
        where.append(Customer.last_order_at >= f.day_start(filters.last_order_from, zone))
    if filters.last_order_to:
        where.append(Customer.last_order_at < f.day_end(filters.last_order_to, zone))
    if filters.spent_min is not None:
        where.append(Customer.total_spent >= filters.spent_min)
    if filters.spent_max is not None:
        where.append(Customer.total_spent <= filters.spent_max)
    if filters.orders_min is not None:
        where.append(Customer.orders_count >= filters.orders_min)
    if filters.orders_max is not None:
        where.append(Customer.orders_count <= filters.orders_max)
    return where


def search_of(filters: CustomerFilters) -> ColumnElement | None:
    return search_condition(filters.q) if filters.q else None


def _branches(filters: CustomerFilters, shop_ids: list[int]) -> list[list[ColumnElement]]:
    return [[Customer.shop_id == shop] for shop in ([filters.shop] if filters.shop is not None else shop_ids)]


def customers_page(session: Session, shop_ids: list[int], filters: CustomerFilters, zone: ZoneInfo,
                   cursor: Cursor | None, size: int) -> Page:
    return keyset_page(session, TABLE, ROW_COLUMNS, Customer.id, SORTS[filters.sort], _branches(filters, shop_ids),
                       conditions(filters, zone), cursor, size, search=search_of(filters))


def estimate_customers(session: Session, shop_ids: list[int], filters: CustomerFilters, zone: ZoneInfo) -> int:
    shops = [filters.shop] if filters.shop is not None else shop_ids
    if not shops:
        return 0
    statement = select(Customer.id).where(Customer.shop_id.in_(shops), *conditions(filters, zone))
    search = search_of(filters)
    return estimated_rows(session, statement if search is None else statement.where(search))


def export_batches(session: Session, shop_ids: list[int], filters: CustomerFilters, zone: ZoneInfo,
                   batch_size: int = 2000) -> Iterator[list]:
    """The filter's rows, shop by shop in keyset batches (flat memory)."""
    where = conditions(filters, zone)
    sort = SORTS[filters.sort]
    for shop_id in [filters.shop] if filters.shop is not None else shop_ids:
        cursor = None
        while True:
            page = keyset_page(session, TABLE, ROW_COLUMNS, Customer.id, sort, [[Customer.shop_id == shop_id]],
                               where, cursor, batch_size, search=search_of(filters))
            if page.rows:
                yield page.rows
            if page.next_cursor is None:
                break
            last = page.rows[-1]
            cursor = Cursor(False, getattr(last, sort.column.key), last.id)


def shops_by_email(session: Session, shop_ids: list[int], emails: set[str]) -> dict[str, set[int]]:
    """For each e-mail, the organization's shops where a customer has it: one index probe per page."""
    emails = {email for email in emails if email}
    if not emails or not shop_ids:
        return {}
    found: dict[str, set[int]] = defaultdict(set)
    rows = session.execute(
        select(Customer.email, Customer.shop_id)
        .where(Customer.shop_id.in_(shop_ids), Customer.email.in_(sorted(emails)), Customer.deleted_at.is_(None))
    ).all()
    for email, shop_id in rows:
        found[email].add(shop_id)
    return found


def same_person_elsewhere(session: Session, shop_ids: list[int], customer: Customer) -> list[Customer]:
    """The customer records with the same e-mail in the organization's other shops (not merged: each shop
    keeps its own record and metrics)."""
    if not customer.email:
        return []
    others = [shop_id for shop_id in shop_ids if shop_id != customer.shop_id]
    if not others:
        return []
    return list(session.execute(
        select(Customer).where(Customer.shop_id.in_(others), Customer.email == customer.email,
                               Customer.deleted_at.is_(None)).order_by(Customer.shop_id, Customer.id)
    ).scalars())


def customer_by_guid(session: Session, shop_id: int, guid: str | None) -> Customer | None:
    """The shop's customer record of an order's buyer (guests have none)."""
    if not guid:
        return None
    return session.execute(
        select(Customer).where(Customer.shop_id == shop_id, Customer.guid == guid)
    ).scalar_one_or_none()


def recent_groups(session: Session, shop_ids: list[int], per_shop: int = 2000) -> list[str]:
    """Customer groups among each shop's newest customers: choices for the filter form at any table size."""
    if not shop_ids:
        return []
    values = session.execute(text("""
        SELECT array_agg(DISTINCT r.customer_group)
        FROM unnest(CAST(:shops AS bigint[])) AS s(id) CROSS JOIN LATERAL (
            SELECT c.customer_group FROM customers c WHERE c.shop_id = s.id
            ORDER BY c.creation_time DESC, c.id DESC LIMIT :n) r
    """), {"shops": list(shop_ids), "n": per_shop}).scalar_one()
    return sorted(v for v in (values or []) if v)


def addresses(customer: Customer) -> tuple[dict | None, list[dict]]:
    """Billing and delivery addresses from `raw` (Shoptet sends one billing address and a list of delivery
    addresses; anything else is ignored rather than breaking the page)."""
    billing = customer.raw.get("billingAddress")
    deliveries = customer.raw.get("deliveryAddress") or []
    if isinstance(deliveries, dict):
        deliveries = [deliveries]
    return (billing if isinstance(billing, dict) else None,
            [address for address in deliveries if isinstance(address, dict)])
