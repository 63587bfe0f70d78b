"""Snapshots against the sandbox: webhook-driven and polled waits, streaming, damaged files, failing jobs."""

from __future__ import annotations

import threading
import time

import pytest

from app.shoptet import (
    BadLine,
    JobFailed,
    JobTimeout,
    MalformedLine,
    SnapshotCorrupt,
    WebhookRequired,
    verify_signature,
)

from .shoptet_testkit import FakeClock, RealSleepRecorder, WebhookReceiver, count_delta, route_counts

JOB_ROUTE = "GET /api/system/jobs/<job_id>"


@pytest.fixture(scope="module")
def receiver():
    r = WebhookReceiver()
    yield r
    r.close()


@pytest.fixture
def snap_client(sb, make_client, receiver):
    """Shop 0's client with a job:finished webhook pointing at our receiver and a fresh signing key."""
    client = make_client(0)
    if not any(h["event"] == "job:finished" for h in client.iter_webhooks()):
        client.register_webhook("job:finished", receiver.url)
    receiver.key = client.renew_signature_key()
    return client


def _total_orders(client) -> int:
    return next(client.pages("/api/orders", "orders", items_per_page=1)).total_count


def test_snapshot_needs_job_finished_webhook(sb, make_client):
    client = make_client(1)  # shop 1 never registers job:finished
    with pytest.raises(WebhookRequired) as info:
        client.request_snapshot("orders")
    assert info.value.status == 403 and "job:finished" in str(info.value)


def test_snapshot_via_webhook_streams_every_order(snap_client, receiver):
    expected = _total_orders(snap_client)
    job_id = snap_client.request_snapshot("orders", include=["notes"], language="cs")
    job = snap_client.wait_for_job(job_id, finished=receiver.job_event(job_id), timeout=30)
    assert job["status"] == "completed" and job["resultUrl"]
    line_nos, codes = [], set()
    for line in snap_client.iter_snapshot(job):
        line_nos.append(line.line_no)
        codes.add(line.data["code"])
    assert len(codes) == expected and line_nos == list(range(1, expected + 1))
    # The notification was signed with the key we renewed, over the exact bytes sent.
    body, sig, ok = next(r for r in receiver.received if job_id.encode() in r[0])
    assert ok and verify_signature(body, sig, receiver.key)


def test_snapshot_with_callable_signal_and_filters(snap_client, receiver):
    lines = list(
        snap_client.snapshot(
            "customers",
            finished=lambda job_id: receiver.job_event(job_id).is_set(),
            wait={"timeout": 30, "signal_check_interval": 0.05},
            changeTimeFrom="2020-01-01T00:00:00+0100",
        )
    )
    assert lines and all("guid" in x.data for x in lines)


def test_snapshot_by_polling_stays_within_poll_limit(sb, snap_client):
    recorder = RealSleepRecorder()
    job_id = snap_client.request_snapshot("products", include=["images"])
    before = route_counts(sb, JOB_ROUTE)
    job = snap_client.wait_for_job(job_id, timeout=30, first_poll_after=0.3, clock=recorder.clock())
    polls = sum(count_delta(before, route_counts(sb, JOB_ROUTE)).values())
    assert job["status"] == "completed" and 1 <= polls <= 8
    assert any(s == pytest.approx(0.3) for s in recorder.sleeps)  # first poll after first_poll_after
    products = [x.data for x in snap_client.iter_snapshot(job)]
    assert len(products) == sb.shops[0]["sizes"]["products"] and all(p["variants"] for p in products)


def _run(sb, client, receiver, **faults):
    sb.set_faults(shop=sb.shops[0]["eshop_id"], **faults)
    job_id = client.request_snapshot("orders")
    return client.wait_for_job(job_id, finished=receiver.job_event(job_id), timeout=30)


def test_truncated_file_raises_at_the_end(sb, snap_client, receiver):
    job = _run(sb, snap_client, receiver, snapshot_truncate=True)
    seen = 0
    with pytest.raises(SnapshotCorrupt) as info:
        for _ in snap_client.iter_snapshot(job):
            seen += 1
    assert "truncated" in str(info.value) and seen > 0 and info.value.lines_read == seen
    assert seen < _total_orders(snap_client)


@pytest.mark.parametrize("mode,needle", [(True, "corrupt"), ("crc", "corrupt"), ("garble", "corrupt")])
def test_corrupt_file_raises(sb, snap_client, receiver, mode, needle):
    job = _run(sb, snap_client, receiver, snapshot_corrupt=mode)
    with pytest.raises(SnapshotCorrupt, match=needle):
        for _ in snap_client.iter_snapshot(job, yield_bad_lines=True):  # even when collecting bad lines
            pass


