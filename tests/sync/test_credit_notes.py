"""Credit notes from the Shoptet sandbox: the kind `credit_notes` through the ledger like every other (snapshot,
change feed, `flask hub sync`, webhooks), idempotent, and netted out of the demand rollup."""

import json
from collections import defaultdict
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select, text

from app.channels import channel_for
from app.channels.shoptet.api import client_for_shop
from app.inventory.metrics import shop_zone_name
from app.orders.models import CreditNote, CreditNoteItem
from app.sync.models import SyncRun
from sandbox.testing import run_sandbox
from tests.sync.conftest import connect

KEYS = {"inserted", "updated", "unchanged", "deleted", "seconds"}
COUNTED = ["cancelled", "refunded", "failed"]  # order statuses that are no sales


@pytest.fixture(scope="module")
def sandbox():
    # Enough orders for a few dozen returns (4 % of completed orders get a credit note).
    with run_sandbox(seed=31, shops=1, orders=900, customers=80, products=20, job_delay=0.2,
                     webhook_retry_seconds=0.2) as handle:
        yield handle


def _sync(app, shop, kind, *flags):
    result = app.test_cli_runner().invoke(args=["hub", "sync", "--shop", str(shop.id), "--kind", kind, *flags])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(summary) == KEYS
    return summary


def _listed(shop) -> int:
    with client_for_shop(shop) as client:
        page = next(iter(client.pages("/api/credit-notes", "creditNotes", {})))
    return page.total_count


# Real commits (live_db): an import's transactions carry the lease's idle timeout, which a test transaction
# held across three imports (and their snapshot waits) would outlive on a loaded machine.

def test_credit_notes_import_by_snapshot_and_follow_the_change_feed(app, live_db, sandbox):
    with app.app_context():
        _import_and_follow(app, live_db, sandbox)


def _import_and_follow(app, db, sandbox):
    sandbox.reset_faults()
    shop = connect(db, sandbox)
    total = _listed(shop)
    assert total > 10
    first = _sync(app, shop, "credit_notes", "--full")
    assert first["inserted"] == total and first["updated"] == 0
    lines = db.session.execute(select(func.count()).select_from(CreditNoteItem)
                               .where(CreditNoteItem.shop_id == shop.id)).scalar()
    assert lines >= total
    note = db.session.execute(select(CreditNote).where(CreditNote.shop_id == shop.id)
                              .order_by(CreditNote.creation_time.desc()).limit(1)).scalar_one()
    assert note.order_code and note.raw["restocked"] is False and note.total_with_vat < 0

    again = _sync(app, shop, "credit_notes", "--full")  # a repeated import changes nothing
    assert (again["inserted"], again["updated"], again["unchanged"]) == (0, 0, total)
    quiet = _sync(app, shop, "credit_notes")  # the change feed from the snapshot on: nothing new
    assert (quiet["inserted"], quiet["updated"]) == (0, 0)

    with client_for_shop(shop) as client:
        client.transport.request("POST", f"/api/credit-notes/{note.code}/restock")
    changed = _sync(app, shop, "credit_notes")
    assert (changed["inserted"], changed["updated"]) == (0, 1)
    db.session.expire_all()
    assert db.session.get(CreditNote, note.id).raw["restocked"] is True
    runs = db.session.execute(select(SyncRun.mode, SyncRun.status).where(
        SyncRun.shop_id == shop.id, SyncRun.kind == "credit_notes").order_by(SyncRun.id)).all()
    assert [tuple(run) for run in runs] == [("snapshot", "succeeded")] * 2 + [("changes", "succeeded")] * 2


def test_creditnote_webhooks_ask_for_a_credit_notes_sync(db, sandbox):
    shop = connect(db, sandbox)
    channel = channel_for(shop)
    for event in ("creditNote:create", "creditNote:update", "creditNote:delete"):
        assert channel.classify(event).sync == "credit_notes"
    with client_for_shop(shop) as client:
        registered = {hook["event"] for hook in client.iter_webhooks()}
    assert {"creditNote:create", "creditNote:update", "creditNote:delete"} <= registered


def test_the_demand_rollup_nets_the_imported_returns(app, live_db, sandbox):
    with app.app_context():
        _import_and_net(app, live_db, sandbox)


def _import_and_net(app, db, sandbox):
    sandbox.reset_faults()
    shop = connect(db, sandbox)
    _sync(app, shop, "products", "--full")
    _sync(app, shop, "credit_notes", "--full")  # before their orders: the order batches net them
    _sync(app, shop, "orders", "--full")
    zone = ZoneInfo(shop_zone_name(db.session.connection().connection.cursor(), shop.id))

    sold: dict = defaultdict(float)
    for code, created, amount in db.session.execute(text(
            "SELECT i.code, o.creation_time, i.amount FROM order_items i JOIN orders o ON o.id = i.order_id "
            "WHERE o.shop_id = :shop AND o.deleted_at IS NULL AND (o.status IS NULL OR NOT o.status = ANY(:out)) "
            "AND i.code IS NOT NULL "
            "AND i.item_type IN ('product', 'bazar', 'product-set-item')"),
            {"shop": shop.id, "out": COUNTED}):
        sold[code, created.astimezone(zone).date()] += float(amount)
    returned: dict = defaultdict(float)
    for code, created, amount in db.session.execute(text(
            "SELECT ci.code, cn.creation_time, ci.amount FROM credit_note_items ci "
            "JOIN credit_notes cn ON cn.id = ci.credit_note_id "
            "JOIN orders o ON o.shop_id = cn.shop_id AND o.code = cn.order_code "
            "WHERE cn.shop_id = :shop AND o.deleted_at IS NULL AND (o.status IS NULL OR NOT o.status = ANY(:out)) "
            "AND ci.code IS NOT NULL "
            "AND ci.item_type IN ('product', 'bazar', 'product-set-item')"), {"shop": shop.id, "out": COUNTED}):
        returned[code, created.astimezone(zone).date()] += -float(amount)
    assert returned and all(units > 0 for units in returned.values())
    expected = {key: units - returned.get(key, 0) for key, units in sold.items() if units > returned.get(key, 0)}
    rollup = {(code, day): float(units) for code, day, units in db.session.execute(text(
        "SELECT variant_code, day, units FROM inventory_daily_sales WHERE shop_id = :shop"), {"shop": shop.id})}
    assert rollup == expected
    assert sum(rollup.values()) < sum(sold.values())  # returns came off
