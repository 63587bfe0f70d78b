"""Batches: chunks of at most 100, a host's 429 in the middle, per-item errors, big batches that die."""

from __future__ import annotations

import uuid

import pytest

from app.woocommerce import BatchIncomplete, PayloadTooLarge

from ..shoptet.shoptet_testkit import FakeClock
from .conftest import requests_of


def _skus(n: int) -> list[str]:
    tag = uuid.uuid4().hex[:6]
    return [f"B{tag}-{k}" for k in range(n)]


def test_creates_updates_deletes_with_a_429_in_the_middle(store, make_client):
    fake = FakeClock()
    client = make_client(clock=fake.clock())
    skus = _skus(250)
    store.set_faults(throttle_after=1, throttle_count=1, throttle_body="html", throttle_retry_after=2)
    before = requests_of(store)
    created = client.batch("/products", create=[{"name": f"Batch {s}", "sku": s, "regular_price": "10"}
                                                for s in skus])
    assert created.ok and len(created.created) == 250 and created.requests == 3
    assert requests_of(store) - before == 4, "the refused chunk was sent again, once"
    assert fake.sleeps == [pytest.approx(2.2)], "Retry-After was honoured"
    found = client.get("/products", sku=",".join(skus[:100]), per_page=100)
    assert len(found) == 100, "no create happened twice: the host refused before WooCommerce ran"
    ids = [p["id"] for p in created.created]
    store.set_faults(throttle_after=1, throttle_count=1)
    updated = client.batch("/products", update=[{"id": pid, "regular_price": "11"} for pid in ids])
    assert len(updated.updated) == 250 and {p["regular_price"] for p in updated.updated} == {"11"}
    deleted = client.batch("/products", delete=ids)
    assert len(deleted.deleted) == 250 and client.get("/products", sku=skus[0]) == []


def test_per_item_errors_are_collected(make_client):
    client = make_client()
    taken = client.create("/products", {"name": "Taken", "sku": _skus(1)[0]})
    result = client.batch("/products", create=[{"name": "Dup", "sku": taken["sku"]}],
                          update=[{"id": taken["id"], "name": "Renamed"}], delete=[1])
    assert [p["name"] for p in result.updated] == ["Renamed"] and not result.ok
    dup, missing = result.errors
    assert (dup.action, dup.code, dup.status, dup.item) == ("create", "product_invalid_sku", 400,
                                                           {"name": "Dup", "sku": taken["sku"]})
    assert (missing.action, missing.id, missing.code) == ("delete", 1, "woocommerce_rest_product_invalid_id")


def test_a_big_batch_that_keeps_failing_is_halved(store, make_client):
    client = make_client()
    products = client.get("/products", per_page=60, orderby="id")
    store.set_faults(batch_500_over=30)
    result = client.batch("/products", update=[{"id": p["id"], "menu_order": 3} for p in products], chunk_size=60)
    assert len(result.updated) == 60 and result.requests == 3, "one 60, then two 30s"
    assert {p["menu_order"] for p in client.get("/products", include=[p["id"] for p in products],
                                                per_page=100)} == {3}


def test_creates_are_not_resent_after_an_ambiguous_failure(store, make_client):
    client = make_client()
    skus = _skus(5)
    store.set_faults(batch_500_over=2)
    before = requests_of(store)
    with pytest.raises(BatchIncomplete) as caught:
        client.batch("/products", create=[{"name": s, "sku": s} for s in skus[:3]], update=[{"id": 1}],
                     chunk_size=3)
    assert requests_of(store) - before == 1, "the failed chunk was not sent again"
    failure = caught.value
    assert [item["sku"] for _, item in failure.uncertain] == skus[:3]
    assert failure.unsent == [("update", {"id": 1})] and failure.status == 500
    assert "look the `uncertain` items up" in str(failure)
    store.reset_faults()
    made = client.get("/products", sku=",".join(skus[:3]))
    assert sorted(p["sku"] for p in made) == skus[:2], "the store made some of them: hence no blind resend"


def test_chunk_size_is_bounded(make_client):
    with pytest.raises(ValueError):
        make_client().batch("/products", update=[], chunk_size=101)
    client = make_client()
    with pytest.raises(PayloadTooLarge):
        client.request("POST", "/products/batch", json={"delete": list(range(1, 102))})
