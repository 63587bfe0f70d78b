"""WooCommerce webhooks into the hub's inbox (signature over the raw body, the unsigned ping, duplicates)
and the hub's pushes back (order statuses, stock by batch, a 429 in the middle of a batch)."""

from __future__ import annotations

import json
import time

import pytest
from sqlalchemy import func, select, text

from app.channels import channel_for
from app.crypto import decrypt
from app.webhooks.models import WebhookEvent
from app.woocommerce import sign
from sandbox.woocommerce.testing import run_woo_sandbox
from tests.channels.woo_helpers import connected_shop, hub_orders, run_now, run_queued, store_client
from tests.factories import make_org


@pytest.fixture(scope="module")
def store():
    with run_woo_sandbox(seed=9, orders=250, webhook_delay=0.05) as handle:
        yield handle


@pytest.fixture
def shop(app, db, store):
    store.reset_faults()
    org = make_org(db.session)
    db.session.commit()
    shop = connected_shop(app, db, org.id, store)
    assert set(run_queued(db, shop).values()) == {"succeeded"}
    yield shop
    store.reset_faults()


def _deliver(client, shop, payload: dict, *, topic="order.updated", secret=None, signature=None, delivery="d1"):
    body = json.dumps(payload, separators=(",", ":")).replace("/", "\\/").encode()
    headers = {"X-WC-Webhook-Topic": topic, "X-WC-Webhook-Resource": topic.split(".")[0],
               "X-WC-Webhook-Event": topic.split(".")[1], "X-WC-Webhook-ID": "7",
               "X-WC-Webhook-Delivery-ID": delivery, "X-WC-Webhook-Source": "https://shop.example/",
               "Content-Type": "application/json"}
    if signature is None and secret is not False:
        signature = sign(body, secret or decrypt(shop.webhook_key_encrypted))
    if signature is not None:
        headers["X-WC-Webhook-Signature"] = signature
    return client.post(f"/webhooks/woocommerce/{shop.id}", data=body, headers=headers)


def _events(db, shop) -> int:
    count = db.session.execute(select(func.count()).select_from(WebhookEvent)
                               .where(WebhookEvent.shop_id == shop.id)).scalar_one()
    db.session.commit()
    return count


def test_signed_deliveries_are_stored_once_and_forgeries_refused(client, db, shop):
    payload = {"id": 200001, "status": "completed", "date_modified_gmt": "2026-01-02T03:04:05"}
    first = _deliver(client, shop, payload)
    assert first.status_code == 200 and first.json == {"ok": True, "duplicate": False}
    again = _deliver(client, shop, payload, delivery="d2")  # the same change delivered again
    assert again.status_code == 200 and again.json["duplicate"] is True
    assert _deliver(client, shop, payload, signature="Zm9yZ2VkIHNpZ25hdHVyZQ==").status_code == 401  # forged
    assert _deliver(client, shop, payload, secret=False).status_code == 401  # missing
    assert _deliver(client, shop, payload, secret="another-stores-secret").status_code == 401
    event = db.session.execute(select(WebhookEvent).where(WebhookEvent.shop_id == shop.id)).scalar_one()
    assert (event.event, event.event_instance) == ("order.updated", "200001")
    assert channel_for(shop).classify(event.event).sync == "orders"


def test_a_trash_delivery_twice_in_one_second_is_one_event_and_a_later_one_another(client, db, shop):
    for delivery in ("same-second", "same-second", "later"):
        assert _deliver(client, shop, {"id": 200005}, topic="order.deleted", delivery=delivery).status_code == 200
    assert _events(db, shop) == 2


def test_the_unsigned_ping_is_acknowledged_and_forgotten(client, db, shop):
    answer = client.post(f"/webhooks/woocommerce/{shop.id}", data=b"webhook_id=12",
                         headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert answer.status_code == 200 and answer.json["duplicate"] is True
    assert client.post(f"/webhooks/woocommerce/{shop.id}", data=b"not a ping").status_code == 401
    assert _events(db, shop) == 0


def test_order_status_pushed_through_the_orders_job_and_the_echo_changes_nothing(app, db, store, shop):
    from app.channels.woocommerce.statuses import status_id
    from app.orders.models import Order
    from app.orders.services import request_status_change
    from app.orders.tasks import apply_status_change

    codes = sorted(code for code, row in hub_orders(db, shop.id).items() if row.status_name == "processing")[:3]
    orders = db.session.execute(select(Order).where(Order.shop_id == shop.id, Order.code.in_(codes))).scalars().all()
    change = request_status_change(db.session, shop.organization_id, None, orders, status_id("completed"),
                                   "completed")
    shop_id, change_id = shop.id, change.id
    db.session.commit()
    assert apply_status_change(change_id) == "done"  # the job ends its session
    from app.shops.models import Shop

    shop = db.session.get(Shop, shop_id)
    with store_client(store) as client:
        assert {client.get(f"/orders/{code}")["status"] for code in codes} == {"completed"}
    rows = hub_orders(db, shop.id)
    assert {rows[code].status_name for code in codes} == {"completed"}
    outcome = run_now(db, shop, "orders")  # the echo: the store's own record of the hub's change
    assert outcome.status == "succeeded" and outcome.stats["inserted"] == 0
    again = run_now(db, shop, "orders")
    assert again.stats["updated"] == 0


def _throttled(state: dict) -> int:
    return sum(count for route, count in state["requests"].items() if route.endswith("/batch 429"))


def test_stock_by_batch_with_a_429_in_the_middle(db, store, shop):
    codes = db.session.execute(text("SELECT code FROM product_variants WHERE shop_id = :s ORDER BY code LIMIT 230"),
                               {"s": shop.id}).scalars().all()
    db.session.commit()
    amounts = {code: 10 + n % 7 for n, code in enumerate(codes)}
    amounts["NO-SUCH-SKU"] = 3
    before = store.state()
    store.set_faults(throttle_after=2, throttle_count=1, throttle_retry_after=1)
    with channel_for(shop).writer(shop) as writer:
        result = writer.set_stock(1, amounts)
    assert sorted(result.changed) == sorted(codes)
    assert list(result.failed) == ["NO-SUCH-SKU"]
    store.reset_faults()
    assert _throttled(store.state()) == _throttled(before) + 1  # one chunk was refused, then sent again
    assert run_now(db, shop, "products").status == "succeeded"
    stocked = dict(db.session.execute(text("SELECT code, stock FROM product_variants WHERE shop_id = :s "
                                           "AND code = ANY(:c)"), {"s": shop.id, "c": codes}).all())
    assert {code: int(stocked[code]) for code in codes} == {code: amounts[code] for code in codes}


def test_webhooks_the_store_disabled_after_failed_deliveries_are_switched_back_on(db, store, shop):
    """The hub's endpoint is unreachable in these tests (HUB_PUBLIC_URL is the discard port), so deliveries
    fail and the store disables the hooks after a few; the next stock pass (the shop's interval) revives them."""
    from app.webhooks.urls import webhook_url
    from tests.imports.processes import wait_for

    def hooks():
        return [h for h in store.webhooks()["webhooks"] if h["delivery_url"] == webhook_url(shop)]

    for _ in range(4):
        store.mutate(orders_updated=3)
        time.sleep(0.3)
    wait_for(lambda: any(h["status"] == "disabled" for h in hooks()), timeout=30, what="a disabled webhook")
    assert run_now(db, shop, "stock").status == "succeeded"
    assert {h["status"] for h in hooks()} == {"active"}
