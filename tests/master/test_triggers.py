"""Propagation by itself: a master change that a sync brings starts one job on the `master` queue, no command."""

from sqlalchemy import select

from app.core.namespace import rq_name
from app.master.sales import DIRTY_STREAM
from app.queues import get_queue
from app.sync.dispatch import job_id
from app.sync.models import SyncCursor, SyncRun
from app.sync.runner import execute_run, sync_now
from tests.master.test_propagation import _expected, _supplies


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
