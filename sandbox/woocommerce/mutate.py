"""Deterministic churn for `POST /_sandbox/mutate`: change the store like its merchant and shoppers would.

Choices come from random.Random(mix(seed, WOO_MUTATE, call number)), so the same
calls on a fresh sandbox change the same records the same way.  Everything goes
through the write services, so `date_modified` moves and webhooks fire as the
store would fire them; all changes of one call share the current second (ties).
`orders_touched` bumps `date_modified` without changing anything else;
`orders_deleted` deletes for good, which fires no webhook.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from sandbox.formats import mix
from sandbox.woocommerce.services import catalog, customers, orders

if TYPE_CHECKING:
    from sandbox.woocommerce.runtime import WooSandbox

WOO_MUTATE = 130
MUTATION_KEYS = ("orders_created", "orders_updated", "orders_touched", "orders_trashed", "orders_restored",
                 "orders_deleted", "customers_created", "customers_updated", "customers_deleted",
                 "products_updated", "products_trashed", "stock_changes")
RECENT_ORDERS = 2000  # churn happens among the newest orders
NEXT_STATUS = {"pending": "processing", "processing": "completed", "on-hold": "processing",
               "completed": "refunded", "failed": "cancelled", "checkout-draft": "pending"}


def apply_mutations(sandbox: WooSandbox, counts: dict) -> dict:
    store = sandbox.store
    with store.lock:
        call = sandbox.mutations
        sandbox.mutations += 1
        rng = random.Random(mix(sandbox.config.seed, WOO_MUTATE, call))
        out: dict = {"call": call, **{key: [] for key in MUTATION_KEYS}}
        _orders(store, rng, counts, out)
        _customers(store, rng, counts, out)
        _products(store, rng, counts, out)
    return out


def _orders(store, rng: random.Random, counts: dict, out: dict) -> None:
    products = [raw for raw in store.products.products.values() if raw["status"] == "publish"]
    for _ in range(counts.get("orders_created", 0)):
        lines = []
        for _line in range(1 + int(rng.random() * 3)):
            product = products[int(rng.random() * len(products))]
            children = store.products.children.get(product["id"])
            line = {"product_id": product["id"], "quantity": 1 + int(rng.random() * 2)}
            if children:
                line["variation_id"] = children[int(rng.random() * len(children))]
            lines.append(line)
        customer_id = 2 + int(rng.random() * store.sizes.customers) if store.sizes.customers and \
            rng.random() < 0.7 else 0
        body = {"line_items": lines, "set_paid": rng.random() < 0.6, "customer_id": customer_id,
                "billing": {"first_name": "Churn", "last_name": f"Shopper {rng.getrandbits(16)}",
                            "email": f"churn.{rng.getrandbits(32):08x}@example.test", "country": "CZ"},
                "shipping_lines": [{"method_id": "flat_rate", "method_title": "Zásilkovna", "total": "65.29"}]}
        if customer_id and store.customers.get(customer_id) is None:
            body["customer_id"] = 0
        out["orders_created"].append(orders.create(store, body)["id"])
    live = sorted(store.orders.live_ids(RECENT_ORDERS))
    wanted = sum(counts.get(k, 0) for k in ("orders_updated", "orders_touched", "orders_trashed", "orders_deleted"))
    picks = rng.sample(live, min(len(live), wanted))
    for key in ("orders_updated", "orders_touched", "orders_trashed", "orders_deleted"):
        for oid in picks[:counts.get(key, 0)]:
            current = store.orders.get(oid)
            if key == "orders_updated":
                if current["status"] == "trash":
                    continue
                status = NEXT_STATUS.get(current["status"], current["status"])
                orders.update(store, oid, {"status": status, "customer_note": f"Sandbox change #{out['call']}"})
            elif key == "orders_touched":
                orders.touch(store, oid)
            elif key == "orders_trashed":
                if current["status"] == "trash":
                    continue
                orders.delete(store, oid, force=False)
            else:
                orders.delete(store, oid, force=True)
            out[key].append(oid)
        picks = picks[counts.get(key, 0):]
    trashed = sorted(oid for oid, raw in store.orders.overlay.items() if raw["status"] == "trash")
    for oid in trashed[:counts.get("orders_restored", 0)]:
        out["orders_restored"].append(orders.restore(store, oid)["id"])


def _customers(store, rng: random.Random, counts: dict, out: dict) -> None:
    for _ in range(counts.get("customers_created", 0)):
        tag = f"{rng.getrandbits(40):010x}"
        raw = customers.create(store, {"email": f"new.{tag}@example.test", "first_name": "Nový",
                                       "last_name": f"Zákazník {tag[:4]}"})
        out["customers_created"].append(raw["id"])
    n = store.sizes.customers
    for key in ("customers_updated", "customers_deleted"):
        for _ in range(counts.get(key, 0) if n else 0):
            cid = 2 + int(rng.random() * n)
            if store.customers.get(cid) is None:
                continue
            if key == "customers_updated":
                customers.update(store, cid, {"billing": {"phone": f"+420 6{rng.getrandbits(24) % 10**8:08d}"}})
            else:
                customers.delete(store, cid, force=True)
            out[key].append(cid)


def _products(store, rng: random.Random, counts: dict, out: dict) -> None:
    ids = sorted(pid for pid, raw in store.products.products.items() if raw["status"] != "trash")
    for _ in range(counts.get("products_updated", 0)):
        pid = ids[int(rng.random() * len(ids))]
        name = store.products.product(pid)["name"].split(" (rev.")[0]
        catalog.update_product(store, pid, {"name": f"{name} (rev. {out['call']})"})
        out["products_updated"].append(pid)
    for _ in range(counts.get("products_trashed", 0)):
        live = [pid for pid in ids if store.products.product(pid)["status"] != "trash"]
        if live:
            pid = live[int(rng.random() * len(live))]
            catalog.delete_product(store, pid, force=False)
            out["products_trashed"].append(pid)
    stocked = sorted([*(pid for pid in ids if store.products.product(pid)["manage_stock"]),
                      *store.products.variations])
    for _ in range(counts.get("stock_changes", 0)):
        target = stocked[int(rng.random() * len(stocked))]
        delta = (1 + int(rng.random() * 5)) * (1 if rng.random() < 0.5 else -1)
        catalog.change_stock(store, target, delta)
        out["stock_changes"].append({"id": target, "delta": delta})
