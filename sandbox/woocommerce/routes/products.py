"""`/products` and `/products/<id>/variations`: lists, single records, writes, batches.

`GET /products/<variation id>` and `GET /products?sku=<variation sku>` answer the
variation in the product shape (`type: variation`, with `parent_id`), as
WooCommerce does.
"""

from __future__ import annotations

from flask import Blueprint, g

from sandbox.woocommerce import render
from sandbox.woocommerce.rest import Args, Paging, body, invalid_id
from sandbox.woocommerce.routes import (
    API_PREFIX,
    EDIT_METHODS,
    context,
    crud_routes,
    force_arg,
    listing,
    one,
    require,
)
from sandbox.woocommerce.routes.batch import run_batch
from sandbox.woocommerce.services import catalog as service
from sandbox.woocommerce.store.products import ProductQuery

bp = Blueprint("woo_products", __name__)
PRODUCT_ORDERBY = ("date", "id", "include", "title", "slug", "price", "popularity", "rating", "menu_order",
                   "modified")
PRODUCT_STATUSES = ("any", "future", "trash", "draft", "pending", "private", "publish")


def _query(args: Args, variations: bool) -> ProductQuery:
    clock = g.sandbox.store.clock
    gmt = args.bool("dates_are_gmt")
    status = args.choice("status", PRODUCT_STATUSES, "any")
    orderby = PRODUCT_ORDERBY if not variations else ("date", "id", "include", "title", "slug", "modified",
                                                      "menu_order")
    return ProductQuery(
        statuses=None if status == "any" else frozenset({status}),
        type=None if variations else args.choice("type", ("simple", "grouped", "external", "variable"), "") or None,
        sku=args.strings("sku"), include=args.ids("include"), exclude=frozenset(args.ids("exclude") or ()),
        parent=args.ids("parent"), search=args.text("search"),
        stock_status=args.choice("stock_status", ("instock", "outofstock", "onbackorder"), "") or None,
        category=args.int("category", None, minimum=0), after=args.date("after", clock, gmt),
        before=args.date("before", clock, gmt), modified_after=args.date("modified_after", clock, gmt),
        modified_before=args.date("modified_before", clock, gmt),
        orderby=args.choice("orderby", orderby, "date"), desc=args.choice("order", ("asc", "desc"), "desc") == "desc",
    )


def _render(raw: dict, ctx) -> dict:
    products = g.sandbox.store.products
    if raw.get("type") == "variation":
        return render.variation_as_product(raw, products.product(raw["parent_id"]), ctx)
    return render.product(raw, products.child_records(raw["id"]), ctx)


@bp.get(API_PREFIX + "/products")
def list_products():
    args = Args()
    paging = Paging(args)
    query = _query(args, variations=False)
    ctx = context(args)
    args.check()
    require("list")
    total, raws = g.sandbox.store.products.query(query, paging.offset, paging.per_page)
    return listing([_render(raw, ctx) for raw in raws], total, paging)


def _find(pid: int) -> dict:
    products = g.sandbox.store.products
    raw = products.product(pid) or products.variations.get(pid)
    if raw is None:
        raise invalid_id("product")
    return raw


crud_routes(bp, "/products", find=_find, create=lambda data: service.create_product(g.sandbox.store, data),
            update=lambda pid, data: service.update_product(g.sandbox.store, pid, data),
            delete=lambda pid, force: service.delete_product(g.sandbox.store, pid, force),
            render=lambda raw, ctx, _edit: _render(raw, ctx))


# -- variations ---------------------------------------------------------------------------------------
def _parent(pid: int) -> dict:
    parent = g.sandbox.store.products.product(pid)
    if parent is None:
        raise invalid_id("product")
    return parent


@bp.get(API_PREFIX + "/products/<int:pid>/variations")
def list_variations(pid: int):
    args = Args()
    paging = Paging(args)
    query = _query(args, variations=True)
    ctx = context(args)
    args.check()
    require("list")
    _parent(pid)
    total, raws = g.sandbox.store.products.query(query, paging.offset, paging.per_page, parent=pid)
    return listing([render.variation(raw, ctx) for raw in raws], total, paging)


@bp.post(API_PREFIX + "/products/<int:pid>/variations")
def create_variation(pid: int):
    data = body()
    require("create")
    raw = service.create_variation(g.sandbox.store, pid, data)
    ctx = context()
    return one(render.variation(raw, ctx), 201, {"Location": f"{ctx.api}/products/{pid}/variations/{raw['id']}"})


@bp.get(API_PREFIX + "/products/<int:pid>/variations/<int:vid>")
def get_variation(pid: int, vid: int):
    require("view")
    raw = g.sandbox.store.products.variation(pid, vid)
    if raw is None:
        raise invalid_id("product_variation")
    return one(render.variation(raw, context()))


@bp.route(API_PREFIX + "/products/<int:pid>/variations/<int:vid>", methods=EDIT_METHODS)
def update_variation(pid: int, vid: int):
    data = body()
    require("edit")
    return one(render.variation(service.update_variation(g.sandbox.store, pid, vid, data), context()))


@bp.delete(API_PREFIX + "/products/<int:pid>/variations/<int:vid>")
def delete_variation(pid: int, vid: int):
    force = force_arg()
    require("delete")
    return one(render.variation(service.delete_variation(g.sandbox.store, pid, vid, force), context()))


@bp.route(API_PREFIX + "/products/<int:pid>/variations/batch", methods=EDIT_METHODS)
def batch_variations(pid: int):
    data = body()
    require("batch")
    store = g.sandbox.store
    ctx = context()
    _parent(pid)
    return run_batch(data, lambda item: render.variation(service.create_variation(store, pid, item), ctx),
                     lambda vid, item: render.variation(service.update_variation(store, pid, vid, item), ctx),
                     lambda vid: render.variation(service.delete_variation(store, pid, vid, True), ctx))
