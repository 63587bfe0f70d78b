"""Background work other than imports and syncs, on the same ledger: a run of mode `job`.

A feature's long work (pushing approved texts to a shop, a full inventory or customer-analytics refresh,
applying the master shop's rules) is a run like an import: one active per (shop, kind), claimed with a lease,
fenced on every write, retried with backoff when the error is transient, resumed from its checkpoint,
re-enqueued by the scheduler when its worker died or Redis lost the message, shown with its progress on the
run pages and the monitoring page, and logged (app/sync/runlog.py). The feature only declares the kind here
and writes one function; `start_job` (services) or `run_in_foreground` (a `flask hub` command) starts it.

The function takes a `JobContext` and returns its stats (a flat dict of numbers and short strings, shown on
the run page and in the run log). It must be resumable: what it has done is in `context.checkpoint`, and
`context.save(...)` commits progress and checkpoint together while the lease holds (raising LeaseLost when
another worker took the run over, or it was cancelled: the function then stops without writing). It never
commits otherwise; long waits on other systems happen outside a transaction (call `context.session.commit()`
first, or save).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from importlib import import_module

from sqlalchemy.orm import Session

from app.sync import ledger
from app.sync.jobkinds import JOB_KINDS
from app.sync.models import SyncRun


class JobError(RuntimeError):
    """A job's failure told so a person can act on it; `retryable` when trying later may help."""

    def __init__(self, message: str, *, retryable: bool = False):
        super().__init__(message)
        self.retryable = retryable


@dataclass
class JobContext:
    session: Session
    run_id: int
    token: int
    shop: object  # the run's Shop
    params: dict  # what the job was started with (checkpoint["params"])
    checkpoint: dict  # the job's own keys, as last saved

    def save(self, *, done: int | None = None, total: int | None = None, stats: dict | None = None,
             **state) -> None:
        """Commit progress and the job's checkpoint keys now, fenced by the lease."""
        self.checkpoint.update(state)
        values = {"checkpoint": {**self.checkpoint, "params": self.params}}
        if done is not None:
            values["progress_done"] = done
        if total is not None:
            values["progress_total"] = total
        if stats is not None:
            values["stats"] = stats
        ledger.fence(self.session, self.run_id, self.token, **values)
        self.session.commit()

    def fence(self) -> None:
        """Renew the lease before a write that is not a save (LeaseLost if it is gone)."""
        ledger.fence(self.session, self.run_id, self.token)


@cache
def _function(kind: str) -> Callable[[JobContext], dict]:
    module, name = JOB_KINDS[kind].function.split(":")
    return getattr(import_module(module), name)


def run_job(session: Session, run: SyncRun, token: int) -> dict:
    """Carry out a job run; the runner records the outcome."""
    checkpoint = dict(run.checkpoint or {})
    params = checkpoint.pop("params", {})
    return _function(run.kind)(JobContext(session, run.id, token, run.shop, params, checkpoint)) or {}
