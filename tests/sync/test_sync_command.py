"""`flask hub sync`: one sync of a shop in the foreground, through the ledger, with a JSON summary."""

import json

from sqlalchemy import func, select

from app.customers.models import Customer
from app.orders.models import Order
from app.sync import ledger
from app.sync.models import SyncRun
from tests.sync.conftest import ORDERS, connect

KEYS = {"inserted", "updated", "unchanged", "deleted", "seconds"}


def _sync(app, shop, kind, *flags):
    result = app.test_cli_runner().invoke(args=["hub", "sync", "--shop", str(shop.id), "--kind", kind, *flags])
    summary = json.loads(result.stdout.strip().splitlines()[-1]) if result.exit_code == 0 else None
    return result, summary


def _runs(db, shop):
    return db.session.execute(select(SyncRun.kind, SyncRun.mode, SyncRun.status).where(SyncRun.shop_id == shop.id)
                              .order_by(SyncRun.id)).all()


def test_full_sync_of_each_kind_imports_everything_and_says_so(app, db, sandbox):
    sandbox.reset_faults()
    shop = connect(db, sandbox)
    result, summary = _sync(app, shop, "orders", "--full")
    assert result.exit_code == 0, result.output
    assert set(summary) == KEYS and summary["inserted"] == ORDERS and summary["seconds"] > 0
    orders = db.session.execute(select(func.count()).select_from(Order).where(Order.shop_id == shop.id)).scalar()
    assert orders == ORDERS
    for kind in ("customers", "products"):
        result, summary = _sync(app, shop, kind, "--full")
        assert result.exit_code == 0, result.output
        assert set(summary) == KEYS and summary["inserted"] > 0
    again, summary = _sync(app, shop, "customers", "--full")
    assert again.exit_code == 0 and summary["inserted"] == summary["updated"] == 0 and summary["unchanged"] > 0
    assert [(kind, mode, status) for kind, mode, status in _runs(db, shop)] == [
        ("orders", "snapshot", "succeeded"), ("customers", "snapshot", "succeeded"),
        ("products", "snapshot", "succeeded"), ("customers", "snapshot", "succeeded")]


def test_incremental_sync_of_each_kind_follows_the_change_feed(app, db, sandbox, imported_shop):
    shop = imported_shop
    changed = sandbox.mutate(shop=shop.external_id, orders_created=3, orders_updated=4, orders_deleted=2,
                             customers_updated=2, products_updated=2)
    result, summary = _sync(app, shop, "orders")
    assert result.exit_code == 0, result.output
    assert summary == {**summary, "inserted": 3, "updated": 4, "deleted": 2} and set(summary) == KEYS
    for kind, expected in (("customers", len(changed["customers_updated"])),
                           ("products", len(changed["products_updated"]))):
        result, summary = _sync(app, shop, kind)
        assert result.exit_code == 0, result.output
        assert set(summary) == KEYS and summary["updated"] == expected
    result, summary = _sync(app, shop, "stock")  # first pass reads each warehouse's supplies
    assert result.exit_code == 0, result.output
    assert set(summary) == KEYS and summary["inserted"] + summary["updated"] > 0
    modes = {(kind, mode) for kind, mode, _ in _runs(db, shop)}
    assert {("orders", "changes"), ("customers", "changes"), ("products", "changes"), ("stock", "changes")} <= modes


def test_a_kind_never_imported_falls_back_to_a_full_import_in_the_foreground(app, db, sandbox):
    sandbox.reset_faults()
    shop = connect(db, sandbox)
    result, summary = _sync(app, shop, "customers")
    assert result.exit_code == 0, result.output
    customers = db.session.execute(select(func.count()).select_from(Customer)
                                   .where(Customer.shop_id == shop.id)).scalar()
    assert set(summary) == KEYS and summary["inserted"] == customers > 0
    assert _runs(db, shop) == [("customers", "changes", "succeeded"), ("customers", "snapshot", "succeeded")]


def test_an_active_run_of_the_kind_is_refused(app, db, sandbox):
    shop = connect(db, sandbox)
    active, _ = ledger.trigger(db.session, shop, "orders")
    db.session.commit()
    result, _ = _sync(app, shop, "orders")
    assert result.exit_code == 2 and "error:" in result.output and f"run {active.id}" in result.output
    assert _runs(db, shop) == [("orders", "snapshot", "queued")]  # nothing started, nothing joined


def test_bad_input_says_what_to_fix(app, db, sandbox):
    shop = connect(db, sandbox)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["hub", "sync", "--shop", "999999", "--kind", "orders"])
    assert result.exit_code == 2 and "no shop with id 999999" in result.output
    result = runner.invoke(args=["hub", "sync", "--shop", str(shop.id), "--kind", "stock", "--full"])
    assert result.exit_code == 2 and "--kind products --full" in result.output
    result = runner.invoke(args=["hub", "sync", "--shop", str(shop.id), "--kind", "invoices"])
    assert result.exit_code == 2
    assert _runs(db, shop) == []
