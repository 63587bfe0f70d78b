"""Customers pages: the table (declared in app/customers/table.py) and the detail with the customer's orders."""

from __future__ import annotations

from flask import Blueprint

from app.customers import queries
from app.customers.models import Customer
from app.customers.table import CUSTOMERS
from app.extensions import db
from app.orders.table import ORDERS
from app.orgs.scoping import current_org_shops, get_shop_scoped_or_404, require
from app.tables.pages import add_table_page, parse_cursor, render_table_page, table_settings

bp = Blueprint("customers", __name__)
add_table_page(bp, CUSTOMERS)


@bp.get("/customers/<int:customer_id>")
@require("org.view")
def detail(customer_id: int):
    customer = get_shop_scoped_or_404(Customer, customer_id)
    shops = {shop.id: shop for shop in current_org_shops()}
    cursor = parse_cursor(queries.CUSTOMER_ORDERS, ORDERS.sorts_by_key["newest"])
    settings = table_settings()
    orders = queries.customer_orders_page(db.session, customer.shop_id, customer.guid, cursor, settings.page_size)
    billing, deliveries = queries.addresses(customer)
    context = dict(customer=customer, shop=shops[customer.shop_id], shops=shops, orders=orders, zone=settings.zone,
                   elsewhere=queries.same_person_elsewhere(db.session, list(shops), customer),
                   billing=billing, deliveries=deliveries)
    return render_table_page("customers/detail.html", "customers/_orders.html", "customer-orders", **context)
