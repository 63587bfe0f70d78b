"""Workers killed, paused or robbed of Redis mid-import: the ledger brings every run to an exact end."""

import signal
import time

import orjson
import pytest
from rq import Worker
from rq.serializers import JSONSerializer
from sqlalchemy import text

from app.core.namespace import rq_name
from app.sync import ledger
from app.sync.dispatch import enqueue_run, job_id
from app.sync.runner import execute_run
from tests.factories import make_org, make_shop
from tests.imports.processes import (
    Ledger,
    signal_tree,
    start_worker,
    stop_worker,
    wait_for,
    worker_env,
    worker_running,
)
from tests.imports.snapshot_files import generate, read_lines
from workers.scheduler import tick

ORDERS = 4000


def _orders_file(folder, count, seed):
    path = generate("orders", count, folder / "orders.jsonl.gz", seed=seed)
    lines = [orjson.loads(raw) for raw in read_lines(path)]
    return path, len(lines), sum(len(order["items"]) for order in lines)


@pytest.fixture(scope="module")
def big_orders(tmp_path_factory):
    return _orders_file(tmp_path_factory.mktemp("big"), ORDERS, seed=11)


@pytest.fixture(scope="module")
def small_orders(tmp_path_factory):
    """For runs that only have to wait on the queue: their length proves nothing."""
    return _orders_file(tmp_path_factory.mktemp("small"), 300, seed=12)


@pytest.fixture
def env(test_config):
    # Small batches keep the import going for seconds on a fast machine, so a kill or a pause lands mid-run.
    return worker_env(test_config, HUB_IMPORT_BATCH_SIZE=5)


@pytest.fixture
def watch(test_config):
    view = Ledger(test_config.DATABASE_URL)
    yield view
    view.close()


@pytest.fixture
def workers():
    started = []
    yield started
    for process in started:
        stop_worker(process)


def _file_runs(app, db, *paths):
    """File-mode runs (one per new shop and file), committed and on the queue in this order."""
    run_ids = []
    with app.app_context():
        org = make_org(db.session)
        for path in paths:
            shop = make_shop(db.session, org)
            run, _ = ledger.trigger(db.session, shop, "orders", mode="file", source_path=str(path))
            run_ids.append(run.id)
        db.session.commit()
        for run_id in run_ids:
            enqueue_run(app.extensions["redis"], run_id, "orders")
    return run_ids


def _assert_exact(watch, run_id, orders, items):
    run = watch.run(run_id)
    assert run["status"] == "succeeded", run["error"]
    shop_id = run["shop_id"]
    assert watch.scalar("SELECT count(*) FROM orders WHERE shop_id = :s", s=shop_id) == orders
    assert watch.scalar("SELECT count(*) FROM order_items WHERE shop_id = :s", s=shop_id) == items
    assert run["stats"]["inserted"] == orders and run["stats"]["updated"] == 0
    assert run["progress_done"] == orders
    return run


def _tick_until(app, predicate, timeout=240.0, what="runs to finish"):  # batches of 5: every hook per 5 orders
    def step():
        tick(app)
        return predicate()

    return wait_for(step, timeout=timeout, every=0.5, what=what)


def test_sigkill_of_the_worker_mid_import_then_a_new_worker_resumes(app, live_db, env, watch, workers, big_orders):
    path, orders, items = big_orders
    [run_id] = _file_runs(app, live_db, path)
    first = start_worker(env)
    workers.append(first)
    wait_for(lambda: watch.run(run_id)["progress_done"] >= 200, what="the import to be under way")
    signal_tree(first, signal.SIGKILL)  # worker and work-horse, no goodbye
    killed_at = watch.run(run_id)["progress_done"]
    assert 0 < killed_at < orders

    # Only the kill has to land mid-run: the resumed import may take big batches (checkpoints count lines).
    workers.append(start_worker({**env, "HUB_IMPORT_BATCH_SIZE": "250"}))
    _tick_until(app, lambda: watch.run(run_id)["status"] == "succeeded")
    run = _assert_exact(watch, run_id, orders, items)
    assert run["attempt"] == 2  # resumed by the second worker, from the checkpoint


