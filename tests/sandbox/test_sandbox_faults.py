"""Each fault switch, set at start or at run time, globally or per shop."""

from __future__ import annotations

import gzip
import json
import time
import zlib

import httpx
import pytest
from sandbox_contract import assert_contract

from sandbox.testing import run_sandbox


@pytest.fixture(scope="module")
def sb(module_receiver):
    with run_sandbox(seed=11, shops=2, orders=50, bucket_leak=10000, job_delay=0.05,
                     webhook_retry_seconds=0.1) as handle:
        for index in range(2):
            httpx.post(handle.url("/api/webhooks"), headers=handle.private_headers(index), trust_env=False,
                       json={"data": [{"event": "job:finished", "url": f"{module_receiver.url}/jobs/{index}"},
                                      {"event": "order:update", "url": f"{module_receiver.url}/orders/{index}"}]})
        yield handle


@pytest.fixture(autouse=True)
def clean(sb):
    sb.reset_faults()
    yield
    sb.reset_faults()


def get(sb, path, index=0, **kw):
    return httpx.get(sb.url(path), headers=sb.private_headers(index), trust_env=False, timeout=20, **kw)


def test_faults_given_at_start():
    with run_sandbox(seed=2, shops=2, orders=10, faults=[{"shop": None, "slow_ms": 50},
                                                        {"shop": 300201, "error_503_rate": 1.0}]) as handle:
        assert handle.state()["faults"] == {"global": {"slow_ms": 50}, "shops": {"300201": {"error_503_rate": 1.0}}}
        assert get(handle, "/api/eshop", 0).status_code == 200
        assert get(handle, "/api/eshop", 1).status_code == 503


def test_error_500_and_503(sb):
    sb.set_faults(error_500_rate=1.0)
    response = get(sb, "/api/eshop")
    assert response.status_code == 500
    assert assert_contract(response, "GET", "/api/eshop")["errors"][0]["errorCode"] == "internal-server-error"
    sb.set_faults(error_500_rate=0, error_503_rate=1.0)
    response = get(sb, "/api/orders")
    assert response.status_code == 503
    assert_contract(response, "GET", "/api/orders")
    sb.reset_faults()
    assert get(sb, "/api/eshop").status_code == 200


def test_per_shop_fault_leaves_other_shop_alone(sb):
    sb.set_faults(shop=sb.shops[0]["eshop_id"], error_503_rate=1.0)
    assert get(sb, "/api/eshop", 0).status_code == 503
    assert get(sb, "/api/eshop", 1).status_code == 200


def test_slow_ms(sb):
    sb.set_faults(slow_ms=300)
    started = time.monotonic()
    assert get(sb, "/api/stocks").status_code == 200
    assert time.monotonic() - started >= 0.3


def test_drop_connection(sb):
    sb.set_faults(shop=sb.shops[1]["eshop_id"], drop_connection_rate=1.0)
    with pytest.raises(httpx.RemoteProtocolError):
        get(sb, "/api/eshop", 1)
    assert get(sb, "/api/eshop", 0).status_code == 200
    assert sb.state()["requests"]["by_route"]["GET /api/eshop"]["dropped"] >= 1


def test_expire_tokens(sb):
    shop = sb.shops[0]
    code = sb.new_install_code(shop["eshop_id"])
    oauth = httpx.post(sb.url("/action/ApiOAuthServer/token"), trust_env=False, json={
        "client_id": shop["client_id"], "client_secret": shop["client_secret"], "code": code,
        "grant_type": "authorization_code", "redirect_uri": "https://x", "scope": "api"}).json()["access_token"]
    bearer = {"Authorization": f"Bearer {oauth}"}
    token = httpx.get(sb.url("/action/ApiOAuthServer/getAccessToken"), headers=bearer,
                      trust_env=False).json()["access_token"]
    assert httpx.get(sb.url("/api/eshop"), headers={"Shoptet-Access-Token": token}, trust_env=False).status_code == 200
    result = sb.set_faults(shop=shop["eshop_id"], expire_tokens=True)
    assert result["tokens_expired"] >= 1
    expired = httpx.get(sb.url("/api/eshop"), headers={"Shoptet-Access-Token": token}, trust_env=False)
    assert expired.status_code == 401 and expired.json()["errors"][0]["errorCode"] == "expired-token"
    fresh = httpx.get(sb.url("/action/ApiOAuthServer/getAccessToken"), headers=bearer,
                      trust_env=False).json()["access_token"]
    assert httpx.get(sb.url("/api/eshop"), headers={"Shoptet-Access-Token": fresh}, trust_env=False).status_code == 200


def _snapshot(sb, receiver, index=0, path="/api/orders/snapshot") -> dict:
    job_id = get(sb, path, index).json()["data"]["jobId"]
    hits = receiver.wait_for(lambda c: json.loads(c["body"])["eventInstance"] == job_id)
    assert hits, "no job:finished webhook"
    return get(sb, f"/api/system/jobs/{job_id}", index).json()["data"]["job"]


def _download(job) -> bytes:
    return httpx.get(job["resultUrl"], trust_env=False).content


def test_snapshot_truncate(sb, module_receiver):
    sb.set_faults(snapshot_truncate=True)
    job = _snapshot(sb, module_receiver)
    assert job["status"] == "completed"
    with pytest.raises(EOFError):
        gzip.decompress(_download(job))


@pytest.mark.parametrize("mode", [True, "garble"])
def test_snapshot_corrupt(sb, module_receiver, mode):
    sb.set_faults(snapshot_corrupt=mode)
    job = _snapshot(sb, module_receiver)
    with pytest.raises((gzip.BadGzipFile, zlib.error, EOFError)):
        gzip.decompress(_download(job))


