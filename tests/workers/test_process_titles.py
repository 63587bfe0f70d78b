"""Ops see what a worker, its work-horse and the scheduler do: process titles, and JSON log lines on stdout."""

import json
import subprocess
import sys
from pathlib import Path

import psutil
import pytest

from app.sync import ledger
from app.sync.dispatch import enqueue_run
from tests.factories import make_org, make_shop
from tests.imports.processes import Ledger, stop_worker, wait_for, worker_env
from tests.imports.snapshot_files import generate

ROOT = Path(__file__).resolve().parents[2]


def _start(module: str, env: dict, log: Path, *args: str) -> subprocess.Popen:
    with open(log, "w") as output:
        return subprocess.Popen([sys.executable, "-m", module, *args], cwd=ROOT, env=env, stdout=output,
                                stderr=subprocess.STDOUT, start_new_session=True)


def _titles(process: subprocess.Popen) -> list[str]:
    """The titles of the process and its children (a worker's work-horse), as `ps` shows them."""
    try:
        parent = psutil.Process(process.pid)
        return [" ".join(proc.cmdline()).strip() for proc in (parent, *parent.children(recursive=True))]
    except psutil.NoSuchProcess:
        return []


def _json_lines(log: Path) -> list[dict]:
    lines = [line for line in log.read_text().splitlines() if line.strip()]
    return [json.loads(line) for line in lines]  # every line is one JSON object


@pytest.fixture
def orders_file(tmp_path_factory):
    return generate("orders", 800, tmp_path_factory.mktemp("titles") / "orders.jsonl.gz", seed=5)


def test_the_worker_and_its_horse_say_what_they_run(app, live_db, test_config, orders_file, tmp_path):
    log = tmp_path / "worker.log"
    # Small batches keep the import going for a few seconds, long enough to read the horse's title.
    worker = _start("workers.worker", worker_env(test_config, HUB_IMPORT_BATCH_SIZE=5), log, "snapshots")
    watch = Ledger(test_config.DATABASE_URL)
    try:
        wait_for(lambda: _titles(worker) == ["hub-worker[snapshots] idle", "hub-rq-scheduler[snapshots]"], timeout=60,
                 what="an idle worker and RQ's scheduler")
        with app.app_context():
            shop = make_shop(live_db.session, make_org(live_db.session))
            run, _ = ledger.trigger(live_db.session, shop, "orders", mode="file", source_path=str(orders_file))
            run_id, shop_id = run.id, shop.id
            live_db.session.commit()
            enqueue_run(app.extensions["redis"], run_id, "orders")
        horse = f"hub-horse run {run_id} orders shop {shop_id}"
        titles = wait_for(lambda: horse in _titles(worker) and _titles(worker), timeout=60, what="the horse's title")
        assert titles[0] == f"hub-worker[snapshots] busy: sync run {run_id} (orders)"
        wait_for(lambda: watch.run(run_id)["status"] == "succeeded", timeout=120, what="the run to finish")
        wait_for(lambda: _titles(worker)[0] == "hub-worker[snapshots] idle" and horse not in _titles(worker),
                 timeout=30, what="idle again")
    finally:
        stop_worker(worker)
        watch.close()
    records = _json_lines(log)
    assert records and all({"time", "level", "logger", "message", "pid"} <= set(record) for record in records)
    assert any(record["logger"] == "rq.worker" and "Listening on" in record["message"] for record in records)
    assert {record["component"] for record in records} == {"worker"}


def test_the_scheduler_shows_its_tick(app, live_db, test_config, tmp_path):
    log = tmp_path / "scheduler.log"
    scheduler = _start("workers.scheduler", worker_env(test_config), log)
    try:
        wait_for(lambda: any(title.startswith("hub-scheduler idle; tick 1 at ") for title in _titles(scheduler)),
                 timeout=60, what="the scheduler's tick title")
    finally:
        scheduler.terminate()
        scheduler.wait(timeout=30)
    records = _json_lines(log)
    assert [record["message"] for record in records][:1] == ["scheduler started, tick every 5 s"]
    assert records[-1]["message"] == "scheduler stopped" and records[-1]["component"] == "scheduler"
