"""`/customers`: WordPress users with the `customer` role; no date filters; delete needs `force=true`."""

from __future__ import annotations

from flask import Blueprint, g

from sandbox.woocommerce import render
from sandbox.woocommerce.rest import Args, Paging, WooError
from sandbox.woocommerce.routes import API_PREFIX, context, crud_routes, listing, require
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


def _find(cid: int) -> dict:
    raw = g.sandbox.store.customers.get(cid)
    if raw is None:
        raise WooError(404, "woocommerce_rest_invalid_id", "Invalid resource ID.")
    return raw


crud_routes(bp, "/customers", find=_find, create=lambda data: service.create(g.sandbox.store, data),
            update=lambda cid, data: service.update(g.sandbox.store, cid, data),
            delete=lambda cid, force: service.delete(g.sandbox.store, cid, force),
            render=lambda raw, ctx, _edit: render.customer(raw, ctx))
