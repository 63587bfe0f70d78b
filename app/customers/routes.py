"""Customers pages: the table (same behaviour as orders) and the detail with the customer's orders."""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, request
from flask_login import current_user

from app.customers import queries
from app.customers.models import Customer
from app.extensions import db
from app.orders import pages
from app.orders import queries as order_queries
from app.orgs.scoping import current_org_shops, get_shop_scoped_or_404, require

bp = Blueprint("customers", __name__)


@bp.get("/customers")
@require("org.view")
def index():
    shops = current_org_shops()
    shop_ids = [shop.id for shop in shops]
    filters = pages.parse_filters(queries.CustomerFilters)
    cursor = pages.parse_cursor(queries.TABLE, queries.SORTS[filters.sort])
    settings = pages.table_settings()
    page = queries.customers_page(db.session, shop_ids, filters, settings.zone, cursor, settings.page_size)
    query = urlencode(list(filters.query_args().items(multi=True)))
    context = dict(
        filters=filters, page=page, shops={shop.id: shop for shop in shops}, zone=settings.zone,
        estimate=pages.round_estimate(pages.cached_per_shops(
            f"customers estimate {query}", shop_ids,
            lambda: queries.estimate_customers(db.session, shop_ids, filters, settings.zone))),
        query=query, columns=queries.COLUMNS,
        sorts=queries.SORTS,
        shops_by_email=queries.shops_by_email(db.session, shop_ids, {row.email for row in page.rows}),
    )
    if request.headers.get("HX-Target") != "customers-table":
        context.update(groups=pages.cached_per_shops("customer groups", shop_ids,
                                                   lambda: queries.recent_groups(db.session, shop_ids)),
                       views=pages.saved_views("customers", current_user.id))
    return pages.render_table_page("customers/index.html", "customers/_table.html", "customers-table", **context)


@bp.get("/customers/<int:customer_id>")
@require("org.view")
def detail(customer_id: int):
    customer = get_shop_scoped_or_404(Customer, customer_id)
    shops = {shop.id: shop for shop in current_org_shops()}
    cursor = pages.parse_cursor("customer-orders", order_queries.SORTS["newest"])
    settings = pages.table_settings()
    orders = order_queries.customer_orders_page(db.session, customer.shop_id, customer.guid, cursor,
                                                settings.page_size)
    billing, deliveries = queries.addresses(customer)
    context = dict(customer=customer, shop=shops[customer.shop_id], shops=shops, orders=orders, zone=settings.zone,
                   elsewhere=queries.same_person_elsewhere(db.session, list(shops), customer),
                   billing=billing, deliveries=deliveries)
    return pages.render_table_page("customers/detail.html", "customers/_orders.html", "customer-orders", **context)
