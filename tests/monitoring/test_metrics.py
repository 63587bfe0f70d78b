"""/metrics: Prometheus text with queues, runs, lag, cache, API budget, incidents and request latency."""

from datetime import timedelta

from prometheus_client.parser import text_string_to_metric_families

from app.channels.shoptet.budget import ApiBudgetRecorder
from app.monitoring.models import Incident
from app.queues import get_queue
from tests.monitoring.conftest import make_run


def _samples(response) -> dict[tuple[str, tuple], float]:
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(response.get_data(as_text=True)):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def test_metrics_report_the_shared_state(client, db, tenants, redis_client, backup_dir):
    alpha, beta = tenants["shops"]
    make_run(db.session, alpha, "orders", status="succeeded", finished_ago=timedelta(minutes=10))
    make_run(db.session, alpha, "customers", status="failed", error="x")
    make_run(db.session, beta, "orders", status="running")
    for n in range(3):
        get_queue("catalog", redis_client).enqueue_call("app.nothing", args=[n])
    ApiBudgetRecorder(redis_client, alpha.id)(429, {"X-RateLimit-Bucket-Filling": "50/200"})
    db.session.add(Incident(key="no_worker", kind="no_worker", summary="none", details={}, notify_attempts=0))
    db.session.flush()

    samples = _samples(client.get("/metrics"))
    assert samples[("hub_queue_jobs", (("queue", "catalog"),))] == 3
    assert samples[("hub_queue_jobs", (("queue", "snapshots"),))] == 0
    assert samples[("hub_queue_oldest_job_age_seconds", (("queue", "catalog"),))] >= 0
    assert samples[("hub_workers_alive", ())] == 0
    assert samples[("hub_sync_runs", (("kind", "orders"), ("status", "succeeded")))] == 1
    assert samples[("hub_sync_runs", (("kind", "customers"), ("status", "failed")))] == 1
    assert samples[("hub_sync_runs", (("kind", "orders"), ("status", "running")))] == 1
    lag = samples[("hub_sync_lag_seconds", (("kind", "orders"), ("shop_id", str(alpha.id))))]
    assert 590 < lag < 700
    assert samples[("hub_shoptet_rate_limited_total", (("shop_id", str(alpha.id)),))] == 1
    assert samples[("hub_shoptet_bucket_filling_ratio", (("shop_id", str(alpha.id)),))] == 0.25
    assert samples[("hub_incidents_open", (("kind", "no_worker"),))] == 1
    assert ("hub_settings_cache_hits_total", ()) in samples and ("hub_settings_cache_misses_total", ()) in samples
    assert samples[("hub_up", (("component", "database"),))] == 1
    assert samples[("hub_up", (("component", "redis"),))] == 1
    assert not any(name.startswith("hub_webhooks_") for name, _ in samples)  # intake does not count yet


def test_request_latency_is_a_histogram_per_endpoint(client):
    for _ in range(3):
        client.get("/healthz")
    samples = _samples(client.get("/metrics"))
    count = samples[("hub_request_duration_seconds_count", (("endpoint", "monitoring.healthz"), ("method", "GET")))]
    assert count >= 3
    assert samples[("hub_request_duration_seconds_bucket",
                    (("endpoint", "monitoring.healthz"), ("le", "+Inf"), ("method", "GET")))] == count


def test_metrics_survive_an_unreachable_redis(app, client, monkeypatch):
    from redis import Redis

    monkeypatch.setitem(app.extensions, "redis", Redis(host="127.0.0.1", port=9, socket_connect_timeout=0.3))
    samples = _samples(client.get("/metrics"))
    assert samples[("hub_up", (("component", "redis"),))] == 0
    assert samples[("hub_up", (("component", "database"),))] == 1


def test_a_metrics_token_is_required_when_configured(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "METRICS_TOKEN", "s3cret")
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    assert client.get("/metrics", headers={"Authorization": "Bearer s3cret"}).status_code == 200