def test_malformed_lines_raise_with_line_number(sb, snap_client, receiver):
    job = _run(sb, snap_client, receiver, snapshot_malformed_lines=3)
    with pytest.raises(MalformedLine) as info:
        for _ in snap_client.iter_snapshot(job):
            pass
    total = _total_orders(snap_client)
    step = max(1, total // 4)  # sandbox spreads them evenly (0-based positions step*(k+1)+k)
    assert info.value.line_no == step + 1 and f"line {step + 1}" in str(info.value)


def test_malformed_lines_can_be_collected_and_skipped(sb, snap_client, receiver):
    job = _run(sb, snap_client, receiver, snapshot_malformed_lines=3)
    total = _total_orders(snap_client)
    step = max(1, total // 4)
    bad: list[BadLine] = []
    good = sum(1 for _ in snap_client.iter_snapshot(job, on_bad_line=bad.append))
    assert good == total
    assert [b.line_no for b in bad] == [step * (k + 1) + k + 1 for k in range(3)]
    mixed = [x for x in snap_client.iter_snapshot(job, yield_bad_lines=True) if not x.ok]
    assert [b.line_no for b in mixed] == [b.line_no for b in bad] and all(b.raw and b.error for b in mixed)


def test_failed_job_raises_job_failed(sb, snap_client, receiver):
    with pytest.raises(JobFailed) as info:
        _run(sb, snap_client, receiver, snapshot_job_fails=True)
    assert info.value.job["status"] == "failed" and "failed" in str(info.value)


def test_never_finishing_job_polled_within_limit_then_timeout(sb, snap_client):
    sb.set_faults(shop=sb.shops[0]["eshop_id"], snapshot_job_never_finishes=True)
    job_id = snap_client.request_snapshot("orders")
    time.sleep(0.3)  # let it reach "running"
    clock = FakeClock()
    before = route_counts(sb, JOB_ROUTE)
    with pytest.raises(JobTimeout) as info:
        snap_client.wait_for_job(job_id, timeout=600, max_polls=8, clock=clock.clock())
    assert count_delta(before, route_counts(sb, JOB_ROUTE)) == {"200": 8}
    assert sum(clock.sleeps) == pytest.approx(600)  # the polls were spread over the whole wait
    assert info.value.job_id == job_id and info.value.last_status == "running"


def test_never_finishing_job_with_webhook_wait_times_out(sb, snap_client):
    sb.set_faults(shop=sb.shops[0]["eshop_id"], snapshot_job_never_finishes=True)
    job_id = snap_client.request_snapshot("orders")
    never = threading.Event()
    started = time.monotonic()
    with pytest.raises(JobTimeout, match="without a job:finished webhook"):
        snap_client.wait_for_job(job_id, finished=never, timeout=0.6)
    assert 0.5 <= time.monotonic() - started < 3


def test_poll_limit_exhausted_elsewhere_is_a_clear_timeout(sb, snap_client):
    sb.set_faults(shop=sb.shops[0]["eshop_id"], snapshot_job_never_finishes=True)
    job_id = snap_client.request_snapshot("orders")
    for _ in range(10):  # e.g. another worker already used Shoptet's 10 reads
        snap_client.get_job(job_id)
    with pytest.raises(JobTimeout, match="limit is used up") as info:
        snap_client.wait_for_job(job_id, timeout=5, clock=FakeClock().clock())
    assert "job:finished" in str(info.value)


def test_webhooks_disabled_falls_back_to_final_poll(sb, snap_client, receiver):
    """No webhook arrives (delivery broken), but the job did finish: the closing poll finds it."""
    sb.set_faults(shop=sb.shops[0]["eshop_id"], webhooks_disabled=True)
    job_id = snap_client.request_snapshot("customers")
    job = snap_client.wait_for_job(job_id, finished=receiver.job_event(job_id), timeout=1.5)
    assert job["status"] == "completed" and not receiver.job_event(job_id).is_set()


def test_webhook_drop_rate_with_polling_fallback(sb, snap_client, receiver):
    sb.set_faults(shop=sb.shops[0]["eshop_id"], webhook_drop_rate=1.0)
    job_id = snap_client.request_snapshot("customers")
    job = snap_client.wait_for_job(job_id, timeout=20, first_poll_after=0.3)
    assert job["status"] == "completed"


def test_a_wake_signal_ends_the_pause_before_the_next_poll(sb, snap_client, receiver):
    """The webhook makes the wait short: polling alone would first look after 20 s."""
    job_id = snap_client.request_snapshot("customers")
    before = route_counts(sb, JOB_ROUTE)
    started = time.monotonic()
    job = snap_client.wait_for_job(job_id, wake=receiver.job_event(job_id), timeout=60, first_poll_after=20)
    assert job["status"] == "completed" and time.monotonic() - started < 10
    assert sum(count_delta(before, route_counts(sb, JOB_ROUTE)).values()) == 1


def test_a_wake_signal_that_never_comes_leaves_the_polls_within_the_limit(sb, snap_client):
    """A lost webhook cannot stall the wait: the job is polled on schedule, at most `max_polls` times."""
    sb.set_faults(shop=sb.shops[0]["eshop_id"], snapshot_job_never_finishes=True)
    job_id = snap_client.request_snapshot("orders")
    clock = FakeClock()
    before = route_counts(sb, JOB_ROUTE)
    with pytest.raises(JobTimeout):
        snap_client.wait_for_job(job_id, wake=lambda _job: False, timeout=600, max_polls=10, clock=clock.clock(),
                                 signal_check_interval=30)
    assert count_delta(before, route_counts(sb, JOB_ROUTE)) == {"200": 10}
    assert sum(clock.sleeps) == pytest.approx(600)
