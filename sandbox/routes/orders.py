"""Orders: list, detail, change log, status changes (single and bulk)."""

from __future__ import annotations

import json
import time

from flask import Blueprint, g

from sandbox.api import (
    ApiError,
    arg,
    bool_arg,
    dt_arg,
    envelope,
    error,
    include_arg,
    int_arg,
    json_body,
    list_arg,
    page_args,
)
from sandbox.formats import fmt_dt
from sandbox.generator.profiles import BILLING_METHODS, STATUS_IDS
from sandbox.store import OrderFilter

bp = Blueprint("orders", __name__)


def _code_arg(name: str) -> int | None:
    value = arg(name)
    if value is None:
        return None
    if not value.isdigit():
        raise ApiError(400, "invalid-parameter", f'Invalid "{name}" parameter.', name)
    return int(value)


def order_filter() -> OrderFilter:
    """Filters shared by GET /api/orders and GET /api/orders/snapshot."""
    codes = list_arg("orderCodes", 50)
    if codes is not None:  # orderCodes disables every other filter
        return OrderFilter(codes=tuple(codes))
    return OrderFilter(
        status_id=int_arg("statusId"), shipping_guid=arg("shippingGuid"), shipping_company=arg("shippingCompanyCode"),
        payment_guid=arg("paymentMethodGuid"), created_from=dt_arg("creationTimeFrom"),
        created_to=dt_arg("creationTimeTo"), code_from=_code_arg("codeFrom"), code_to=_code_arg("codeTo"),
        customer_guid=arg("customerGuid"), email=arg("email"), phone=arg("phone"), product_code=arg("productCode"),
        changed_from=dt_arg("changeTimeFrom"), changed_to=dt_arg("changeTimeTo"), source_id=int_arg("sourceId"),
    )


def _suppress_flags() -> None:
    for name in ("suppressDocumentGeneration", "suppressEmailSending", "suppressSmsSending"):
        bool_arg(name)


def _find(code: str) -> int:
    i = g.store.orders.find(code)
    if i is None:
        raise ApiError(404, "order-not-found", f'Order "{code}" not found.', code)
    return i


@bp.get("/api/orders")
def list_orders():
    orders = g.store.orders
    selection = orders.select(order_filter())
    page = page_args(50, 50)
    total = len(selection)
    page.check(total)
    items = [orders.record(i, detail=False) for i in selection.slice(page.offset, page.per_page)]
    return envelope({"orders": items, "paginator": page.paginator(total, len(items))})


@bp.get("/api/orders/<code>")
def order_detail(code: str):
    include = include_arg()
    return envelope({"order": g.store.orders.record(_find(code), include)})


def change_log(entries: list[tuple[str, int, str]], key: str, default: int, maximum: int):
    change_type = arg("changeType")
    if change_type is not None:
        if change_type not in ("edit", "delete"):
            raise ApiError(400, "invalid-parameter", 'Invalid "changeType" parameter. Use "edit" or "delete".',
                           "changeType")
        entries = [e for e in entries if e[2] == change_type]
    page = page_args(default, maximum)
    page.check(len(entries))
    chunk = entries[page.offset:page.offset + page.per_page]
    items = [{key: ident, "changeTime": fmt_dt(ts), "changeType": kind} for ident, ts, kind in chunk]
    return envelope({"changes": items, "paginator": page.paginator(len(entries), len(items))})


@bp.get("/api/orders/changes")
def order_changes():
    since = dt_arg("from", required=True)
    return change_log(g.store.orders.changes(since, time.time()), "code", 20, 1000)


def _emit(events: list[tuple[str, str]]) -> None:
    for event, instance in events:
        g.sandbox.hub.emit(g.eshop_id, event, instance)


@bp.patch("/api/orders/<code>/status")
def order_status(code: str):
    _suppress_flags()
    body = json_body()
    data = body["data"]
    if not isinstance(data, dict) or not data:
        raise ApiError(422, "invalid-request-data", "At least one property has to be specified.", "data")
    unknown = set(data) - {"statusId", "paid", "billingMethodId"}
    if unknown:
        raise ApiError(422, "invalid-request-data", f'The property {sorted(unknown)[0]} is not defined and the '
                       f"definition does not allow additional properties.", "data")
    status = data.get("statusId")
    if "statusId" in data and (not isinstance(status, int) or isinstance(status, bool) or status not in STATUS_IDS):
        raise ApiError(422, "invalid-request-data", f'Invalid statusId "{status}".', "data.statusId")
    paid = data.get("paid")
    if paid is not None and not isinstance(paid, bool):
        raise ApiError(422, "invalid-request-data", "Property paid must be boolean or null.", "data.paid")
    billing = data.get("billingMethodId")
    if "billingMethodId" in data and billing not in BILLING_METHODS:
        raise ApiError(422, "invalid-request-data", f'Invalid billingMethodId "{billing}".', "data.billingMethodId")
    i = _find(code)
    _emit(g.store.set_status(i, status=status, paid=paid, billing=billing))
    return envelope({"order": g.store.orders.record(i)})


@bp.patch("/api/orders/status-change")
def bulk_status():
    _suppress_flags()
    body = json_body()
    data = body["data"]
    problems = []
    if not isinstance(data, dict):
        raise ApiError(422, "invalid-request-data", 'The property "data" must be an object.', "data")
    codes = data.get("orderCodes")
    status = data.get("statusId")
    if not isinstance(status, int | float) or isinstance(status, bool) or status not in STATUS_IDS:
        problems.append(error("invalid-request-data", f'Invalid statusId "{status}".', "data.statusId"))
    if not isinstance(codes, list) or not codes or not all(isinstance(c, str) for c in codes):
        problems.append(error("invalid-request-data", "orderCodes must be a non-empty array of strings.",
                              "data.orderCodes"))
    elif len(codes) > 100:
        problems.append(error("invalid-request-data", "There must be a maximum of 100 items in the array",
                              "data.orderCodes"))
    extra = set(data) - {"orderCodes", "statusId"}
    if extra:
        problems.append(error("invalid-request-data", f"The property {sorted(extra)[0]} is not allowed.", "data"))
    if problems:
        raise ApiError.many(422, problems)
    missing, done = [], []
    for code in codes:
        i = g.store.orders.find(code)
        if i is None:
            missing.append(code)
            continue
        _emit(g.store.set_status(i, status=int(status)))
        done.append(code)
    if len(done) > 1:
        g.sandbox.hub.emit(g.eshop_id, "order:massUpdate", json.dumps(done, separators=(",", ":")))
    errors = []
    if missing:
        errors.append(error("invalid-request-data",
                            f"Orders with codes {', '.join(missing)} do not exist. Skipped.", "data.orderCodes"))
    if not done:
        raise ApiError.many(400, errors)
    return envelope(None, errors)

