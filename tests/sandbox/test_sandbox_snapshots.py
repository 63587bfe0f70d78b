"""Snapshot lifecycle: 403 without job:finished, 202 + job, signed webhook, gzip JSONL result."""

from __future__ import annotations

import gzip
import hashlib
import hmac
import json
import re

import httpx
import pytest
from sandbox_contract import assert_contract, assert_schema

from sandbox.formats import parse_dt
from sandbox.generate import main as generate_main
from sandbox.testing import run_sandbox

JOB_ID = re.compile(r"^[a-z0-9]{7}$")


@pytest.fixture(scope="module")
def sb(module_receiver):
    with run_sandbox(seed=17, shops=2, orders=120, bucket_leak=10000, job_delay=0.05) as handle:
        yield handle


def call(sb, path, index=0, method="GET", **kw):
    return httpx.request(method, sb.url(path), headers=sb.private_headers(index), trust_env=False, timeout=30, **kw)


def register_job_hook(sb, receiver, index):
    response = call(sb, "/api/webhooks", index, "POST",
                    json={"data": [{"event": "job:finished", "url": f"{receiver.url}/jobs/{index}"}]})
    assert response.status_code == 201


def run_job(sb, receiver, path, index=0, params=None) -> tuple[dict, list[bytes]]:
    response = call(sb, path, index, params=params)
    assert response.status_code == 202, response.text
    job_id = assert_contract(response, "GET", path.split("?")[0])["data"]["jobId"]
    assert JOB_ID.match(job_id)
    hit = receiver.wait_for(lambda c: json.loads(c["body"])["eventInstance"] == job_id, timeout=30)
    assert hit, "no job:finished webhook"
    detail = call(sb, f"/api/system/jobs/{job_id}", index)
    job = assert_contract(detail, "GET", "/api/system/jobs/{jobId}")["data"]["job"]
    assert job["status"] == "completed"
    raw = httpx.get(job["resultUrl"], trust_env=False).content  # no auth needed for results
    return job, gzip.decompress(raw).splitlines()


def test_snapshot_needs_job_finished_webhook(sb):
    for path in ("/api/orders/snapshot", "/api/customers/snapshot", "/api/products/snapshot",
                 "/api/credit-notes/snapshot"):
        response = call(sb, path, 1)
        assert response.status_code == 403
        assert_contract(response, "GET", path)


def test_orders_snapshot_matches_generator_file(sb, module_receiver, tmp_path):
    register_job_hook(sb, module_receiver, 0)
    job, lines = run_job(sb, module_receiver, "/api/orders/snapshot")
    assert len(lines) == 120
    # Untouched shop: the sandbox result equals `python -m sandbox.generate` byte for byte.
    out = tmp_path / "orders.jsonl.gz"
    assert generate_main(["--kind", "orders", "--seed", "17", "--shop", "0", "--count", "120",
                          "--out", str(out)]) == 0
    assert gzip.decompress(out.read_bytes()).splitlines() == lines
    for line in lines[:40]:
        assert_schema(json.loads(line), "orderSnapshot")
    first = json.loads(lines[0])
    assert call(sb, f"/api/orders/{first['code']}").json()["data"]["order"] == first
    assert parse_dt(job["validUntil"]) - parse_dt(job["completionTime"]) == 24 * 3600
    assert job["endpoint"].startswith("/api/orders/snapshot")
    signature = module_receiver.wait_for(lambda c: json.loads(c["body"])["eventInstance"] == job["jobId"])[0]
    key = sb.shops[0]["signature_key"]
    assert signature["headers"]["Shoptet-Webhook-Signature"] == \
        hmac.new(key.encode(), signature["body"], hashlib.sha1).hexdigest()
    listed = assert_contract(call(sb, "/api/system/jobs", params={"status": "completed"}), "GET",
                             "/api/system/jobs")["data"]["jobs"]
    assert job["jobId"] in [j["jobId"] for j in listed]


def test_orders_snapshot_filters_include_and_overlay(sb, module_receiver):
    code = call(sb, "/api/orders", params={"statusId": -2}).json()["data"]["orders"][0]["code"]
    call(sb, f"/api/orders/{code}/status", method="PATCH", json={"data": {"statusId": 3}})
    _, lines = run_job(sb, module_receiver, "/api/orders/snapshot",
                       params={"statusId": 3, "include": "notes,images,shippingDetails"})
    orders = [json.loads(line) for line in lines]
    assert code in [o["code"] for o in orders]
    assert all(o["status"]["id"] == 3 and "notes" in o for o in orders)
    for order in orders[:10]:
        assert_schema(order, "orderSnapshot")
    bad = call(sb, "/api/orders/snapshot", params={"orderCodes": ",".join(["1"] * 51)})
    assert bad.status_code == 400
    assert_contract(bad, "GET", "/api/orders/snapshot")


def test_customers_and_products_snapshots(sb, module_receiver):
    _, customers = run_job(sb, module_receiver, "/api/customers/snapshot")
    assert len(customers) == sb.shops[0]["sizes"]["customers"]
    for line in customers[:30]:
        assert_schema(json.loads(line), "customerSnapshot")
    _, products = run_job(sb, module_receiver, "/api/products/snapshot",
                          params={"include": "images,variantParameters,perStockAmounts,allCategories,flags"})
    assert len(products) == sb.shops[0]["sizes"]["products"]
    for line in products:
        product = json.loads(line)
        assert_schema(product, "productSnapshot")
        assert "perStockAmounts" in product["variants"][0]
    module_error = call(sb, "/api/products/snapshot", params={"include": "consumptionTax"})
    assert module_error.status_code == 403
    assert assert_contract(module_error, "GET", "/api/products/snapshot")["errors"][0]["errorCode"] == \
        "missing-module"


def test_result_url_unknown_file(sb):
    assert httpx.get(sb.url(f"/shops/{sb.shops[0]['eshop_id']}/api-results/zzzzzzz-aaaaaaa.json"),
                     trust_env=False).status_code == 404
