"""Webhook registration API and the notification log."""

from __future__ import annotations

from flask import Blueprint, g

from sandbox.api import ApiError, arg, bool_arg, dt_arg, envelope, json_body, page_args
from sandbox.webhooks import WebhookError

bp = Blueprint("webhooks", __name__)
MAX_PER_CALL = 50


def _not_found(hook_id: int):
    return ApiError(404, "webhook-not-found", f'Webhook with id "{hook_id}" not found.', str(hook_id))


@bp.get("/api/webhooks")
def list_hooks():
    hooks = g.sandbox.hub.hooks(g.eshop_id)
    page = page_args(20, 500)
    page.check(len(hooks))
    chunk = hooks[page.offset:page.offset + page.per_page]
    return envelope({"webhooks": [h.as_json() for h in chunk], "paginator": page.paginator(len(hooks), len(chunk))})


@bp.post("/api/webhooks")
def register():
    items = json_body()["data"]
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise ApiError(422, "invalid-request-data", "Property data must be a non-empty array of webhooks.", "data")
    if len(items) > MAX_PER_CALL:
        raise ApiError(413, "too-many-items", f"Maximum {MAX_PER_CALL} webhooks per request.", "data")
    try:
        created = g.sandbox.hub.register(g.eshop_id, items)
    except WebhookError as exc:
        raise ApiError(exc.status, exc.code, exc.message, exc.instance) from None
    return envelope({"webhooks": [h.as_json() for h in created]}, status=201)


@bp.get("/api/webhooks/<int:hook_id>")
def get_hook(hook_id: int):
    hook = g.sandbox.hub.get(g.eshop_id, hook_id)
    if hook is None:
        raise _not_found(hook_id)
    return envelope({"webhook": hook.as_json()})


@bp.patch("/api/webhooks/<int:hook_id>")
def patch_hook(hook_id: int):
    data = json_body()["data"]
    if not isinstance(data, dict) or not data or set(data) - {"url", "sendPayload"}:
        raise ApiError(422, "invalid-request-data", "Only url and sendPayload can be changed.", "data")
    url = data.get("url")
    if url is not None and (not isinstance(url, str) or len(url) > 2000):
        raise ApiError(422, "invalid-request-data", "Invalid webhook URL.", "data.url")
    hook = g.sandbox.hub.update(g.eshop_id, hook_id, url, data["sendPayload"] if "sendPayload" in data else ...)
    if hook is None:
        raise _not_found(hook_id)
    return envelope({"webhook": hook.as_json()})


@bp.delete("/api/webhooks/<int:hook_id>")
def delete_hook(hook_id: int):
    if not g.sandbox.hub.delete(g.eshop_id, hook_id):
        raise _not_found(hook_id)
    return envelope(None)


@bp.post("/api/webhooks/renew-signature-key")
def renew_key():
    return envelope({"signatureKey": g.sandbox.hub.renew_key(g.eshop_id)})


@bp.get("/api/webhooks/notifications")
def notifications():
    items = g.sandbox.hub.notifications(g.eshop_id)
    status, event, active, since = arg("status"), arg("event"), bool_arg("active"), dt_arg("from")
    if status is not None and status not in ("new", "failed", "success"):
        raise ApiError(400, "invalid-parameter", 'Invalid "status" parameter.', "status")
    items = [n for n in items if (status is None or n.status == status) and (event is None or n.event == event)
             and (active is None or n.active == active) and (since is None or n.created >= since)]
    page = page_args(20, 500)
    page.check(len(items))
    chunk = items[page.offset:page.offset + page.per_page]
    return envelope({"notifications": [n.as_json() for n in chunk],
                     "paginator": page.paginator(len(items), len(chunk))})
