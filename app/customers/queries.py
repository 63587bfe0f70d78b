"""Reads of customers besides the table (app/customers/table.py): the detail, its orders, the same person
elsewhere, and the filter's choices.

- the same person in other shops (equal e-mail): `ix_customers_shop_email_prefix` probed with
  `shop_id = ANY(...) AND email = ANY(...)`;
- a customer's orders: `ix_orders_shop_customer_created (shop_id, customer_guid, creation_time, id)`.
Metrics (orders count, total spent, first/last order) are columns kept by app/customers/metrics.py.
The same person across shops is found per page (the "also in" column, the detail page, a search by e-mail),
never as a filter over the whole table: with no column for it, "in several shops" would read every customer.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from app.customers.models import Customer
from app.orders.models import Order
from app.orders.table import ORDERS
from app.tables.keyset import Cursor, Page, keyset_page


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


CUSTOMER_ORDERS = "customer-orders"  # the salt of the cursors of a customer's orders


def customer_orders_page(session: Session, shop_id: int, customer_guid: str, cursor: Cursor | None,
                         size: int) -> Page:
    """One customer's orders, newest first, over `ix_orders_shop_customer_created`."""
    branch = [Order.shop_id == shop_id, Order.customer_guid == customer_guid]
    return keyset_page(session, CUSTOMER_ORDERS, ORDERS.row_columns, Order.id, ORDERS.sorts_by_key["newest"],
                       [branch], [Order.deleted_at.is_(None)], cursor, size)


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
