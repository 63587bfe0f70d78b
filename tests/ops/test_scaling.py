"""Scaling past one machine: workers on two "hosts" share one Redis and one PostgreSQL and do no work twice.

Each worker runs in a UTS namespace of its own with its own hostname (where `unshare` is permitted, as for
root here), so RQ's registry and the monitoring page see two machines; they share nothing but the two URLs.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from rq import Worker
from rq.serializers import JSONSerializer

from app.monitoring import queries
from app.sync import ledger
from app.sync.dispatch import enqueue_run
from tests.factories import make_org, make_shop
from tests.imports.processes import Ledger, start_worker, stop_worker, wait_for, worker_env
from tests.imports.snapshot_files import generate

RUNS, ORDERS = 6, 400


def _can_fake_hosts() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "--uts", "hostname", "probe-host"], capture_output=True, timeout=10)
    return probe.returncode == 0


def start_host(env: dict, hostname: str, fake_hosts: bool) -> subprocess.Popen:
    if not fake_hosts:
        return start_worker(env)
    command = ["unshare", "--uts", "sh", "-c", f'hostname {hostname} && exec "$0" -m workers.worker snapshots',
               sys.executable]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


@pytest.fixture(scope="module")
def orders_file(tmp_path_factory):
    return generate("orders", ORDERS, tmp_path_factory.mktemp("scaling") / "orders.jsonl.gz", seed=5)


def test_two_worker_hosts_share_the_queue_without_duplicate_work(app, live_db, test_config, orders_file):
    redis = app.extensions["redis"]
    fake_hosts = _can_fake_hosts()
    env = worker_env(test_config)
    hosts = [start_host(env, name, fake_hosts) for name in ("hub-worker-a", "hub-worker-b")]
    watch = Ledger(test_config.DATABASE_URL)
    try:
        with app.app_context():  # the workers of this database's queues
            workers = wait_for(lambda: len(queries.live_workers(redis)) == 2 and queries.live_workers(redis),
                               timeout=60, what="both workers to register")
        if fake_hosts:
            assert sorted(worker.hostname for worker in workers) == ["hub-worker-a", "hub-worker-b"]
        with app.app_context():
            org = make_org(live_db.session)
            run_ids = []
            for _ in range(RUNS):
                run, _ = ledger.trigger(live_db.session, make_shop(live_db.session, org), "orders", mode="file",
                                        source_path=str(orders_file))
                run_ids.append(run.id)
            live_db.session.commit()
            for run_id in run_ids:
                enqueue_run(redis, run_id, "orders")
                enqueue_run(redis, run_id, "orders")  # a second "run N now" for the same run is a no-op

        wait_for(lambda: all(watch.run(run_id)["status"] == "succeeded" for run_id in run_ids), timeout=120,
                 every=0.2, what="every run to finish")
        for run_id in run_ids:
            run = watch.run(run_id)
            assert run["attempt"] == 1 and run["lease_token"] == 1  # claimed once, by one worker
            assert run["stats"]["inserted"] == ORDERS and run["stats"]["updated"] == 0
            assert watch.scalar("SELECT count(*) FROM orders WHERE shop_id = :s", s=run["shop_id"]) == ORDERS
        done = {worker.hostname or worker.name: worker.successful_job_count
                for worker in Worker.all(connection=redis, serializer=JSONSerializer)}
        assert sum(done.values()) == RUNS
        assert all(count > 0 for count in done.values()), done  # both hosts took work
    finally:
        for process in hosts:
            stop_worker(process)
        watch.close()
