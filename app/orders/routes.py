"""Orders pages: the table (declared in app/orders/table.py), the detail, status changes."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.core import inputs
from app.customers import queries as customer_queries
from app.extensions import db
from app.htmx import STOP_POLLING, is_htmx
from app.orders import queries, services
from app.orders.models import Order, OrderStatusChange
from app.orders.table import ORDERS, statuses_in_use
from app.orgs.scoping import can, current_org, current_org_shops, get_scoped_or_404, get_shop_scoped_or_404, require
from app.tables.pages import add_table_page, table_settings

bp = Blueprint("orders", __name__)
add_table_page(bp, ORDERS)


@bp.get("/orders/<int:order_id>")
@require("org.view")
def detail(order_id: int):
    order = get_shop_scoped_or_404(Order, order_id)
    shops = {shop.id: shop for shop in current_org_shops()}
    return render_template(
        "orders/detail.html", order=order, shop=shops[order.shop_id],
        customer=customer_queries.customer_by_guid(db.session, order.shop_id, order.customer_guid),
        items=queries.order_items(db.session, order), history=queries.status_history(db.session, order.id),
        statuses=statuses_in_use(db.session, [order.shop_id]) if can("orders.edit") else [],
        zone=table_settings().zone, admin_url=_admin_url(order.raw),
    )


def _admin_url(raw: dict) -> str | None:
    """The order in the shop's admin, if Shoptet sent an http(s) link (never a `javascript:` one)."""
    url = raw.get("adminUrl")
    return url if isinstance(url, str) and url.startswith(("https://", "http://")) else None


def _status_name(status_id: int, shop_ids: list[int]) -> str | None:
    return dict(queries.known_statuses(db.session, shop_ids)).get(status_id)


def _render_change(change: OrderStatusChange, status: int = 200):
    rows = queries.status_change_rows(db.session, change.id)
    template = "orders/_status_change.html" if is_htmx() else "orders/status_change.html"
    return render_template(template, change=change, rows=rows), status


def _refuse(message: str):
    if is_htmx():  # 200: htmx does not swap 4xx answers into the page, and the person must read why
        return render_template("orders/_status_refused.html", message=message)
    flash(message, "error")
    return redirect(request.referrer or url_for("orders.index")), 303


def _start_change(orders: list[Order], shop_ids: list[int]):
    status_id = inputs.whole_number(request.form.get("status_id"), "status_id")
    if status_id is None:
        return _refuse("Choose the new status.")
    try:
        change = services.request_status_change(db.session, current_org().id, current_user.id, orders, status_id,
                                                _status_name(status_id, shop_ids))
    except services.StatusChangeRefused as exc:
        return _refuse(str(exc))
    db.session.commit()
    if is_htmx():
        return _render_change(change, 202)
    return redirect(url_for("orders.status_change", change_id=change.id)), 303


@bp.post("/orders/<int:order_id>/status")
@require("orders.edit")
def change_status(order_id: int):
    order = get_shop_scoped_or_404(Order, order_id)
    return _start_change([order], [order.shop_id])


@bp.post("/orders/status")
@require("orders.edit")
def change_status_bulk():
    """Up to 100 chosen orders; an id that is not the organization's answers 404 for the whole request."""
    order_ids = sorted({inputs.id_number(value, "order_id") for value in request.form.getlist("order_id")} - {None})
    if len(order_ids) > services.MAX_STATUS_CHANGE_ORDERS:
        return _refuse(f"At most {services.MAX_STATUS_CHANGE_ORDERS} orders at once; {len(order_ids)} were chosen.")
    shop_ids = [shop.id for shop in current_org_shops()]
    orders = queries.orders_by_ids(db.session, shop_ids, order_ids)
    if len(orders) != len(order_ids):
        abort(404)
    return _start_change(orders, shop_ids)


@bp.get("/orders/status-changes/<int:change_id>")
@require("org.view")
def status_change(change_id: int):
    """The change's outcome; polled by htmx every second until it is finished."""
    change = get_scoped_or_404(OrderStatusChange, change_id)
    finished = change.status in services.FINISHED
    return _render_change(change, STOP_POLLING if is_htmx() and finished else 200)
