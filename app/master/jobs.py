"""The job that applies the master shop's rules to one follower shop (kind `master_apply`, on the ledger).

`flask hub master-apply` runs it in the foreground (app.sync.runner.job_now), a page starts it in the
background (app.sync.services.start_job): the same code either way. Each pushed batch is saved (committed,
fenced by the lease) at once, so a retried or resumed run pushes only what is still different.
"""

from __future__ import annotations

from app.master.propagation import FollowerResult, MasterError, apply_follower, master_of
from app.sync.jobs import JobContext, JobError

KIND = "master_apply"
STAT_KEYS = ("stock_changed", "price_changed", "unchanged", "failed", "drift", "skipped")


def stats_of(result: FollowerResult) -> dict:
    stats = {key: getattr(result, key) for key in STAT_KEYS}
    stats["stock_rule"] = result.stock_rule
    if result.errors:
        code, reason = next(iter(result.errors.items()))
        stats["first_error"] = f"{code}: {reason}"[:200]
    return stats


def apply_master_rules(context: JobContext) -> dict:
    follower = context.shop
    try:
        master = master_of(context.session, follower.organization_id)
    except MasterError as exc:
        raise JobError(str(exc)) from None
    if master.id == follower.id:
        raise JobError("This is the master shop: its followers follow it, it follows no one.")
    result = apply_follower(context.session, master, follower, committed=lambda: context.save())
    return stats_of(result)
