"""`/customers`: WordPress users with the `customer` role; no date filters; delete needs `force=true`."""

from __future__ import annotations

from flask import Blueprint, g

from sandbox.woocommerce import render
from sandbox.woocommerce.rest import Args, Paging, WooError, body
from sandbox.woocommerce.routes import API_PREFIX, EDIT_METHODS, context, force_arg, listing, one, require
from sandbox.woocommerce.routes.batch import run_batch
from sandbox.woocommerce.services import customers as service
from sandbox.woocommerce.store.customers import CustomerQuery

bp = Blueprint("woo_customers", __name__)
ROLES = ("all", "administrator", "editor", "author", "contributor", "subscriber", "customer", "shop_manager")


@bp.get(API_PREFIX + "/customers")
def list_customers():
    args = Args()
    paging = Paging(args)
    query = CustomerQuery(
        orderby=args.choice("orderby", ("id", "include", "name", "registered_date"), "name"),
        desc=args.choice("order", ("asc", "desc"), "asc") == "desc", email=args.text("email"),
        search=args.text("search"), role=args.choice("role", ROLES, "customer"), include=args.ids("include"),
        exclude=frozenset(args.ids("exclude") or ()),
    )
    ctx = context(args)
    args.check()
    require("list")
    total, raws = g.sandbox.store.customers.query(query, paging.offset, paging.per_page)
    return listing([render.customer(raw, ctx) for raw in raws], total, paging)


@bp.post(API_PREFIX + "/customers")
def create_customer():
    data = body()
    require("create")
    raw = service.create(g.sandbox.store, data)
    ctx = context()
    return one(render.customer(raw, ctx), 201, {"Location": f"{ctx.api}/customers/{raw['id']}"})


@bp.get(API_PREFIX + "/customers/<int:cid>")
def get_customer(cid: int):
    require("view")
    raw = g.sandbox.store.customers.get(cid)
    if raw is None:
        raise WooError(404, "woocommerce_rest_invalid_id", "Invalid resource ID.")
    return one(render.customer(raw, context()))


@bp.route(API_PREFIX + "/customers/<int:cid>", methods=EDIT_METHODS)
def update_customer(cid: int):
    data = body()
    require("edit")
    return one(render.customer(service.update(g.sandbox.store, cid, data), context()))


@bp.delete(API_PREFIX + "/customers/<int:cid>")
def delete_customer(cid: int):
    force = force_arg()
    require("delete")
    return one(render.customer(service.delete(g.sandbox.store, cid, force), context()))


@bp.route(API_PREFIX + "/customers/batch", methods=EDIT_METHODS)
def batch_customers():
    store = g.sandbox.store
    ctx = context()
    return run_batch(lambda item: render.customer(service.create(store, item), ctx),
                     lambda cid, item: render.customer(service.update(store, cid, item), ctx),
                     lambda cid: render.customer(service.delete(store, cid, True), ctx))
