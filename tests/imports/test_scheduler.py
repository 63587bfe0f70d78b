"""The scheduler: due work comes from the ledger, two schedulers enqueue it once, partitions stay ahead."""

import threading
from datetime import date

from sqlalchemy import text

from app.core.namespace import rq_name
from app.imports.partitions import ensure_ahead, existing_partitions
from app.queues import get_queue
from app.sync import ledger
from tests.factories import make_org, make_shop
from workers.scheduler import tick


def test_two_schedulers_enqueue_each_due_run_once(app, live_db):
    with app.app_context():
        org = make_org(live_db.session)
        run_ids = [ledger.trigger(live_db.session, make_shop(live_db.session, org), "orders")[0].id
                   for _ in range(5)]
        live_db.session.commit()
    barrier = threading.Barrier(2)

    def scheduler():
        barrier.wait()
        for _ in range(5):
            tick(app)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    queue = get_queue("snapshots", app.extensions["redis"], app)
    assert sorted(queue.job_ids) == sorted(rq_name(f"sync-run-{run_id}", app) for run_id in run_ids)


def test_a_redis_flush_is_repaired_on_the_next_tick(app, live_db):
    with app.app_context():
        run, _ = ledger.trigger(live_db.session, make_shop(live_db.session, make_org(live_db.session)), "orders")
        live_db.session.commit()
        run_id = run.id
    tick(app)
    redis = app.extensions["redis"]
    redis.flushdb()
    tick(app)
    assert get_queue("snapshots", redis, app).job_ids == [rq_name(f"sync-run-{run_id}", app)]


def test_partitions_are_created_ahead(app, db):
    connection = db.session.connection()
    created = ensure_ahead(connection, date(2040, 11, 15), months_ahead=3)
    assert created == ["order_items_p204011", "order_items_p204012", "order_items_p204101", "order_items_p204102"]
    assert ensure_ahead(connection, date(2040, 11, 15), months_ahead=3) == []
    assert {"order_items_p204011", "order_items_p204102"} <= existing_partitions(connection)
    bounds = connection.execute(text(
        "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_class c WHERE c.relname = 'order_items_p204012'")).scalar()
    assert "2040-12-01" in bounds and "2041-01-01" in bounds
