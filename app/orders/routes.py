"""Orders pages: the table, the detail, status changes; and the saved views and exports of both tables."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.customers import queries as customer_queries
from app.extensions import db
from app.htmx import STOP_POLLING, is_htmx
from app.orders import pages, queries, services
from app.orders.models import Order, OrderStatusChange, SavedView, TableExport
from app.orgs.scoping import can, current_org, current_org_shops, get_scoped_or_404, get_shop_scoped_or_404, require

bp = Blueprint("orders", __name__)
for _name, _function in pages.TEMPLATE_FILTERS.items():  # the customers pages use them too
    bp.add_app_template_filter(_function, _name)



@bp.get("/orders")
@require("org.view")
def index():
    shops = current_org_shops()
    shop_ids = [shop.id for shop in shops]
    filters = pages.parse_filters(queries.OrderFilters)
    cursor = pages.parse_cursor(queries.TABLE, queries.SORTS[filters.sort])
    settings = pages.table_settings()
    page = queries.orders_page(db.session, shop_ids, filters, settings.zone, cursor, settings.page_size)
    query = urlencode(list(filters.query_args().items(multi=True)))
    context = dict(
        filters=filters, page=page, shops={shop.id: shop for shop in shops}, zone=settings.zone,
        estimate=pages.round_estimate(pages.cached_per_shops(
            f"orders estimate {query}", shop_ids,
            lambda: queries.estimate_orders(db.session, shop_ids, filters, settings.zone))),
        query=query, columns=queries.COLUMNS,
        sorts=queries.SORTS, can_edit=can("orders.edit"),
        statuses=pages.cached_per_shops("statuses", shop_ids, lambda: queries.known_statuses(db.session, shop_ids)),
    )
    if request.headers.get("HX-Target") != "orders-table":  # the form around the table, only on full pages
        context.update(choices=pages.cached_per_shops("order values", shop_ids,
                                                    lambda: queries.recent_values(db.session, shop_ids)),
                       views=pages.saved_views("orders", current_user.id))
    return pages.render_table_page("orders/index.html", "orders/_table.html", "orders-table", **context)


@bp.get("/orders/<int:order_id>")
@require("org.view")
def detail(order_id: int):
    order = get_shop_scoped_or_404(Order, order_id)
    shops = {shop.id: shop for shop in current_org_shops()}
    return render_template(
        "orders/detail.html", order=order, shop=shops[order.shop_id],
        customer=customer_queries.customer_by_guid(db.session, order.shop_id, order.customer_guid),
        items=queries.order_items(db.session, order), history=queries.status_history(db.session, order.id),
        statuses=pages.cached_per_shops("statuses", [order.shop_id],
                                      lambda: queries.known_statuses(db.session, [order.shop_id]))
        if can("orders.edit") else [],
        zone=pages.table_settings().zone, admin_url=_admin_url(order.raw),
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
    status_id = request.form.get("status_id", type=int)
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
    order_ids = sorted({int(value) for value in request.form.getlist("order_id") if value.isdigit()})
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


# --- saved views (both tables) -----------------------------------------------------------------------------------

def _table_url(table_name: str, query: str = "") -> str:
    base = url_for("orders.index" if table_name == "orders" else "customers.index")
    return f"{base}?{query}" if query else base


@bp.post("/views/<any(orders, customers):table_name>")
@require("org.view")
def save_view(table_name: str):
    name = (request.form.get("name") or "").strip()[:100]
    query = _clean_query(request.form.get("query", ""))
    if not name:
        flash("Give the view a name.", "error")
        return redirect(_table_url(table_name, query)), 303
    services.save_view(db.session, current_org().id, current_user.id, table_name, name, query,
                       shared=request.form.get("shared") == "on")
    db.session.commit()
    flash(f"View “{name}” saved.", "success")
    return redirect(_table_url(table_name, query)), 303


@bp.post("/views/<int:view_id>/delete")
@require("org.view")
def delete_view(view_id: int):
    view = get_scoped_or_404(SavedView, view_id)
    if view.user_id != current_user.id:
        abort(404)  # someone else's view, even a shared one, is theirs to delete
    table_name = view.table_name
    services.delete_view(db.session, view)
    db.session.commit()
    flash("View deleted.", "success")
    return redirect(_table_url(table_name)), 303


def _clean_query(query: str) -> str:
    """The query string as a view or an export keeps it: filters, sort and columns; never a cursor."""
    pairs = [(key, value) for key, value in parse_qsl(query[:4000]) if key != "cursor" and value]
    return urlencode(pairs)


# --- exports (both tables) --------------------------------------------------------------------------------------

# Table → (its filters, its row estimate): what starting an export needs to check the query and say its size.
EXPORTABLE = {
    "orders": (queries.OrderFilters, queries.estimate_orders),
    "customers": (customer_queries.CustomerFilters, customer_queries.estimate_customers),
}


@bp.post("/exports/<any(orders, customers):table_name>")
@require("org.view")
def start_export(table_name: str):
    query = _clean_query(request.form.get("query", ""))
    filters_class, estimate_rows = EXPORTABLE[table_name]
    filters = pages.parse_filters(filters_class, MultiDict(parse_qsl(query)))
    shop_ids = [shop.id for shop in current_org_shops()]
    estimate = estimate_rows(db.session, shop_ids, filters, pages.table_settings().zone)
    export = services.start_export(db.session, current_org().id, current_user.id, table_name, query, estimate)
    db.session.commit()
    if is_htmx():
        return render_template("orders/_export.html", export=export), 202
    return redirect(url_for("orders.export_progress", export_id=export.id)), 303


@bp.get("/exports/<int:export_id>")
@require("org.view")
def export_progress(export_id: int):
    """The export's progress; polled by htmx every second until the file is ready (or the export failed)."""
    export = get_scoped_or_404(TableExport, export_id)
    if not is_htmx():
        return render_template("orders/export.html", export=export)
    return render_template("orders/_export.html", export=export), (
        STOP_POLLING if export.status in services.FINISHED else 200)


@bp.get("/exports/<int:export_id>/download")
@require("org.view")
def export_download(export_id: int):
    export = get_scoped_or_404(TableExport, export_id)
    if export.status == "expired":
        abort(410)  # the file was deleted after EXPORT_KEEP_HOURS
    if export.status != "done" or not export.file_path:
        abort(404)
    name = f"{export.table_name}-{export.created_at:%Y%m%d-%H%M}.csv"
    return send_file(export.file_path, mimetype="text/csv", as_attachment=True, download_name=name)
