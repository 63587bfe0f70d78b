"""Endpoint coverage against the sandbox over HTTP: lists, details, writes, typed errors."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from app.shoptet import NotFound, ValidationError

from .shoptet_testkit import FakeClock, count_delta, route_counts

CET = timezone(timedelta(hours=1))


def test_eshop_info(make_client, sb):
    info = make_client().get_eshop(include=["orderStatuses"])
    assert info["contactInformation"]["eshopId"] == sb.shops[0]["eshop_id"]


def test_orders_list_detail_and_changes(make_client, sb):
    client = make_client()
    pages = list(client.pages("/api/orders", "orders", items_per_page=50))
    assert len(pages) == pages[0].page_count == 50 and pages[0].total_count == 2500
    codes = [o["code"] for o in client.iter_orders()]
    assert len(codes) == len(set(codes)) == pages[-1].total_count
    order = client.get_order(codes[0], include=["notes"])
    assert order["code"] == codes[0] and order["items"]

    changed = sb.mutate(shop=sb.shops[0]["eshop_id"], orders_updated=3)["orders_updated"]
    since = datetime.now(CET) - timedelta(minutes=5)
    recent = {c["code"] for c in client.iter_order_changes(since)}  # '+' in the offset must arrive encoded
    assert set(changed) <= recent


def test_customers(make_client):
    client = make_client()
    customers = list(client.iter_customers(items_per_page=500))
    assert len(customers) == 1180
    detail = client.get_customer(customers[3]["guid"])
    assert detail["guid"] == customers[3]["guid"] and "accounts" in detail
    since = datetime(2025, 12, 1, tzinfo=CET)
    assert all("guid" in c for c in client.iter_customer_changes(since))


def test_products_detail_by_guid_and_code_and_language_patch(make_client, sb):
    client = make_client()
    products = list(client.iter_products(items_per_page=40))
    assert len(products) == sb.shops[0]["sizes"]["products"]
    guid = products[0]["guid"]
    product = client.get_product(guid, include=["images"])
    code = product["variants"][0]["code"]
    assert client.get_product_by_code(code)["guid"] == guid

    client.update_product(guid, {"name": "Garden hose (EN)"}, language="en")
    assert client.get_product(guid, language="en")["name"] == "Garden hose (EN)"
    assert client.get_product(guid)["name"] != "Garden hose (EN)"
    assert list(client.iter_product_changes(datetime.now(CET) - timedelta(minutes=5)))


def test_order_status_single_and_bulk(make_client):
    client = make_client(1)
    codes = [o["code"] for _, o in zip(range(120), client.iter_orders(), strict=False)]
    resp = client.set_order_status(codes[0], status_id=-2, paid=True, suppress_email_sending=True)
    assert resp.data["order"]["status"]["id"] == -2

    result = client.set_orders_status(codes[1:] + ["NOPE-1", "NOPE-2"], -3)  # 121 codes -> 2 calls
    assert set(result.failed) == {"NOPE-1", "NOPE-2"}
    assert len(result.succeeded) == 119 and len(result.request_ids) == 2
    assert client.get_order(codes[5])["status"]["id"] == -3

    only_bad = client.set_orders_status(["NOPE-3", "NOPE-4"], -3)  # sandbox answers 400: all skipped
    assert set(only_bad.failed) == {"NOPE-3", "NOPE-4"} and not only_bad.succeeded


def test_stock_patch_chunks_and_movements_cursor(make_client, sb):
    client = make_client(1)
    supplies = list(client.iter_supplies(1, items_per_page=100))
    codes = [s["code"] for s in supplies]
    start = client.get_last_stock_movement(1)["lastId"]
    rows = [{"productCode": codes[i % len(codes)], "amountChange": 1} for i in range(650)]
    rows.append({"productCode": "NO-SUCH-CODE", "amountChange": 1})
    before = route_counts(sb, "PATCH /api/stocks/<int:stock_id>/movements")
    result = client.update_stock(1, rows)
    assert count_delta(before, route_counts(sb, "PATCH /api/stocks/<int:stock_id>/movements")) == {"200": 3}
    assert result.sent == 651 and set(result.failed) == {"NO-SUCH-CODE"}

    moves = list(client.iter_stock_movements(1, last_id=start, items_per_page=100, include=["sumAmount"]))
    assert len(moves) == 650
    ids = [m["id"] for m in moves]
    assert ids == sorted(ids) and ids[0] > start
    # Following from the last id seen yields nothing new.
    assert list(client.iter_stock_movements(1, last_id=ids[-1])) == []

    # Every row unknown: Shoptet answers 400; reported per product, not raised, not retried.
    before = route_counts(sb, "PATCH /api/stocks/<int:stock_id>/movements")
    bad = client.update_stock(1, [{"productCode": "NO-SUCH", "quantity": 1}])
    assert set(bad.failed) == {"NO-SUCH"} and bad.failed["NO-SUCH"].error_code == "unknown-product"
    assert count_delta(before, route_counts(sb, "PATCH /api/stocks/<int:stock_id>/movements")) == {"400": 1}


def test_webhooks_register_list_delete_renew_and_notifications(make_client):
    client = make_client(1)
    created = client.register_webhooks(
        [
            {"event": "order:create", "url": "http://127.0.0.1:9/a"},
            {"event": "order:delete", "url": "http://127.0.0.1:9/b"},
        ]
    )
    assert {h["event"] for h in created} == {"order:create", "order:delete"}
    listed = {h["id"] for h in client.iter_webhooks()}
    assert {h["id"] for h in created} <= listed
    with pytest.raises(ValidationError) as dup:  # duplicate event: 422, not retried
        client.register_webhook("order:create", "http://127.0.0.1:9/c")
    assert dup.value.status == 422
    for h in created:
        client.delete_webhook(h["id"])
    client.delete_webhook(created[0]["id"], missing_ok=True)
    with pytest.raises(NotFound) as gone:
        client.delete_webhook(created[0]["id"])
    assert gone.value.error_code == "webhook-not-found"
    key1, key2 = client.renew_signature_key(), client.renew_signature_key()
    assert len(key1) == 32 and key1 != key2
    assert isinstance(list(client.iter_webhook_notifications()), list)
    assert isinstance(list(client.iter_jobs()), list)


def test_not_found_is_typed_and_not_retried(make_client, sb):
    client = make_client(clock=FakeClock().clock())
    before = route_counts(sb, "GET /api/orders/<code>")
    with pytest.raises(NotFound) as info:
        client.get_order("0000000000")
    err = info.value
    assert (err.status, err.error_code, err.instance) == (404, "order-not-found", "0000000000")
    assert err.request_id and err.request_id in str(err)
    assert count_delta(before, route_counts(sb, "GET /api/orders/<code>")) == {"404": 1}


@pytest.mark.parametrize(
    "call,status",
    [
        (lambda c: c.set_order_status("2020000001", status_id=987654), 422),  # invalid statusId
        (lambda c: list(c.iter_orders(statusId="new")), 400),
        (lambda c: list(c.iter_orders(changeTimeFrom="yesterday")), 400),
    ],
)
def test_400_and_422_are_not_retried(make_client, sb, call, status):
    clock = FakeClock()
    client = make_client(clock=clock.clock())
    total_before = sb.state()["requests"]["total"]
    with pytest.raises(ValidationError) as info:
        call(client)
    assert info.value.status == status and not info.value.retryable
    assert sb.state()["requests"]["total"] - total_before == 1
    assert clock.sleeps == []
