"""The customers table, declared once: app/tables/ makes its page, saved views and CSV export from it.

Index behind each read (migration 0003):
- newest: `ix_customers_shop_created (shop_id, creation_time, id)`; last order (sort and before/after
  filters): `ix_customers_shop_last_order (shop_id, last_order_at, id)`; top spenders and the spent range:
  `ix_customers_shop_spent (shop_id, total_spent, id)` — one branch per shop, as for orders;
- search: a bounded walk of the sort index first; where the term is rare, `ix_customers_shop_email_prefix`
  (prefix, pattern ops), `ix_customers_shop_name_trgm`, `ix_customers_shop_phone_trgm` (substrings: pg_trgm
  with shop_id through btree_gin) in a BitmapOr (see app/tables/keyset.py);
- the "also in" column: one probe of `ix_customers_shop_email_prefix` per page (app/customers/queries.py).
Metrics (orders count, total spent, first/last order) are columns kept by app/imports/metrics.py.
"""

from __future__ import annotations

from datetime import datetime

from app.analytics.rfm import SEGMENTS
from app.customers import queries
from app.customers.models import Customer
from app.tables.cache import cached_per_shops
from app.tables.columns import Column, RowContext, moment, number, shop, spreadsheet_safe, text
from app.tables.declaration import Search, Table
from app.tables.filters import DateRange, Equals, NumberRange, YesNo
from app.tables.keyset import Sort, parse_decimal


def _shops_of_emails(session, shop_ids: list[int], rows: list) -> dict[str, set[int]]:
    return queries.shops_by_email(session, shop_ids, {row.email for row in rows})


def _also_in(row, context: RowContext) -> str:
    others = context.per_page["also_in"].get(row.email, set()) - {row.shop_id} if row.email else set()
    return spreadsheet_safe("; ".join(sorted(context.shop_names[shop_id] for shop_id in others
                                             if shop_id in context.shop_names)))


def _average(row, context: RowContext):
    return round(row.total_spent / row.orders_count, 2) if row.orders_count else ""


def _groups(session, shop_ids: list[int]) -> list[str]:
    return cached_per_shops("customer groups", shop_ids, lambda: queries.recent_groups(session, shop_ids))


CUSTOMERS = Table(
    name="customers", title="Customers", singular="customer", model=Customer,
    row_columns=(
        Customer.id, Customer.shop_id, Customer.guid, Customer.email, Customer.phone, Customer.full_name,
        Customer.company, Customer.customer_group, Customer.creation_time, Customer.orders_count,
        Customer.total_spent, Customer.first_order_at, Customer.last_order_at,
        Customer.segment, Customer.p_active, Customer.clv,
    ),
    columns=(
        Column("name", "Customer", (("name", text("full_name")), ("company", text("company")))),
        Column("email", "E-mail", (("email", text("email")),)),
        Column("phone", "Phone", (("phone", text("phone")),)),
        Column("shop", "Shop", (("shop", shop),)),
        Column("group", "Group", (("group", text("customer_group")),)),
        Column("orders", "Orders", (("orders", number("orders_count")),)),
        Column("spent", "Spent", (("total_spent", number("total_spent")),)),
        Column("average", "Average order", (("average_order", _average),)),
        Column("first_order", "First order", (("first_order", moment("first_order_at")),)),
        Column("last_order", "Last order", (("last_order", moment("last_order_at")),)),
        Column("created", "Registered", (("registered", moment("creation_time")),)),
        Column("also_in", "Also in", (("also_in", _also_in),), per_page=_shops_of_emails),
        # Customer analytics (app/analytics/): kept on the row by its refresh.
        Column("segment", "Segment", (("segment", text("segment")),)),
        Column("p_active", "P(active)", (("p_active", number("p_active")),)),
        Column("clv", "CLV", (("clv", number("clv")),)),
    ),
    default_columns=("name", "email", "shop", "orders", "spent", "last_order", "also_in"),
    sorts=(
        Sort("newest", "Newest", Customer.creation_time, descending=True, parse=datetime.fromisoformat,
             nullable=True, index="ix_customers_shop_created"),
        Sort("last_order", "Latest order", Customer.last_order_at, descending=True, parse=datetime.fromisoformat,
             nullable=True, index="ix_customers_shop_last_order"),
        Sort("spent", "Top spenders", Customer.total_spent, descending=True, parse=parse_decimal,
             index="ix_customers_shop_spent"),
        Sort("clv", "Highest CLV", Customer.clv, descending=True, parse=parse_decimal, nullable=True,
             index="ix_customers_shop_clv"),
        Sort("p_active", "Most likely active", Customer.p_active, descending=True, parse=float, nullable=True,
             index="ix_customers_shop_p_active"),
    ),
    filters=(
        Equals("group", Customer.customer_group, "Customer group", any_label="Any group", choices=_groups),
        YesNo("has_orders", "Has orders",
              lambda yes: Customer.orders_count > 0 if yes else Customer.orders_count == 0,
              options=("With or without orders", "Has orders", "No orders")),
        DateRange("last_order", Customer.last_order_at, "Last order"),
        NumberRange("spent", Customer.total_spent, "Spent"),
        NumberRange("orders", Customer.orders_count, "Orders", whole=True),
        # A segment under the CLV sort walks ix_customers_shop_segment_clv (shop_id, segment, clv, id).
        Equals("segment", Customer.segment, "Segment", any_label="Any segment",
               choices=lambda session, shop_ids: list(SEGMENTS)),
        NumberRange("p_active", Customer.p_active, "P(active)"),
        NumberRange("clv", Customer.clv, "CLV"),
    ),
    search=Search("E-mail, name or phone", lower_prefix=(Customer.email,), contains=(Customer.full_name,),
                  phone=Customer.phone),
    always=(Customer.deleted_at.is_(None),),
    rows_template="customers/_rows.html",
)
