"""The job that applies the master shop's rules (kind `master_apply`, on the ledger, queue `master`).

On a follower shop it applies that follower (the page's "apply"; `flask hub master-apply` runs it in the
foreground through app.sync.runner.job_now). On the master shop it is the organization's propagation, started
by a change (app/master/triggers.py): tell the master of follower sales, then apply every follower; it goes
round again while changes keep arriving (the dirty mark), so one run per organization is enough. Each pushed
batch is saved (committed, fenced by the lease) at once, so a retried or resumed run pushes only what is still
different.
"""

from __future__ import annotations

from sqlalchemy import select, update

from app.master.propagation import FollowerResult, MasterError, apply_follower, master_of, propagate
from app.master.sales import DIRTY_STREAM
from app.sync.jobs import JobContext, JobError
from app.sync.models import SyncCursor

KIND = "master_apply"
STAT_KEYS = ("stock_changed", "price_changed", "unchanged", "failed", "drift", "skipped", "awaiting_orders",
             "text_changed", "texts_waiting", "visibility_changed")
ROUNDS = 5  # propagations in one run while changes keep arriving; the scheduler starts the next run after


def stats_of(result: FollowerResult) -> dict:
    stats = {key: getattr(result, key) for key in STAT_KEYS}
    stats["stock_rule"] = result.stock_rule
    stats["price_rule"] = result.price_rule
    stats["text_rule"] = result.text_rule
    stats["visibility_rule"] = result.visibility_rule
    if result.errors:
        code, reason = next(iter(result.errors.items()))
        stats["first_error"] = f"{code}: {reason}"[:200]
    return stats


def _take_dirty_mark(context: JobContext) -> bool:
    """Clear the organization's dirty mark (committed); True if it was set."""
    session, shop_id = context.session, context.shop.id
    marked = session.execute(select(SyncCursor.dirty_at).where(
        SyncCursor.shop_id == shop_id, SyncCursor.stream == DIRTY_STREAM)).scalar()
    if marked is None:
        return False
    session.execute(update(SyncCursor).where(SyncCursor.shop_id == shop_id, SyncCursor.stream == DIRTY_STREAM,
                                             SyncCursor.dirty_at <= marked).values(dirty_at=None))
    context.save()
    return True


def _propagate_org(context: JobContext, master) -> dict:
    totals = {"rounds": 0, "sales_told": 0, "units_told": 0, "followers": 0,
              **{key: 0 for key in STAT_KEYS}}
    first = True
    while totals["rounds"] < ROUNDS and (_take_dirty_mark(context) or first):
        first = False
        told, results = propagate(context.session, master, committed=lambda: context.save())
        context.save()
        totals["rounds"] += 1
        totals["sales_told"] += told.told
        totals["units_told"] += int(told.units)
        totals["followers"] = len(results)
        for result in results:
            for key in STAT_KEYS:
                totals[key] += getattr(result, key)
            if result.errors and "first_error" not in totals:
                code, reason = next(iter(result.errors.items()))
                totals["first_error"] = f"{code}: {reason}"[:200]
        totals["failed"] += told.failed
    return totals


def apply_master_rules(context: JobContext) -> dict:
    follower = context.shop
    try:
        master = master_of(context.session, follower.organization_id)
    except MasterError as exc:
        raise JobError(str(exc)) from None
    if master.id == follower.id:
        return _propagate_org(context, master)
    result = apply_follower(context.session, master, follower, committed=lambda: context.save())
    return stats_of(result)