def test_a_flush_of_redis_mid_queue_loses_no_run(app, live_db, env, watch, workers, big_orders, small_orders):
    path, orders, items = big_orders
    run_ids = _file_runs(app, live_db, path, small_orders[0], small_orders[0])
    # Batches of 50 still keep the first import going while the flush lands, the other two on the queue; batches of
    # 5 would only make the three imports ten times as long.
    workers.append(start_worker({**env, "HUB_IMPORT_BATCH_SIZE": "50"}))
    wait_for(lambda: watch.run(run_ids[0])["progress_done"] > 0, what="the first import to start")
    # Everything of the hub's lives in its one Redis database; FLUSHALL would also wipe the other xdist worker's.
    app.extensions["redis"].flushdb()
    _tick_until(app, lambda: all(watch.run(r)["status"] == "succeeded" for r in run_ids))
    _assert_exact(watch, run_ids[0], orders, items)
    for run_id in run_ids[1:]:
        _assert_exact(watch, run_id, *small_orders[1:])


def test_a_paused_lease_holder_cannot_write_after_another_worker_took_over(app, live_db, env, watch, workers,
                                                                           big_orders):
    path, orders, items = big_orders
    [run_id] = _file_runs(app, live_db, path)
    first = start_worker(env)
    workers.append(first)
    wait_for(lambda: watch.run(run_id)["progress_done"] >= 100, what="the import to be under way")
    holder = wait_for(lambda: worker_running(app.extensions["redis"], rq_name(job_id(run_id), app), workers),
                      what="the worker holding the run")
    assert holder is first
    # The worker that takes over needs no small batches (only the pause must land mid-run): it finishes in minutes
    # less. It is listening before the holder is paused, as a second worker of a deployment would be.
    workers.append(start_worker({**env, "HUB_IMPORT_BATCH_SIZE": "250"}))
    wait_for(lambda: len(Worker.all(connection=app.extensions["redis"], serializer=JSONSerializer)) == 2,
             what="the second worker to listen")
    signal_tree(holder, signal.SIGSTOP)
    paused = watch.run(run_id)
    assert paused["status"] == "running", "the import ended before the pause; make it longer"
    paused_at = paused["lease_token"]
    time.sleep(3.5)  # past the 3 s lease
    try:
        _tick_until(app, lambda: watch.run(run_id)["lease_token"] > paused_at, timeout=30,
                    what="another worker's claim")
    except AssertionError:
        with watch.engine.connect() as conn:
            activity = conn.execute(text("SELECT pid, state, wait_event_type, wait_event, left(query, 120) "
                                         "FROM pg_stat_activity WHERE datname = current_database()")).all()
        raise AssertionError(f"no takeover; run {watch.run(run_id)}; activity {activity}") from None
    signal_tree(holder, signal.SIGCONT)
    _tick_until(app, lambda: watch.run(run_id)["status"] == "succeeded")
    time.sleep(1.0)  # give the resumed holder time to try (and fail) its next batch
    run = _assert_exact(watch, run_id, orders, items)
    assert run["lease_token"] >= 2 and run["attempt"] >= 2  # the other worker finished it


def test_two_triggers_at_once_make_one_run(app, live_db):
    import threading

    from app.extensions import db as _db

    with app.app_context():
        shop = make_shop(_db.session, make_org(_db.session))
        _db.session.commit()
        shop_id = shop.id
    results, barrier = [], threading.Barrier(8)

    def trigger():
        with app.app_context():
            from app.shops.models import Shop

            barrier.wait()
            run, created = ledger.trigger(_db.session, _db.session.get(Shop, shop_id), "orders")
            _db.session.commit()
            results.append((run.id, created))

    threads = [threading.Thread(target=trigger) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len({run_id for run_id, _ in results}) == 1
    assert sum(created for _, created in results) == 1


def test_a_stale_claim_is_refused_while_a_live_lease_holds(app, db):
    shop = make_shop(db.session, make_org(db.session))
    run, _ = ledger.trigger(db.session, shop, "orders", mode="file", source_path="/nonexistent")
    first = ledger.claim(db.session, run.id)
    assert first is not None and ledger.claim(db.session, run.id) is None
    with pytest.raises(ledger.LeaseLost):
        ledger.fence(db.session, run.id, first.lease_token + 1)
    outcome = execute_run(db.session, run.id)
    assert outcome.status == "not-claimed"


def test_trigger_keeps_working_once_the_statement_is_prepared(app, db):
    """psycopg prepares a statement after a few runs; the one-active-run upsert must still find its index."""
    shop = make_shop(db.session, make_org(db.session))
    for _ in range(12):
        run, created = ledger.trigger(db.session, shop, "orders")
        assert created
        ledger.cancel(db.session, run)
    again, created = ledger.trigger(db.session, shop, "customers")
    assert created and ledger.trigger(db.session, shop, "customers") == (again, False)
