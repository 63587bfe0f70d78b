"""The customers table, declared once: app/tables/ makes its page, saved views and CSV export from it.

Index behind each read (migration 0003):
- newest: `ix_customers_shop_created (shop_id, creation_time, id)`; last order (sort and before/after
  filters): `ix_customers_shop_last_order (shop_id, last_order_at, id)`; top spenders and the spent range:
  `ix_customers_shop_spent (shop_id, total_spent, id)` — one branch per shop, as for orders;
- search: a bounded walk of the sort index first; where the term is rare, `ix_customers_shop_email_prefix`
  (prefix, pattern ops, under 3 characters), `ix_customers_shop_email_trgm` (any part of the e-mail),
  `ix_customers_shop_name_fold` (the accent- and case-folded name), `ix_customers_shop_phone_trgm`
  (substrings: pg_trgm with shop_id through btree_gin) in a BitmapOr (see app/tables/keyset.py);
- the "also in" column: one probe of `ix_customers_shop_email_prefix` per page (app/customers/queries.py);
- analytics: CLV and P(active) sorts `ix_customers_shop_clv`, `ix_customers_shop_p_active` (migration 0014); a
  segment under them or the newest sort `ix_customers_shop_segment_{clv,p_active,created}` (0014, 0019); a
  segment, CLV or P(active) filter the sort does not serve: a bounded walk, then those indexes (may_be_rare).
Metrics (orders count, total spent, first/last order) are columns kept by app/imports/metrics.py.
"""

from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l

from app.analytics.rfm import SEGMENTS
from app.customers import queries
from app.customers.models import Customer
from app.tables.cache import cached_per_shops
from app.tables.columns import Column, RowContext, moment, number, shop, shop_currency, spreadsheet_safe, text
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
    name="customers", title=_l("Customers"), singular="customer", model=Customer,
    row_columns=(
        Customer.id, Customer.shop_id, Customer.guid, Customer.email, Customer.phone, Customer.full_name,
        Customer.company, Customer.customer_group, Customer.creation_time, Customer.orders_count,
        Customer.total_spent, Customer.first_order_at, Customer.last_order_at,
        Customer.segment, Customer.p_active, Customer.clv,
    ),
    columns=(
        Column("name", _l("Customer"), (("name", text("full_name")), ("company", text("company")))),
        Column("email", _l("E-mail"), (("email", text("email")),)),
        Column("phone", _l("Phone"), (("phone", text("phone")),)),
        Column("shop", _l("Shop"), (("shop", shop),)),
        Column("group", _l("Group"), (("group", text("customer_group")),)),
        Column("orders", _l("Orders"), (("orders", number("orders_count")),)),
        Column("spent", _l("Spent"), (("total_spent", number("total_spent")), ("currency", shop_currency))),
        Column("average", _l("Average order"), (("average_order", _average), ("average_currency", shop_currency))),
        Column("first_order", _l("First order"), (("first_order", moment("first_order_at")),)),
        Column("last_order", _l("Last order"), (("last_order", moment("last_order_at")),)),
        Column("created", _l("Registered"), (("registered", moment("creation_time")),)),
        Column("also_in", _l("Also in"), (("also_in", _also_in),), per_page=_shops_of_emails),
        # Customer analytics (app/analytics/): kept on the row by its refresh.
        Column("segment", _l("Segment"), (("segment", text("segment")),)),
        Column("p_active", _l("P(active)"), (("p_active", number("p_active")),)),
        Column("clv", _l("CLV"), (("clv", number("clv")), ("clv_currency", shop_currency))),
    ),
    default_columns=("name", "email", "shop", "orders", "spent", "last_order", "also_in"),
    sorts=(
        Sort("newest", _l("Newest"), Customer.creation_time, descending=True, parse=datetime.fromisoformat,
             nullable=True, index="ix_customers_shop_created", serves=("segment",)),
        Sort("last_order", _l("Latest order"), Customer.last_order_at, descending=True, parse=datetime.fromisoformat,
             nullable=True, index="ix_customers_shop_last_order"),
        Sort("spent", _l("Top spenders"), Customer.total_spent, descending=True, parse=parse_decimal,
             index="ix_customers_shop_spent", in_shop_currency=True),
        Sort("clv", _l("Highest CLV"), Customer.clv, descending=True, parse=parse_decimal, nullable=True,
             index="ix_customers_shop_clv", serves=("segment", "clv")),
        Sort("p_active", _l("Most likely active"), Customer.p_active, descending=True, parse=float, nullable=True,
             index="ix_customers_shop_p_active", serves=("segment", "p_active")),
    ),
    filters=(
        Equals("group", Customer.customer_group, _l("Customer group"), any_label=_l("Any group"), choices=_groups),
        YesNo("has_orders", _l("Has orders"),
              lambda yes: Customer.orders_count > 0 if yes else Customer.orders_count == 0,
              options=(_l("With or without orders"), _l("Has orders"), _l("No orders"))),
        DateRange("last_order", Customer.last_order_at, _l("Last order")),
        NumberRange("spent", Customer.total_spent, _l("Spent")),
        NumberRange("orders", Customer.orders_count, _l("Orders"), whole=True),
        # The analytics filters may be rare: a sort that `serves` one walks an index leading with it (a segment
        # under the CLV sort: ix_customers_shop_segment_clv (shop_id, segment, clv, id)); under the others the
        # page walks a bounded window, then fetches a rare filter's rows through its own index
        # (ix_customers_shop_clv, _p_active, _segment_*: app/tables/queries.py).
        Equals("segment", Customer.segment, _l("Segment"), any_label=_l("Any segment"),
               choices=lambda session, shop_ids: list(SEGMENTS), may_be_rare=True),
        NumberRange("p_active", Customer.p_active, _l("P(active)"), may_be_rare=True),
        NumberRange("clv", Customer.clv, _l("CLV"), may_be_rare=True),
    ),
    search=Search(_l("E-mail, name or phone"), lower_prefix=(Customer.email,), anywhere=(Customer.email,),
                  folded=(Customer.full_name,), phone=Customer.phone),
    always=(Customer.deleted_at.is_(None),),
    rows_template="customers/_rows.html",
    empty=_l("No customers match."),
)