def test_snapshot_malformed_lines(sb, module_receiver):
    sb.set_faults(snapshot_malformed_lines=3)
    job = _snapshot(sb, module_receiver)
    lines = gzip.decompress(_download(job)).splitlines()
    assert len(lines) == 50 + 3
    bad = []
    for number, line in enumerate(lines):
        try:
            json.loads(line)
        except ValueError:
            bad.append(number)
    assert bad == [12, 25, 38]  # evenly spread, reported in the job log
    assert str(bad) in job["log"]


def test_snapshot_job_fails(sb, module_receiver):
    sb.set_faults(snapshot_job_fails=True)
    job = _snapshot(sb, module_receiver)  # job:finished is sent for failures too
    assert job["status"] == "failed" and job["resultUrl"] is None and job["log"]


def test_snapshot_never_finishes_and_poll_limit(sb):
    sb.set_faults(shop=sb.shops[1]["eshop_id"], snapshot_job_never_finishes=True)
    job_id = get(sb, "/api/customers/snapshot", 1).json()["data"]["jobId"]
    for _ in range(10):
        response = get(sb, f"/api/system/jobs/{job_id}", 1)
        assert response.status_code == 200
        assert response.json()["data"]["job"]["status"] in ("pending", "running")
    refused = get(sb, f"/api/system/jobs/{job_id}", 1)
    assert refused.status_code == 403
    body = assert_contract(refused, "GET", "/api/system/jobs/{jobId}")
    assert body["errors"][0]["errorCode"] == "job-detail-try-counter-exceeded-limit"


def test_webhooks_disabled_and_drop_rate(sb, module_receiver):
    code = get(sb, "/api/orders").json()["data"]["orders"][0]["code"]
    before = sb.state()["webhooks"]["dropped"]
    for switches, status in (({"webhooks_disabled": True}, -3), ({"webhook_drop_rate": 1.0}, 1)):
        sb.set_faults(**switches)
        httpx.patch(sb.url(f"/api/orders/{code}/status"), headers=sb.private_headers(0), trust_env=False,
                    json={"data": {"statusId": status}})
    time.sleep(0.5)
    assert sb.state()["webhooks"]["dropped"] == before + 2
    assert not [e for e in module_receiver.events("/orders/0") if e["eventInstance"] == code]
    notes = get(sb, "/api/webhooks/notifications", params={"event": "order:update"}).json()["data"]
    assert [n["status"] for n in notes["notifications"]][-2:] == ["failed", "failed"]


def test_unknown_switch_is_rejected(sb):
    with pytest.raises(ValueError, match="unknown fault switch"):
        sb.set_faults(explode=True)
    with pytest.raises(ValueError):
        sb.set_faults(error_500_rate=3)


def _supply(sb, code: str) -> str:
    return get(sb, "/api/stocks/1/supplies", params={"code": code}).json()["data"]["supplies"][0]["amount"]


def test_write_faults_hit_the_middle_of_a_batch(sb):
    """A script of answers for the next writes: refused ones change nothing, "500-after-write" does."""
    codes = [s["code"] for s in get(sb, "/api/stocks/1/supplies").json()["data"]["supplies"][:5]]
    sb.set_faults(shop=sb.shops[0]["eshop_id"], write_faults=[0, 423, 429, 503, "500-after-write"])
    assert sb.state()["faults"]["shops"][str(sb.shops[0]["eshop_id"])]["write_faults"] == \
        [0, 423, 429, 503, "500-after-write"]

    def write(code, quantity):
        return httpx.patch(sb.url("/api/stocks/1/movements"), headers=sb.private_headers(0), trust_env=False,
                           json={"data": [{"productCode": code, "quantity": quantity}]})

    assert get(sb, "/api/eshop").status_code == 200  # reads do not consume the script
    assert write(codes[0], 11).status_code == 200
    locked = write(codes[1], 12)
    assert locked.status_code == 423
    assert assert_contract(locked, "PATCH", "/api/stocks/{stockId}/movements")["errors"][0]["errorCode"] == "locked"
    limited = write(codes[2], 13)
    assert limited.status_code == 429 and limited.headers["Retry-After"].endswith("GMT")
    assert_contract(limited, "PATCH", "/api/stocks/{stockId}/movements")
    assert write(codes[3], 14).status_code == 503
    broken = write(codes[4], 15)
    assert broken.status_code == 500
    assert_contract(broken, "PATCH", "/api/stocks/{stockId}/movements")
    assert _supply(sb, codes[0]) == "11.000" and _supply(sb, codes[4]) == "15.000"  # written despite the 500
    for code, wanted in zip(codes[1:4], ("12.000", "13.000", "14.000"), strict=True):
        assert _supply(sb, code) != wanted  # refused: nothing written
    assert write(codes[1], 12).status_code == 200  # the script is used up
    assert "write_faults" not in sb.state()["faults"]["shops"].get(str(sb.shops[0]["eshop_id"]), {})


def test_locked_and_rate_limited_by_rate(sb):
    sb.set_faults(error_423_rate=1.0)
    assert get(sb, "/api/eshop").status_code == 200  # 423 only answers writes
    code = get(sb, "/api/orders").json()["data"]["orders"][0]["code"]
    response = httpx.patch(sb.url(f"/api/orders/{code}/status"), headers=sb.private_headers(0), trust_env=False,
                           json={"data": {"statusId": -1}})
    assert response.status_code == 423
    sb.set_faults(error_423_rate=0, error_429_rate=1.0)
    response = get(sb, "/api/orders")
    assert response.status_code == 429 and "Retry-After" in response.headers
    assert_contract(response, "GET", "/api/orders")
    with pytest.raises(ValueError, match="write_faults"):
        sb.set_faults(write_faults=[418])
