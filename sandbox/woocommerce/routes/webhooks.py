"""`/webhooks`: registrations; the `secret` is shown only in the edit context (create/update answers)."""

from __future__ import annotations

from flask import Blueprint, g

from sandbox.woocommerce import render
from sandbox.woocommerce.rest import Args, Paging
from sandbox.woocommerce.routes import API_PREFIX, context, crud_routes, listing, require
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


def _create(data: dict):
    hook = service.create(g.sandbox.store, data)
    g.sandbox.hub.ping(hook)  # synchronous; a failed ping does not fail the create
    return hook


crud_routes(bp, "/webhooks", find=lambda wid: service.get(g.sandbox.store, wid), create=_create,
            update=lambda wid, data: service.update(g.sandbox.store, wid, data),
            delete=lambda wid, force: service.delete(g.sandbox.store, wid, force),
            render=lambda hook, ctx, edit: render.webhook(hook, ctx, edit))
