"""The hub's changes going to a WooCommerce store: order statuses (`/orders/batch`) and stock (batch updates
of products and of each variable product's variations), at most 100 items a call.

Both set absolute values, so sending one twice changes nothing the second time (the idempotence the hub's
pushes rely on); the store's answer to each item is the outcome. Each chunk is its own call: the client
retries a host's 429 or a 5xx after the wait it asks for, and a chunk that still fails is reported as failed
for its items alone, so the chunks before it stay done and nothing is lost or sent twice. The echo (the
store's `order.updated` / `product.updated` webhook for the hub's own change) is an ordinary change: the sync
reads the store, and a record equal to what the hub holds is left unchanged.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from sqlalchemy import text

from app.channels.base import ChannelError, PushResult, ShopWriter
from app.channels.woocommerce import statuses
from app.channels.woocommerce.api import client_for_shop
from app.extensions import db
from app.woocommerce import BATCH_LIMIT, WooError


def _chunks(items: list, size: int = BATCH_LIMIT):
    for start in range(0, len(items), size):
        yield items[start:start + size]


class WooWriter(ShopWriter):
    title = "WooCommerce"

    def __init__(self, shop):
        self.shop = shop
        self.client = client_for_shop(shop)
        self.requests = 0

    def __exit__(self, *exc) -> None:
        self.client.close()

    def _send(self, path: str, updates: list[tuple[str, dict]], result: PushResult) -> None:
        """`updates`: (key, item with `id`) → `<path>/batch`, chunk by chunk; each key's outcome in `result`."""
        for chunk in _chunks(updates):
            by_id = {int(item["id"]): key for key, item in chunk}
            try:
                answer = self.client.batch(path, update=[item for _, item in chunk])
            except WooError as exc:
                for key, _ in chunk:
                    result.failed[key] = f"WooCommerce did not take it: {exc}"
                continue
            finally:
                self.requests += 1
            failed_ids = set()
            for error in answer.errors:
                failed_ids.add(error.id)
                if error.id in by_id:
                    result.failed[by_id[error.id]] = f"{error.message} ({error.code})"
            for entry in answer.updated:
                key = by_id.get(int(entry.get("id") or 0))
                if key is not None and int(entry["id"]) not in failed_ids:
                    result.changed.append(key)
            for key, _item in chunk:  # neither updated nor an error: the store did not say
                if key not in result.failed and key not in result.changed:
                    result.failed[key] = "WooCommerce did not report this item"

    # -- order statuses -------------------------------------------------------------------------------
    def set_order_status(self, codes: list[str], status_id: int) -> PushResult:
        slug = statuses.slug_of(status_id, self._status_name(status_id))
        if slug is None:
            raise ChannelError(f"Status {status_id} is not one of this WooCommerce store's statuses.")
        result = PushResult()
        updates = []
        for code in codes:
            if str(code).isdigit():
                updates.append((code, {"id": int(code), "status": slug}))
            else:
                result.failed[code] = f"{code} is not a WooCommerce order id"
        self._send("/orders", updates, result)
        return result

    def _status_name(self, status_id: int) -> str | None:
        """A plugin's own status: its slug as the hub last saw it with this number."""
        if status_id in statuses.SLUG_OF_CORE_ID:
            return None
        return db.session.execute(text("SELECT status_name FROM orders WHERE shop_id = :shop AND status_id = :id "
                                       "LIMIT 1"), {"shop": self.shop.id, "id": status_id}).scalar()

    # -- stock ----------------------------------------------------------------------------------------
    def set_stock(self, stock_id: int, amounts: Mapping[str, Any]) -> PushResult:
        """Absolute quantities by variant code (SKU): simple products through `/products/batch`, variations
        through their parent's `/products/<id>/variations/batch`; stock management is switched on."""
        result = PushResult()
        places = self._places(list(amounts))
        simple: list[tuple[str, dict]] = []
        by_parent: dict[int, list[tuple[str, dict]]] = {}
        for code, amount in amounts.items():
            place = places.get(code)
            if place is None:
                result.failed[code] = f"No product or variation has the SKU {code} in this store."
                continue
            item_id, parent_id = place
            quantity = int(Decimal(str(amount)).quantize(Decimal(1), ROUND_HALF_UP))
            item = {"id": item_id, "manage_stock": True, "stock_quantity": quantity}
            if parent_id:
                by_parent.setdefault(parent_id, []).append((code, item))
            else:
                simple.append((code, item))
        self._send("/products", simple, result)
        for parent_id, updates in sorted(by_parent.items()):
            self._send(f"/products/{parent_id}/variations", updates, result)
        return result

    def _places(self, codes: list[str]) -> dict[str, tuple[int, int]]:
        """Variant code → (WooCommerce id, parent id or 0), from the hub's catalogue, else asked by SKU."""
        # A read in the caller's session, never committed here: what the caller has pending is the caller's.
        rows = db.session.execute(text(
            "SELECT code, (raw->>'id')::bigint, coalesce((raw->>'parent_id')::bigint, 0) FROM product_variants "
            "WHERE shop_id = :shop AND code = ANY(:codes)"), {"shop": self.shop.id, "codes": codes}).all()
        places = {code: (item_id, parent_id) for code, item_id, parent_id in rows if item_id}
        unknown = [code for code in codes if code not in places]
        for chunk in _chunks(unknown):
            try:
                found = list(self.client.iter_items("/products", {"sku": ",".join(chunk)}))
            except WooError:
                continue
            for item in found:
                if item.get("sku") in chunk:
                    places[item["sku"]] = (int(item["id"]), int(item.get("parent_id") or 0))
        return places
