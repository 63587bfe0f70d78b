"""Writers of orders in concurrent transactions take turns and never wait for each other in a circle.

Each test runs two real transactions in two threads (committed data: `live_db`); a deadlock would make
PostgreSQL abort one of them (DeadlockDetected) after its deadlock_timeout.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from app.channels.base import Deletion
from app.dashboard import rollups
from app.imports import hooks
from app.orders import services
from app.orders.models import OrderStatusChange
from app.sync.incremental import _mark_deleted
from tests.dashboard.conftest import order_json, utc, write_orders
from tests.dashboard.test_rollups import assert_rollups_match_orders
from tests.factories import make_org, make_shop


def _run_both(first, second) -> None:
    """Both callables in their own thread; the first error of either is raised here."""
    errors: list[BaseException] = []

    def run(work):
        try:
            work()
        except BaseException as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(work,)) for work in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(thread.is_alive() for thread in threads), "a transaction never finished"
    if errors:
        raise errors[0]


def _ids(session: Session, shop_id: int) -> list[int]:
    return session.execute(text("SELECT id FROM orders WHERE shop_id = :shop ORDER BY id"),
                           {"shop": shop_id}).scalars().all()


def _status_change(engine, org_id: int, ids: list[int]) -> None:
    """A status change the platform accepted for `ids`, in a transaction of its own."""
    with Session(engine) as session:
        change = OrderStatusChange(organization_id=org_id, status_id=-4, status_name="Stornována")
        session.add(change)
        session.flush()
        services.record_status_outcomes(session, change.id, ids, {}, status="cancelled")
        session.commit()


@pytest.fixture
def two_shops(app, live_db):
    with app.app_context():
        session = live_db.session
        org = make_org(session)
        shops = [make_shop(session, org), make_shop(session, org)]
        for n, shop in enumerate(shops):
            write_orders(session, shop, [order_json(utc(2025, 8, 1 + n, 9 + hour), customer=f"c{hour % 2}")
                                         for hour in range(6)])
        session.commit()
        yield live_db.engine, org.id, [shop.id for shop in shops]


def test_a_status_change_waits_for_a_sync_that_deletes_after_its_batch(two_shops):
    """The sync's transaction writes a batch (its shop's lock held), then marks an order deleted that the status
    change is about to cancel: the status change must wait before it locks that order's row."""
    engine, org_id, (shop_id, _) = two_shops
    batch_written, change_started = threading.Event(), threading.Event()
    with Session(engine) as session:
        order_id = _ids(session, shop_id)[0]
        code = session.execute(text("SELECT code FROM orders WHERE id = :id"), {"id": order_id}).scalar()

    def sync():
        with Session(engine) as session:
            write_orders(session, SimpleNamespace(id=shop_id), [order_json(utc(2025, 8, 9, 9), customer="c1")])
            batch_written.set()
            change_started.wait(10)
            time.sleep(0.5)  # the status change is blocked now (or, unguarded, holds the order's row)
            _mark_deleted(session, "orders", shop_id, [Deletion(code, datetime.now(UTC))])
            session.commit()

    def status_change():
        batch_written.wait(10)
        change_started.set()
        _status_change(engine, org_id, [order_id])

    _run_both(sync, status_change)
    with Session(engine) as session:
        assert_rollups_match_orders(session, [shop_id])


def test_two_status_changes_over_two_shops_lock_them_in_one_order(two_shops, monkeypatch):
    """Each change covers both shops, listed the other way round; the rollup hook is slowed so that both are
    inside it at once: shops locked as listed would be a deadlock."""
    engine, org_id, shop_ids = two_shops
    hook = rollups.orders_changed

    def slow_hook(*args):
        hook(*args)
        time.sleep(0.3)

    monkeypatch.setattr(rollups, "orders_changed", slow_hook)
    hooks._hooks.cache_clear()
    try:
        with Session(engine) as session:
            first, second = (_ids(session, shop_id) for shop_id in shop_ids)
        _run_both(lambda: _status_change(engine, org_id, first[:3] + second[:3]),
                  lambda: _status_change(engine, org_id, second[3:] + first[3:]))
    finally:
        hooks._hooks.cache_clear()
    with Session(engine) as session:
        assert session.execute(text("SELECT count(*) FROM orders WHERE status = 'cancelled'")).scalar() == 12
        assert_rollups_match_orders(session, shop_ids)


def test_imports_of_two_shops_never_wait_for_each_other(two_shops):
    """Two shops' import batches over the same days, months, years, codes, currencies and customer guids, with
    late changes that empty rollup rows and move first sales: the rollup hook locks only its own shop's rows
    (the orders it reads of any shop are plain reads), so the second batch commits while the first still holds
    everything it locked. A wait for the other shop would hit the lock timeout (no waiting for a deadlock
    check)."""
    engine, _, shop_ids = two_shops
    first_written, second_done = threading.Event(), threading.Event()

    def batch(shop_id: int) -> list[dict]:
        with Session(engine) as session:
            customers = session.execute(text("SELECT DISTINCT customer_guid FROM orders WHERE shop_id = :shop"),
                                        {"shop": shop_id}).scalars().all()
        assert customers
        earlier = [order_json(utc(2025, 8, 1, 0, 30), customer=guid) for guid in customers]  # new first sales
        return earlier + [order_json(utc(2025, 8, 1 + n, 12), customer="c0", status="cancelled",
                                     items=[("P1", "1.000", "121.00"), ("P2", "2.000", "50.00")]) for n in range(3)]

    def import_first():
        with Session(engine) as session:
            session.execute(text("SET LOCAL lock_timeout = '5s'"))
            write_orders(session, SimpleNamespace(id=shop_ids[0]), batch(shop_ids[0]))
            first_written.set()
            assert second_done.wait(20), "the other shop's import waited for this one"
            session.commit()

    def import_second():
        assert first_written.wait(20)
        with Session(engine) as session:
            session.execute(text("SET LOCAL lock_timeout = '5s'"))
            write_orders(session, SimpleNamespace(id=shop_ids[1]), batch(shop_ids[1]))
            session.commit()
        second_done.set()

    _run_both(import_first, import_second)
    with Session(engine) as session:
        assert session.execute(text("SELECT count(*) FROM orders")).scalar() == 2 * (6 + 2 + 3)
        assert_rollups_match_orders(session, shop_ids)
