"""Sandbox control endpoints under /_sandbox (no auth, not rate limited, no faults)."""

from __future__ import annotations

import orjson
from flask import Blueprint, Response, g, request

from sandbox.faults import SWITCHES, FaultError
from sandbox.mutate import MUTATION_KEYS, OPTION_KEYS, MutationError
from sandbox.truth import truth_of

bp = Blueprint("admin", __name__)


def _json(payload, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status=status, content_type="application/json")


def _body() -> dict:
    body = request.get_json(silent=True, force=True)
    return body if isinstance(body, dict) else {}


def _shop(value) -> int | None:
    if value is None:
        return None
    shop = int(value)
    if shop not in g.sandbox.by_id:
        raise FaultError(f"unknown shop {shop}")
    return shop


@bp.get("/_sandbox/shops")
def shops():
    return _json(g.sandbox.describe())


@bp.get("/_sandbox/faults")
def get_faults():
    return _json({"faults": g.sandbox.faults.snapshot(), "switches": {k: v[1] for k, v in SWITCHES.items()}})


@bp.post("/_sandbox/faults")
def set_faults():
    body = _body()
    try:
        shop = _shop(body.pop("shop", None))
        return _json(g.sandbox.set_faults(shop, body))
    except (FaultError, ValueError) as exc:
        return _json({"error": str(exc)}, 400)


@bp.delete("/_sandbox/faults")
def reset_faults():
    try:
        shop = _shop(request.args.get("shop"))
    except (FaultError, ValueError) as exc:
        return _json({"error": str(exc)}, 400)
    g.sandbox.faults.reset(shop)
    return _json({"faults": g.sandbox.faults.snapshot()})


@bp.get("/_sandbox/state")
def state():
    return _json(g.sandbox.state())


@bp.post("/_sandbox/mutate")
def mutate():
    body = _body()
    unknown = set(body) - set(MUTATION_KEYS) - set(OPTION_KEYS) - {"shop"}
    if unknown:
        return _json({"error": f"unknown keys {sorted(unknown)}; allowed: {list(MUTATION_KEYS + OPTION_KEYS)}"}, 400)
    try:
        shop = _shop(body.get("shop"))
        counts = {k: int(body.get(k, 0)) for k in MUTATION_KEYS}
    except (FaultError, ValueError, TypeError) as exc:
        return _json({"error": str(exc)}, 400)
    if any(v < 0 for v in counts.values()):
        return _json({"error": "counts must not be negative"}, 400)
    options = {k: body[k] for k in OPTION_KEYS if body.get(k) is not None}
    sandbox = g.sandbox
    try:
        if shop is not None:
            return _json(sandbox.mutate(shop, counts, options))
        return _json({"shops": [sandbox.mutate(eshop_id, counts, options) for eshop_id in sandbox.by_id]})
    except MutationError as exc:
        return _json({"error": str(exc)}, 400)


@bp.get("/_sandbox/truth")
def truth():
    """What made the data: customers' purchase process, demand and supply (see sandbox/README.md)."""
    try:
        shop = _shop(request.args.get("shop"))
    except (FaultError, ValueError) as exc:
        return _json({"error": str(exc)}, 400)
    if shop is None:
        return _json({"error": "shop is required"}, 400)
    store = g.sandbox.stores[shop]
    customer = request.args.get("customer")
    if customer is not None:
        j = store.customers.find(customer)
        if j is None:
            return _json({"error": f"unknown customer {customer}"}, 404)
        return _json({"shop": shop, "customer": customer, **store.data.stream.customer_truth(j)})
    return _json({"shop": shop, **truth_of(store.data)})


@bp.post("/_sandbox/install-code")
def install_code():
    """A fresh single-use install code (Shoptet sends one per installation)."""
    try:
        shop = _shop(_body().get("shop"))
    except (FaultError, ValueError) as exc:
        return _json({"error": str(exc)}, 400)
    if shop is None:
        return _json({"error": "shop is required"}, 400)
    return _json({"shop": shop, "install_code": g.sandbox.auth.new_install_code(shop)})


@bp.get("/shops/<int:eshop_id>/")
def shop_home(eshop_id: int):
    shop = g.sandbox.by_id.get(eshop_id)
    if shop is None:
        return Response("not found", status=404)
    return Response(f"<!doctype html><title>{shop.profile.name}</title><h1>{shop.profile.name}</h1>"
                    f"<p>Shoptet sandbox e-shop {eshop_id}</p>", content_type="text/html; charset=utf-8")
