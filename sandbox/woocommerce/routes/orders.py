"""`/orders`: lists (filters, paging, `modified_after`...), single orders, writes, refunds, batch."""

from __future__ import annotations

from flask import Blueprint, g

from sandbox.woocommerce import render
from sandbox.woocommerce.generator.orders import CODE, STATUSES, VISIBLE
from sandbox.woocommerce.rest import Args, Paging, WooError, invalid_id
from sandbox.woocommerce.routes import API_PREFIX, context, crud_routes, listing, one, require
from sandbox.woocommerce.services import orders as service
from sandbox.woocommerce.store.orders import OrderQuery

bp = Blueprint("woo_orders", __name__)
ORDERBY = ("date", "id", "include", "title", "slug", "modified")
STATUS_CHOICES = ("any", *STATUSES)


def _statuses(args: Args) -> frozenset[int]:
    wanted = args.strings("status") or ("any",)
    codes: set[int] = set()
    for k, name in enumerate(wanted):
        if name not in STATUS_CHOICES:
            args.errors["status"] = f"status[{k}] is not one of {', '.join(STATUS_CHOICES)}."
        elif name == "any":
            codes |= VISIBLE
        else:
            codes.add(CODE[name])
    return frozenset(codes)


@bp.get(API_PREFIX + "/orders")
def list_orders():
    store = g.sandbox.store
    args = Args()
    paging = Paging(args)
    gmt = args.bool("dates_are_gmt")
    clock = store.clock
    query = OrderQuery(
        statuses=_statuses(args), after=args.date("after", clock, gmt), before=args.date("before", clock, gmt),
        modified_after=args.date("modified_after", clock, gmt),
        modified_before=args.date("modified_before", clock, gmt), include=args.ids("include"),
        exclude=frozenset(args.ids("exclude") or ()), customer=args.int("customer", None, minimum=0),
        product=args.int("product", None, minimum=0), search=args.text("search"),
        orderby=args.choice("orderby", ORDERBY, "date"), desc=args.choice("order", ("asc", "desc"), "desc") == "desc",
    )
    ctx = context(args)
    args.check()
    require("list")
    total, raws = store.orders.query(query, paging.offset, paging.per_page)
    return listing([render.order(raw, ctx) for raw in raws], total, paging)


def _find(oid: int) -> dict:
    raw = g.sandbox.store.orders.get(oid)
    if raw is None:
        raise invalid_id("shop_order")
    return raw


crud_routes(bp, "/orders", find=_find, create=lambda data: service.create(g.sandbox.store, data),
            update=lambda oid, data: service.update(g.sandbox.store, oid, data),
            delete=lambda oid, force: service.delete(g.sandbox.store, oid, force),
            render=lambda raw, ctx, _edit: render.order(raw, ctx))


# -- refunds (read) -----------------------------------------------------------------------------------
def _order_for_refunds(oid: int) -> dict:
    require("list")
    raw = g.sandbox.store.orders.get(oid)
    if raw is None:
        raise WooError(404, "woocommerce_rest_order_invalid_id", "Invalid order ID.")
    return raw


@bp.get(API_PREFIX + "/orders/<int:oid>/refunds")
def list_refunds(oid: int):
    args = Args()
    paging = Paging(args)
    ctx = context(args)
    args.check()
    raw = _order_for_refunds(oid)
    refunds = [render.refund(raw, entry, ctx) for entry in reversed(raw["_refunds"])]
    return listing(refunds[paging.offset:paging.offset + paging.per_page], len(refunds), paging)


@bp.get(API_PREFIX + "/orders/<int:oid>/refunds/<int:rid>")
def get_refund(oid: int, rid: int):
    raw = _order_for_refunds(oid)
    entry = next((r for r in raw["_refunds"] if r["id"] == rid), None)
    if entry is None:
        raise invalid_id("shop_order_refund")
    return one(render.refund(raw, entry, context()))
