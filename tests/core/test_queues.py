"""The one enqueue helper (app/queues.py): idempotent per job id, and the only place that enqueues."""

import re
from pathlib import Path

import pytest
from rq.job import JobStatus

from app.queues import enqueue, fetch_job, get_queue

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _app_context(app):
    """Queue names and job ids are namespaced by the app's database."""
    with app.app_context():
        yield


def _job(redis, job_id):
    return fetch_job(redis, job_id)


def test_one_job_per_id_and_a_failed_one_is_replaced(redis_client):
    assert enqueue(redis_client, "default", "app.nothing", [1], "job-a")
    assert not enqueue(redis_client, "default", "app.nothing", [1], "job-a")  # waiting: no second job
    assert get_queue("default", redis_client).count == 1
    _job(redis_client, "job-a").set_status(JobStatus.FAILED)
    assert enqueue(redis_client, "default", "app.nothing", [1], "job-a")  # a failed id does not block
    assert _job(redis_client, "job-a").get_status() == JobStatus.QUEUED


def test_failed_blocks_keeps_a_failed_id_until_its_ttl(redis_client):
    assert enqueue(redis_client, "default", "app.nothing", [], "backup-x", failed_blocks=True, failure_ttl=3600)
    _job(redis_client, "backup-x").set_status(JobStatus.FAILED)
    assert not enqueue(redis_client, "default", "app.nothing", [], "backup-x", failed_blocks=True)


def test_replace_live_and_no_id(redis_client):
    assert enqueue(redis_client, "orders", "app.nothing", [7], "sync-run-7")
    assert enqueue(redis_client, "orders", "app.nothing", [7], "sync-run-7", replace_live=True)
    assert get_queue("orders", redis_client).count == 1  # replaced, not doubled
    assert enqueue(redis_client, "default", "app.nothing", [3]) and enqueue(redis_client, "default", "app.nothing", [3])
    assert get_queue("default", redis_client).count == 2  # without an id the caller deduplicates


def test_nothing_else_enqueues_and_the_app_does_not_import_the_workers():
    offenders = []
    for path in [*ROOT.joinpath("app").rglob("*.py"), *ROOT.joinpath("workers").rglob("*.py")]:
        text = path.read_text()
        if path != ROOT / "app" / "queues.py" and re.search(r"\.enqueue(_call|_at|_in|_many)?\(", text):
            offenders.append(f"{path.relative_to(ROOT)} enqueues by itself")
        if path.is_relative_to(ROOT / "app") and re.search(r"^\s*(from|import) workers\b", text, re.M):
            offenders.append(f"{path.relative_to(ROOT)} imports workers")
    assert offenders == []
