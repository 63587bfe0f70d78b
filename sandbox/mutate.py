"""Deterministic churn for `POST /_sandbox/mutate`: change data like a live shop would.

The choices come from random.Random(mix(seed, shop, MUTATE, call number)), so the
same sequence of calls on a fresh sandbox changes the same records, in the same
way, and fires the same webhooks.  Used by convergence tests of the hub.  Orders
created here are sales: they take their goods out of the default stock.  Texts
and prices changed here are edits "behind the hub's back" (the shop's admin).
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
                 "stock_moves", "texts_changed", "prices_changed")
OPTION_KEYS = ("language",)  # language of texts_changed (default: the shop's)
RECENT_ORDERS = 2000  # updates/deletions pick among the newest orders, like real churn
TEXT_EDITS = ("name", "shortDescription", "description", "metaDescription", "additionalName", "metaTitle")


class MutationError(ValueError):
    pass


def apply_mutations(sandbox: Sandbox, eshop_id: int, counts: dict, options: dict | None = None) -> dict:
    store = sandbox.stores[eshop_id]
    options = options or {}
    language = options.get("language") or store.data.profile.language
    if language not in store.data.profile.languages:
        raise MutationError(f"language {language!r} is not one of the shop's {list(store.data.profile.languages)}")
    with store.lock:
        call = store.mutations
        store.mutations += 1
    rng = random.Random(mix(sandbox.config.seed, store.data.index, kinds.MUTATE, call))
    out = {"shop": eshop_id, "call": call, **{k: [] for k in MUTATION_KEYS}}
    n = {k: int(counts.get(k, 0)) for k in MUTATION_KEYS}

    def emit(event: str, instance: str) -> None:
        sandbox.hub.emit(eshop_id, event, instance)

    def emit_all(events) -> None:
        for event, instance in events:
            emit(event, instance)

    for _ in range(n["orders_created"]):
        code, events = store.sell()
        out["orders_created"].append(code)
        emit_all(events)

    candidates = store.orders.live_indexes(RECENT_ORDERS)
    picks = rng.sample(candidates, min(len(candidates), n["orders_updated"] + n["orders_deleted"]))
    for i in picks[: n["orders_updated"]]:
        current = store.orders.head(i).status
        status = rng.choice([s for s in STATUS_IDS if s != current])
        emit_all(store.set_status(i, status=status))
        out["orders_updated"].append(store.orders.code(i))
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

    for _ in range(n["texts_changed"]):
        product = catalog.products[int(rng.random() * store.products.n)]
        field = TEXT_EDITS[int(rng.random() * len(TEXT_EDITS))]
        current = store.products.texts_of(product.index, language)[field] or catalog.name(product, language)
        value = f"{current} (upraveno #{call})" if field != "description" else f"{current}<p>Upraveno #{call}.</p>"
        store.products.update(product.index, language, {field: value[:250]}, {}, {})
        emit("product:update", product.guid)
        out["texts_changed"].append({"guid": product.guid, "language": language, "field": field})

    for _ in range(n["prices_changed"]):
        product = catalog.products[int(rng.random() * store.products.n)]
        variant = product.variants[int(rng.random() * len(product.variants))]
        current = store.prices.price(product, variant).price or variant.price
        new_price = max(100, current * (90 + int(rng.random() * 21)) // 100 // 100 * 100)
        store.prices.update(1, product, variant, {"code": variant.code, "price": {"price": f"{new_price / 100:.2f}"}})
        store.products.touch(product.index)
        emit("productVariantPrice:update", variant.code)
        out["prices_changed"].append({"code": variant.code, "price": f"{new_price / 100:.2f}"})

    codes = list(catalog.by_code)
    stock_ids = store.data.stock_ids
    for _ in range(n["stock_moves"]):
        sid = stock_ids[int(rng.random() * len(stock_ids))]
        code = codes[int(rng.random() * len(codes))]
        change = (1 + int(rng.random() * 5)) * 1000 * (1 if rng.random() < 0.5 else -1)
        current = store.stock.amounts[(sid, code)]
        change = max(change, -current)  # an admin never takes more than the shelf holds
        movement, events = store.stock.move(sid, code, change=change, by="admin")
        emit("stock:movement", str(sid))
        emit_all((event, code) for event in events)
        out["stock_moves"].append({"stockId": sid, "productCode": code, "amountChange": movement.change / 1000,
                                   "movementId": movement.id})
    return out
