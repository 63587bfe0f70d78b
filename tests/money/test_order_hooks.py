"""What follows orders (app/imports/hooks.py) hears of every order inserted, updated or deleted, in the same
transaction: from an import batch, from the change feed's deletions, and from a status change the hub pushed."""

from datetime import UTC, datetime

import pytest

from app.channels.base import Deletion
from app.imports import hooks
from app.orders import services
from app.orders.models import OrderStatusChange
from app.sync.incremental import _mark_deleted
from app.sync.runner import run_file_import
from tests.factories import make_org, make_shop
from tests.imports.conftest import snapshots  # noqa: F401
from tests.orders.tables import add_order

TOUCHED: list[tuple[int, int]] = []  # (shop id, order id) as the hook heard them


def remember(cursor, shop_id, touched_sql, params):
    cursor.execute(f"SELECT order_id FROM ({touched_sql}) t", {"shop_id": shop_id, **params})  # noqa: S608
    TOUCHED.extend((shop_id, order_id) for (order_id,) in cursor.fetchall())


@pytest.fixture
def listening(monkeypatch):
    TOUCHED.clear()
    monkeypatch.setattr(hooks, "ORDERS_CHANGED", (*hooks.ORDERS_CHANGED, "tests.money.test_order_hooks:remember"))
    hooks._hooks.cache_clear()
    yield TOUCHED
    hooks._hooks.cache_clear()


def test_an_import_batch_tells_the_hooks_of_exactly_the_orders_it_wrote(db, snapshots, listening):  # noqa: F811
    shop = make_shop(db.session, make_org(db.session))
    progress = run_file_import(db.session, shop, "orders", str(snapshots["orders"]))
    assert len(listening) == progress.counts.inserted > 0
    listening.clear()
    again = make_shop(db.session, make_org(db.session))
    run_file_import(db.session, again, "orders", str(snapshots["orders"]))
    listening.clear()
    run_file_import(db.session, again, "orders", str(snapshots["orders"]))  # nothing changed: nothing heard
    assert listening == []


def test_deletions_and_pushed_status_changes_reach_the_hooks(db, listening):
    shop = make_shop(db.session, make_org(db.session))
    deleted, changed = add_order(db.session, shop), add_order(db.session, shop)
    _mark_deleted(db.session, "orders", shop.id, [Deletion(deleted.code, datetime.now(UTC))])
    assert listening == [(shop.id, deleted.id)]
    change = OrderStatusChange(organization_id=shop.organization_id, status_id=-4, status_name="Stornována")
    db.session.add(change)
    db.session.flush()
    listening.clear()
    services.record_status_outcomes(db.session, change.id, [changed.id], {}, status="cancelled")
    assert listening == [(shop.id, changed.id)]
