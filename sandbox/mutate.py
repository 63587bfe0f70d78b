"""Deterministic churn for `POST /_sandbox/mutate`: change data like a live shop would.

The choices come from random.Random(mix(seed, shop, MUTATE, call number)), so the
same sequence of calls on a fresh sandbox changes the same records, in the same
way, and fires the same webhooks.  Used by convergence tests of the hub.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from sandbox.formats import mix
from sandbox.generator import kinds
from sandbox.generator.profiles import STATUS_IDS

if TYPE_CHECKING:
    from sandbox.runtime import Sandbox

MUTATION_KEYS = ("orders_created", "orders_updated", "orders_deleted", "customers_updated", "products_updated",
                 "stock_moves")
RECENT_ORDERS = 2000  # updates/deletions pick among the newest orders, like real churn


def apply_mutations(sandbox: Sandbox, eshop_id: int, counts: dict) -> dict:
    store = sandbox.stores[eshop_id]
    with store.lock:
        call = store.mutations
        store.mutations += 1
    rng = random.Random(mix(sandbox.config.seed, store.data.index, kinds.MUTATE, call))
    out = {"shop": eshop_id, "call": call, **{k: [] for k in MUTATION_KEYS}}
    n = {k: int(counts.get(k, 0)) for k in MUTATION_KEYS}

    def emit(event: str, instance: str) -> None:
        sandbox.hub.emit(eshop_id, event, instance)

    for _ in range(n["orders_created"]):
        code = store.orders.create()
        out["orders_created"].append(code)
        emit("order:create", code)

    candidates = store.orders.live_indexes(RECENT_ORDERS)
    picks = rng.sample(candidates, min(len(candidates), n["orders_updated"] + n["orders_deleted"]))
    for i in picks[: n["orders_updated"]]:
        current = store.orders.head(i).status
        status = rng.choice([s for s in STATUS_IDS if s != current])
        code = store.orders.code(i)
        for event in store.orders.update(i, status=status):
            emit(event, code)
        out["orders_updated"].append(code)
    for i in picks[n["orders_updated"]:]:
        code = store.orders.delete(i)
        emit("order:delete", code)
        out["orders_deleted"].append(code)

    for _ in range(n["customers_updated"] if store.customers.n else 0):
        j = int(rng.random() * store.customers.n)
        record = store.customers.detail(j)
        accounts = [dict(a) for a in record["accounts"]]
        prefix = accounts[0]["phone"][:4] if accounts[0]["phone"] else "+420"
        accounts[0]["phone"] = f"{prefix}{600000000 + int(rng.random() * 99999999)}"
        store.customers.update(j, {"accounts": accounts, "remark": f"Sandbox change #{call}"})
        emit("customer:update", record["guid"])
        out["customers_updated"].append(record["guid"])

    catalog = store.data.catalog
    for _ in range(n["products_updated"]):
        product = catalog.products[int(rng.random() * store.products.n)]
        name = catalog.name(product, store.data.profile.language)
        store.products.update(product.index, None, {"name": f"{name} (rev. {call})"}, {}, {})
        emit("product:update", product.guid)
        out["products_updated"].append(product.guid)

    codes = list(catalog.by_code)
    stock_ids = store.data.stock_ids
    for _ in range(n["stock_moves"]):
        sid = stock_ids[int(rng.random() * len(stock_ids))]
        code = codes[int(rng.random() * len(codes))]
        change = (1 + int(rng.random() * 5)) * 1000 * (1 if rng.random() < 0.5 else -1)
        movement = store.stock.move(sid, code, change=change, by="admin")
        emit("stock:movement", str(sid))
        out["stock_moves"].append({"stockId": sid, "productCode": code, "amountChange": change / 1000,
                                   "movementId": movement.id})
    return out
