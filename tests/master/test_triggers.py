"""Propagation by itself: a master change that a sync brings starts one job on the `master` queue, no command;
a follower drop held until its orders are read is corrected after that read."""

import pytest
from sqlalchemy import select

from app.core.namespace import rq_name
from app.master.sales import DIRTY_STREAM
from app.master.triggers import HELD_STREAM
from app.queues import get_queue
from app.shops.services import add_shop
from app.sync import ledger
from app.sync.dispatch import job_id
from app.sync.models import SyncCursor, SyncRun
from app.sync.runner import execute_run, sync_now
from tests.factories import make_org
from tests.master.conftest import import_products
from tests.master.test_propagation import _expected, _set_stock, _supplies
from tests.master.test_sales import import_orders


def _runs(db, shop):
    return db.session.execute(select(SyncRun).where(SyncRun.shop_id == shop.id, SyncRun.kind == "master_apply")
                              .order_by(SyncRun.id)).scalars().all()


def test_a_master_stock_change_starts_one_propagation_that_reaches_the_follower(db, app, sandbox, shops, hub):
    master, follower, _ = shops
    org = master.organization_id
    hub("settings-set", "--org", org, "master_shop", master.id)
    hub("settings-set", "--org", org, "--shop", follower.id, "stock_rule", "follow")
    sandbox.mutate(shop=master.external_id, stock_moves=3)
    sync_now(db.session, master, "stock")  # what a stock:movement webhook (or the interval) runs
    (run,) = _runs(db, master)
    assert run.status == "queued" and run.mode == "job"
    queued = get_queue("master", app.extensions["redis"]).job_ids
    assert rq_name(job_id(run.id), app) in queued  # on its own queue

    sandbox.mutate(shop=master.external_id, stock_moves=2)
    sync_now(db.session, master, "stock")
    assert [r.id for r in _runs(db, master)] == [run.id]  # one pending job per organization
    assert db.session.execute(select(SyncCursor.dirty_at).where(
        SyncCursor.shop_id == master.id, SyncCursor.stream == DIRTY_STREAM)).scalar() is not None

    outcome = execute_run(db.session, run.id)  # as a worker runs it
    assert outcome.status == "succeeded", outcome.error
    assert outcome.stats["rounds"] >= 1 and outcome.stats["stock_changed"] > 0 and outcome.stats["failed"] == 0
    assert db.session.execute(select(SyncCursor.dirty_at).where(
        SyncCursor.shop_id == master.id, SyncCursor.stream == DIRTY_STREAM)).scalar() is None
    expected = _expected(db, master, follower, 0)
    supplies = _supplies(sandbox, 1)
    assert {code: supplies.get(code) for code in expected} == expected

    sync_now(db.session, master, "stock")  # nothing new: no job
    assert [r.id for r in _runs(db, master)] == [run.id]



@pytest.fixture
def committed_shops(app, live_db, sandbox):
    """[master, follower] as in `shops`, with real commits: the hold compares when the hub saw a stock and when
    it read orders, and one rolled-back transaction would give both the same time."""
    sandbox.reset_faults()
    with app.app_context():
        org = make_org(live_db.session)
        connected = []
        for info in sandbox.shops[:2]:
            shop = add_shop(live_db.session, org.id, name=info["name"], eshop_id=info["eshop_id"],
                            private_token=info["private_token"], api_url=sandbox.base_url,
                            languages=",".join(info["languages"]))
            live_db.session.commit()
            import_products(live_db, shop)
            connected.append(shop)
        yield connected


def test_a_drop_held_for_the_followers_orders_is_corrected_after_they_are_read_even_with_no_order(
        app, live_db, sandbox, committed_shops):
    db = live_db
    runner = app.test_cli_runner()

    def hub(*args):
        result = runner.invoke(args=["hub", *map(str, args)])
        assert result.exit_code == 0, result.output
    master, follower = committed_shops
    org = master.organization_id
    hub("settings-set", "--org", org, "master_shop", master.id)
    hub("settings-set", "--org", org, "--shop", follower.id, "stock_rule", "follow")
    import_orders(db, follower)
    hub("master-apply", "--org", org)

    def moved(amount=None):
        """The follower's stock set by someone (if given), read by a stock sync, and the propagation it starts."""
        if amount is not None:
            _set_stock(sandbox, 1, code, float(amount))
        sync_now(db.session, follower, "stock")
        outcomes = [execute_run(db.session, run.id) for run in _runs(db, master) if run.status == "queued"]
        assert all(outcome.status == "succeeded" for outcome in outcomes), outcomes
        return outcomes[-1].stats if outcomes else None

    expected = _expected(db, master, follower, 0)
    code = sorted(code for code, amount in expected.items() if amount >= 3)[0]
    moved()  # the first apply's pushes read back
    moved(expected[code] + 5)  # a rise is no sale: corrected at once
    moved()
    assert _supplies(sandbox, 1)[code] == expected[code]

    stats = moved(expected[code] - 3)  # someone lowers it, no order behind it: maybe a sale, held
    assert (stats["awaiting_orders"], stats["stock_changed"]) == (1, 0)
    assert _supplies(sandbox, 1)[code] == expected[code] - 3
    orders = ledger.active_run(db.session, follower.id, "orders")  # the hold asked for the follower's orders
    assert orders is not None
    assert execute_run(db.session, orders.id).status == "succeeded"  # they bring no order, and still:
    outcome = execute_run(db.session, _runs(db, master)[-1].id)
    assert outcome.status == "succeeded", outcome.error
    assert (outcome.stats["drift"], outcome.stats["awaiting_orders"], outcome.stats["stock_changed"]) == (1, 0, 1)
    assert _supplies(sandbox, 1)[code] == expected[code]  # the master wins
    assert db.session.execute(select(SyncCursor.dirty_at).where(
        SyncCursor.shop_id == follower.id, SyncCursor.stream == HELD_STREAM)).scalar() is None
