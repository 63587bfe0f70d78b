"""Customers: list (e-mail/phone filters), detail, change log."""

from __future__ import annotations

import time

from flask import Blueprint, g

from sandbox.api import ApiError, arg, dt_arg, envelope, page_args
from sandbox.routes.orders import change_log

bp = Blueprint("customers", __name__)


@bp.get("/api/customers")
def list_customers():
    customers = g.store.customers
    selection = customers.select(email=arg("email"), phone=arg("phone"))
    page = page_args(20, 1000)
    total = len(selection)
    page.check(total)
    items = [customers.list_item(j) for j in selection.slice(page.offset, page.per_page)]
    return envelope({"customers": items, "paginator": page.paginator(total, len(items))})


@bp.get("/api/customers/<guid>")
def customer_detail(guid: str):
    j = g.store.customers.find(guid)
    if j is None:
        raise ApiError(404, "customer-not-found", f'Customer with guid "{guid}" not found.', guid)
    return envelope({"customer": g.store.customers.detail(j)})


@bp.get("/api/customers/changes")
def customer_changes():
    since = dt_arg("from", required=True)
    return change_log(g.store.customers.changes(since, time.time()), "guid", 20, 20)
