"""HTTP routes: `/wp-json/wc/v3/...` (one module per resource), `/wc-auth/v1/...` and `/_sandbox/...`.

Helpers here are what every REST view does: the endpoint's own permission check
(anonymous -> 401 `woocommerce_rest_cannot_*`), the render context, `_fields`,
and list answers with their paging headers.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Flask, g, request

from sandbox.woocommerce.render import Context
from sandbox.woocommerce.rest import Args, Paging, WooError, body, json_response
from sandbox.woocommerce.routes.batch import run_batch

API_PREFIX = "/wp-json/wc/v3"
_DENIED = {
    "list": ("woocommerce_rest_cannot_view", "Sorry, you cannot list resources."),
    "view": ("woocommerce_rest_cannot_view", "Sorry, you cannot view this resource."),
    "create": ("woocommerce_rest_cannot_create", "Sorry, you are not allowed to create resources."),
    "edit": ("woocommerce_rest_cannot_edit", "Sorry, you are not allowed to edit this resource."),
    "delete": ("woocommerce_rest_cannot_delete", "Sorry, you are not allowed to delete this resource."),
    "batch": ("woocommerce_rest_cannot_batch", "Sorry, you are not allowed to batch manipulate this resource."),
}
EDIT_METHODS = ["POST", "PUT", "PATCH"]


def register_all(app: Flask) -> None:
    from sandbox.woocommerce.routes import admin, customers, index, orders, products, wcauth, webhooks

    for module in (admin, wcauth, index, orders, customers, products, webhooks):
        app.register_blueprint(module.bp)


def require(action: str) -> None:
    """The endpoint's permission callback: a logged-out request may do nothing."""
    if g.get("user") is None:
        code, message = _DENIED[action]
        raise WooError(401, code, message)


def context(args: Args | None = None) -> Context:
    dp = args.int("dp", None, minimum=0) if args is not None else None
    store = g.sandbox.store
    return Context(store.clock, request.host_url.rstrip("/") + API_PREFIX, store.home, 2 if dp is None else dp)


def trim(item: dict, fields: tuple[str, ...] | None) -> dict:
    """`_fields=a,b`: only those keys (`id` is always kept)."""
    if not fields:
        return item
    wanted = {*fields, "id"}
    return {k: v for k, v in item.items() if k in wanted}


def one(item: dict, status: int = 200, headers: dict | None = None):
    return json_response(trim(item, Args().strings("_fields")), status, headers)


def listing(items: list[dict], total: int, paging: Paging):
    fields = Args().strings("_fields")
    return json_response([trim(item, fields) for item in items], headers=paging.headers(total))


def force_arg() -> bool:
    args = Args()
    force = args.bool("force", False)
    args.check()
    return force


def crud_routes(bp: Blueprint, collection: str, *, find: Callable[[int], object], create: Callable[[dict], object],
                update: Callable[[int, dict], object], delete: Callable[[int, bool], object],
                render: Callable[[object, Context, bool], dict]) -> None:
    """The record endpoints of a collection, the same for every resource: `POST` (201 and `Location`),
    `GET`, `PUT`/`PATCH`/`POST` and `DELETE` of `<id>`, and `<collection>/batch`.  `render(record, ctx,
    edit)` draws a record; `edit` is the edit context (answers to writes, `?context=edit`)."""
    base = API_PREFIX + collection

    def create_view():
        data = body()
        require("create")
        ctx = context()
        item = render(create(data), ctx, True)
        return one(item, 201, {"Location": f"{ctx.api}{collection}/{item['id']}"})

    def get_view(rid: int):
        args = Args()
        ctx = context(args)
        edit = args.choice("context", ("view", "edit"), "view") == "edit"
        args.check()
        require("view")
        return one(render(find(rid), ctx, edit))

    def update_view(rid: int):
        data = body()
        require("edit")
        return one(render(update(rid, data), context(), True))

    def delete_view(rid: int):
        force = force_arg()
        require("delete")
        return one(render(delete(rid, force), context(), True))

    def batch_view():
        data = body()
        require("batch")
        ctx = context()
        return run_batch(data, lambda item: render(create(item), ctx, True),
                         lambda rid, item: render(update(rid, item), ctx, True),
                         lambda rid: render(delete(rid, True), ctx, True))

    bp.add_url_rule(base, "create", create_view, methods=["POST"])
    bp.add_url_rule(f"{base}/<int:rid>", "get", get_view, methods=["GET"])
    bp.add_url_rule(f"{base}/<int:rid>", "update", update_view, methods=EDIT_METHODS)
    bp.add_url_rule(f"{base}/<int:rid>", "delete", delete_view, methods=["DELETE"])
    bp.add_url_rule(f"{base}/batch", "batch", batch_view, methods=EDIT_METHODS)
