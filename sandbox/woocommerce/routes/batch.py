"""`.../batch`: create, update and delete in one request, each item on its own.

At most 100 items in all (else `413 woocommerce_rest_request_entity_too_large`
and nothing happens); creates run first, then updates, then deletes (always
permanent); a failed item becomes `{"id": ..., "error": {...}}` and the others
still happen (no transaction); the answer is 200 either way.  The fault switch
`batch_500_over: N` makes a bigger batch apply its first N items and then die
with a 500, like a PHP run that hit its time limit.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import g

from sandbox.woocommerce.rest import WooError, json_response

BATCH_LIMIT = 100


def critical_error() -> WooError:
    """What WordPress answers a REST request whose PHP run died (fatal error, time limit)."""
    return WooError(500, "internal_server_error",
                    "<p>There has been a critical error on this website.</p>"
                    '<p><a href="https://wordpress.org/documentation/article/faq-troubleshooting/">'
                    "Learn more about troubleshooting WordPress.</a></p>", {"error": {"type": 1}})


def run_batch(items: dict, create: Callable[[dict], dict] | None, update: Callable[[int, dict], dict],
              delete: Callable[[int], dict]):
    """Apply a batch body (the caller has checked the `batch` permission)."""
    groups = {name: items.get(name) or [] for name in ("create", "update", "delete")}
    total = sum(len(v) for v in groups.values() if isinstance(v, list))
    if total > BATCH_LIMIT:
        raise WooError(413, "woocommerce_rest_request_entity_too_large",
                       f"Unable to accept more than {BATCH_LIMIT} items for this request.")
    budget = g.sandbox.faults.get("batch_500_over")
    done = 0
    out: dict[str, list] = {}

    def step(name: str, item_id, action: Callable[[], dict]) -> None:
        nonlocal done
        if budget is not None and total > budget and done >= budget:
            raise critical_error()
        done += 1
        try:
            out.setdefault(name, []).append(action())
        except WooError as exc:
            out.setdefault(name, []).append({"id": item_id, "error": {"code": exc.code, "message": exc.message,
                                                                      "data": {"status": exc.status, **exc.data}}})

    for item in groups["create"] if create is not None else []:
        step("create", 0, lambda item=item: create(item if isinstance(item, dict) else {}))
    for item in groups["update"]:
        item = item if isinstance(item, dict) else {}
        item_id = _int(item.get("id"))
        step("update", item_id, lambda item=item, item_id=item_id: update(item_id, item))
    for item in groups["delete"]:
        item_id = _int(item.get("id") if isinstance(item, dict) else item)
        if item_id:
            step("delete", item_id, lambda item_id=item_id: delete(item_id))
    return json_response(out)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0
