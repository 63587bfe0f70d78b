"""Sandbox control endpoints under /_sandbox (no auth, no faults, not counted)."""

from __future__ import annotations

from flask import Blueprint, g, request

from sandbox.woocommerce.faults import SWITCHES, FaultError
from sandbox.woocommerce.mutate import MUTATION_KEYS
from sandbox.woocommerce.rest import json_response

bp = Blueprint("woo_admin", __name__)


def _body() -> dict:
    data = request.get_json(silent=True, force=True)
    return data if isinstance(data, dict) else {}


@bp.get("/_sandbox/store")
def describe():
    return json_response(g.sandbox.describe())


@bp.get("/_sandbox/state")
def state():
    return json_response(g.sandbox.state())


@bp.get("/_sandbox/faults")
def get_faults():
    return json_response({"faults": g.sandbox.faults.snapshot(), "switches": {k: v[1] for k, v in SWITCHES.items()}})


@bp.post("/_sandbox/faults")
def set_faults():
    try:
        return json_response({"faults": g.sandbox.faults.set(_body())})
    except FaultError as exc:
        return json_response({"error": str(exc)}, 400)


@bp.delete("/_sandbox/faults")
def reset_faults():
    g.sandbox.faults.reset()
    return json_response({"faults": g.sandbox.faults.snapshot()})


@bp.post("/_sandbox/mutate")
def mutate():
    data = _body()
    unknown = set(data) - set(MUTATION_KEYS)
    if unknown:
        return json_response({"error": f"unknown keys {sorted(unknown)}; allowed: {list(MUTATION_KEYS)}"}, 400)
    try:
        counts = {k: int(data.get(k, 0)) for k in MUTATION_KEYS}
    except (TypeError, ValueError) as exc:
        return json_response({"error": str(exc)}, 400)
    if any(v < 0 for v in counts.values()):
        return json_response({"error": "counts must not be negative"}, 400)
    return json_response(g.sandbox.mutate(counts))


@bp.post("/_sandbox/keys")
def new_key():
    permissions = _body().get("permissions", "read_write")
    if permissions not in ("read", "write", "read_write"):
        return json_response({"error": "permissions must be read, write or read_write"}, 400)
    return json_response(g.sandbox.keys.create(permissions, "Sandbox key").describe())


@bp.get("/_sandbox/webhooks")
def webhooks():
    """Registrations with what the REST API does not show: failure counts and the delivery log."""
    hooks = g.sandbox.store.webhooks
    with hooks.lock:
        items = [{"id": h.id, "topic": h.topic, "status": h.status, "failure_count": h.failure_count,
                  "delivery_url": h.delivery_url, "deliveries": list(h.deliveries)} for h in hooks.items.values()]
    return json_response({"webhooks": items, "pending": g.sandbox.hub.pending()})


@bp.post("/_sandbox/wc-auth")
def wc_auth_settings():
    g.sandbox.auto_approve = bool(_body().get("auto_approve"))
    return json_response({"auto_approve": g.sandbox.auto_approve})
