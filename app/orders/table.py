"""The orders table, declared once: app/tables/ makes its page, saved views and CSV export from it.

Index behind each read (migration 0003):
- newest / oldest, date range: `ix_orders_shop_created (shop_id, creation_time, id)`, one branch per shop;
- a status filter under newest / oldest: `ix_orders_shop_status_created (shop_id, status_id, creation_time,
  id)`, one branch per (shop, status);
- highest total, total range: `ix_orders_shop_base_total (shop_id, base_total, id)`: the total in the shop's
  base currency (an order in EUR in a CZK shop ranks by its CZK value); across shops of different base
  currencies through the reporting currency, or one currency at a time (app/money/ranking.py);
- search: first a bounded walk of the sort index above; where the term is rare, `ix_orders_shop_code_prefix`,
  `ix_orders_shop_email_prefix` (prefixes, pattern ops; the e-mail's from 3 characters is any part of it:
  `ix_orders_shop_email_trgm`), `ix_orders_shop_name_fold` (the accent- and case-folded name),
  `ix_orders_shop_phone_trgm` (substrings: pg_trgm with shop_id through btree_gin) in a BitmapOr (see
  app/tables/keyset.py);
- a customer's orders: `ix_orders_shop_customer_created (shop_id, customer_guid, creation_time, id)`.
Other filters (paid, methods, source) are checked on the rows the index scan walks.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from app.orders import queries
from app.orders.models import Order
from app.tables.cache import cached_per_shops
from app.tables.columns import Column, moment, number, shop, text, yes_no
from app.tables.declaration import BulkAction, Search, Table
from app.tables.filters import AnyOf, DateRange, Equals, NumberRange, YesNo
from app.tables.keyset import Sort, parse_decimal


def statuses_in_use(session: Session, shop_ids: list[int]) -> list[tuple[int, str]]:
    """The statuses the organization's orders are in (a minute old at most): the status filter's choices and
    the targets of a status change."""
    return cached_per_shops("statuses", shop_ids, lambda: queries.known_statuses(session, shop_ids))


def _recent(kind: str):
    """Payment, shipping or source names of each shop's latest orders (one statement for the three)."""
    return lambda session, shop_ids: cached_per_shops(
        "order values", shop_ids, lambda: queries.recent_values(session, shop_ids))[kind]


ORDERS = Table(
    name="orders", title=_l("Orders"), singular="order", model=Order,
    # What a table row needs; never `raw` (kilobytes per order).
    row_columns=(
        Order.id, Order.shop_id, Order.code, Order.creation_time, Order.status_id, Order.status_name, Order.paid,
        Order.email, Order.phone, Order.full_name, Order.company, Order.currency, Order.total_with_vat,
        Order.exchange_rate, Order.base_total, Order.payment_method, Order.shipping_method, Order.source_name,
        Order.item_count,
    ),
    columns=(
        Column("code", _l("Order"), (("code", text("code")),)),
        Column("created", _l("Created"), (("created", moment("creation_time")),)),
        Column("shop", _l("Shop"), (("shop", shop),)),
        Column("status", _l("Status"), (("status", text("status_name")),)),
        Column("paid", _l("Paid"), (("paid", yes_no("paid")),)),
        Column("customer", _l("Customer"), (("name", text("full_name")), ("company", text("company")))),
        Column("email", _l("E-mail"), (("email", text("email")),)),
        Column("phone", _l("Phone"), (("phone", text("phone")),)),
        Column("total", _l("Total"), (("total_with_vat", number("total_with_vat")), ("currency", text("currency")))),
        Column("payment", _l("Payment"), (("payment", text("payment_method")),)),
        Column("shipping", _l("Shipping"), (("shipping", text("shipping_method")),)),
        Column("source", _l("Source"), (("source", text("source_name")),)),
        Column("items", _l("Items"), (("items", number("item_count")),)),
    ),
    default_columns=("code", "created", "shop", "status", "paid", "customer", "total"),
    sorts=(
        Sort("newest", _l("Newest"), Order.creation_time, descending=True, parse=datetime.fromisoformat,
             index="ix_orders_shop_created", split={"status": "ix_orders_shop_status_created"}),
        Sort("oldest", _l("Oldest"), Order.creation_time, descending=False, parse=datetime.fromisoformat,
             index="ix_orders_shop_created", split={"status": "ix_orders_shop_status_created"}),
        Sort("total", _l("Highest total"), Order.base_total, descending=True, parse=parse_decimal,
             index="ix_orders_shop_base_total", in_shop_currency=True),
    ),
    filters=(
        AnyOf("status", Order.status_id, _l("Status"), choices=statuses_in_use, any_label=_l("Any status")),
        YesNo("paid", _l("Paid"), Order.paid.is_, options=(_l("Paid or not"), _l("Paid"), _l("Not paid"))),
        DateRange("created", Order.creation_time, _l("Created")),
        NumberRange("total", Order.base_total, _l("Total")),  # in the shop's base currency, as the sort
        Equals("payment", Order.payment_method, _l("Any payment"), choices=_recent("payment")),
        Equals("shipping", Order.shipping_method, _l("Any shipping"), choices=_recent("shipping")),
        Equals("source", Order.source_name, _l("Any source"), choices=_recent("source")),
    ),
    search=Search(_l("Order code, e-mail, name or phone"), prefix=(Order.code,), lower_prefix=(Order.email,),
                  anywhere=(Order.email,), folded=(Order.full_name,), phone=Order.phone),
    always=(Order.deleted_at.is_(None),),
    rows_template="orders/_rows.html",
    empty=_l("No orders match."),
    bulk=BulkAction("status", endpoint="orders.change_status_bulk", field="order_id", permission="orders.edit",
                    template="orders/_bulk_status.html", result_id="status-change-result",
                    context=lambda session, shop_ids: {"statuses": statuses_in_use(session, shop_ids)}),
)
