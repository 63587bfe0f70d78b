"""`/webhooks`: registrations; the `secret` is shown only in the edit context (create/update answers)."""

from __future__ import annotations

from flask import Blueprint, g

from sandbox.woocommerce import render
from sandbox.woocommerce.rest import Args, Paging, body
from sandbox.woocommerce.routes import API_PREFIX, EDIT_METHODS, context, force_arg, listing, one, require
from sandbox.woocommerce.routes.batch import run_batch
from sandbox.woocommerce.services import webhooks as service

bp = Blueprint("woo_webhooks", __name__)


@bp.get(API_PREFIX + "/webhooks")
def list_webhooks():
    args = Args()
    paging = Paging(args)
    status = args.choice("status", ("all", "active", "paused", "disabled"), "all")
    orderby = args.choice("orderby", ("date", "id", "title"), "date")
    desc = args.choice("order", ("asc", "desc"), "desc") == "desc"
    include, exclude = args.ids("include"), set(args.ids("exclude") or ())
    edit = args.choice("context", ("view", "edit"), "view") == "edit"
    ctx = context(args)
    args.check()
    require("list")
    with g.sandbox.store.webhooks.lock:
        hooks = [h for h in g.sandbox.store.webhooks.items.values()
                 if (status == "all" or h.status == status) and h.id not in exclude
                 and (include is None or h.id in include)]
    key = {"date": lambda h: (h.created, h.id), "id": lambda h: h.id, "title": lambda h: (h.name.lower(), h.id)}
    hooks.sort(key=key[orderby], reverse=desc)
    page = hooks[paging.offset:paging.offset + paging.per_page]
    return listing([render.webhook(h, ctx, edit) for h in page], len(hooks), paging)


@bp.post(API_PREFIX + "/webhooks")
def create_webhook():
    data = body()
    require("create")
    hook = service.create(g.sandbox.store, data)
    g.sandbox.hub.ping(hook)
    ctx = context()
    return one(render.webhook(hook, ctx, edit=True), 201, {"Location": f"{ctx.api}/webhooks/{hook.id}"})


@bp.get(API_PREFIX + "/webhooks/<int:wid>")
def get_webhook(wid: int):
    args = Args()
    edit = args.choice("context", ("view", "edit"), "view") == "edit"
    args.check()
    require("view")
    return one(render.webhook(service.get(g.sandbox.store, wid), context(), edit))


@bp.route(API_PREFIX + "/webhooks/<int:wid>", methods=EDIT_METHODS)
def update_webhook(wid: int):
    data = body()
    require("edit")
    return one(render.webhook(service.update(g.sandbox.store, wid, data), context(), edit=True))


@bp.delete(API_PREFIX + "/webhooks/<int:wid>")
def delete_webhook(wid: int):
    force = force_arg()
    require("delete")
    return one(render.webhook(service.delete(g.sandbox.store, wid, force), context(), edit=True))


@bp.route(API_PREFIX + "/webhooks/batch", methods=EDIT_METHODS)
def batch_webhooks():
    store, hub = g.sandbox.store, g.sandbox.hub
    ctx = context()

    def create(item: dict) -> dict:
        hook = service.create(store, item)
        hub.ping(hook)
        return render.webhook(hook, ctx, edit=True)

    return run_batch(create, lambda wid, item: render.webhook(service.update(store, wid, item), ctx, edit=True),
                     lambda wid: render.webhook(service.delete(store, wid, True), ctx, edit=True))
