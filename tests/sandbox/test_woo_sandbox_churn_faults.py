"""Churn, fault switches and the command line of the WooCommerce sandbox."""

from __future__ import annotations

import json
import subprocess
import sys
import time

import httpx
import pytest
from conftest import woo_http

from sandbox.testing import REPO_ROOT
from sandbox.woocommerce.testing import run_woo_sandbox


@pytest.fixture(scope="module")
def store():
    with run_woo_sandbox(seed=5, orders=300, webhook_delay=0.05) as sb:
        yield sb


@pytest.fixture
def api(woo_store_api):
    return woo_store_api


def test_command_line_prints_the_store_and_serves():
    process = subprocess.Popen([sys.executable, "-m", "sandbox.woocommerce", "--port", "0", "--seed", "1",
                                "--orders", "1000"], cwd=REPO_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        line = json.loads(process.stdout.readline())
        assert line["base_url"].startswith("http://127.0.0.1:") and line["https_url"].startswith("https://")
        assert line["consumer_key"].startswith("ck_") and len(line["consumer_key"]) == 43
        assert line["consumer_secret"].startswith("cs_") and line["sizes"]["orders"] == 1000
        response = httpx.get(line["base_url"] + "/wp-json/wc/v3", trust_env=False)
        assert response.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()
        process.stderr.close()


def test_bad_faults_fail_fast():
    done = subprocess.run([sys.executable, "-m", "sandbox.woocommerce", "--faults", '{"nope": 1}'], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "error: unknown fault switch 'nope'" in done.stderr


def test_mutations_are_deterministic_and_bump_date_modified():
    calls = [{"orders_created": 2, "orders_updated": 3, "orders_touched": 2, "orders_trashed": 1},
             {"customers_created": 1, "customers_updated": 2, "products_updated": 1, "stock_changes": 3}]
    results = []
    for _ in range(2):
        with run_woo_sandbox(seed=11, orders=120) as sb:
            results.append([sb.mutate(**c) for c in calls])
            api = woo_http(sb)
            touched = [api.get(f"/orders/{oid}").json() for oid in results[-1][0]["orders_touched"]]
            api.close()
            assert all(o["date_modified_gmt"] > "2026-01-01T00:00:00" for o in touched), "churn uses the clock"
    strip = [[{k: v for k, v in r.items() if k not in ("orders_created", "customers_created")} for r in run]
             for run in results]
    assert strip[0] == strip[1]
    assert len(results[0][0]["orders_updated"]) == 3 and len(results[0][1]["stock_changes"]) == 3


def test_churn_fires_webhooks(store, api, receiver):
    hook = api.post("/webhooks", json={"topic": "order.created", "delivery_url": receiver.url + "/churn",
                                       "secret": "s"}).json()
    created = store.mutate(orders_created=2)["orders_created"]

    def delivered() -> list[int]:
        return sorted(json.loads(c["body"])["id"] for c in list(receiver.calls)
                      if c["path"] == "/churn" and "X-WC-Webhook-ID" in c["headers"])

    deadline = time.time() + 10
    while time.time() < deadline and len(delivered()) < 2:  # deliveries run in parallel: any order
        time.sleep(0.02)
    assert delivered() == sorted(created)
    api.delete(f"/webhooks/{hook['id']}", params={"force": "true"})


@pytest.mark.parametrize(("body", "retry_after", "content"), [
    ("empty", None, b""), ("html", 3, b"429 Too Many Requests")])
def test_host_429_bursts(store, api, body, retry_after, content):
    store.set_faults(throttle_after=1, throttle_count=2, throttle_body=body, throttle_retry_after=retry_after)
    statuses = [api.get("/orders", params={"per_page": 1}) for _ in range(4)]
    assert [r.status_code for r in statuses] == [200, 429, 429, 200]
    refused = statuses[1]
    assert content in refused.content and refused.headers.get("Retry-After") == (
        str(retry_after) if retry_after else None)


def test_5xx_and_slow_answers(store, api):
    store.set_faults(error_500_rate=1.0)
    fatal = api.get("/orders")
    assert fatal.status_code == 500 and fatal.json()["code"] == "internal_server_error"
    store.set_faults(error_500_rate=None, error_503_rate=1.0)
    host = api.get("/orders")
    assert host.status_code == 503 and host.headers["content-type"].startswith("text/html")
    store.set_faults(error_503_rate=None, slow_ms=300)
    started = time.monotonic()
    assert api.get("/orders", params={"per_page": 1}).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_big_batches_die_half_done(store, api):
    products = api.get("/products", params={"per_page": 6, "orderby": "id"}).json()
    store.set_faults(batch_500_over=4)
    response = api.post("/products/batch", json={"update": [{"id": p["id"], "menu_order": 7} for p in products]})
    assert response.status_code == 500
    after = {p["id"]: p["menu_order"] for p in api.get("/products", params={"include": ",".join(
        str(p["id"]) for p in products), "per_page": 10}).json()}
    assert sorted(after.values()) == [0, 0, 7, 7, 7, 7], "the first 4 items were applied before the PHP run died"
    small = api.post("/products/batch", json={"update": [{"id": products[0]["id"], "menu_order": 1}]})
    assert small.status_code == 200
