"""RQ job functions for the run ledger. They take ids, never ORM objects."""

from __future__ import annotations

from app.extensions import db
from app.sync.runner import execute_run


def run_sync(run_id: int) -> str:
    """Claim run `run_id` and carry it to a final (or retrying) state."""
    outcome = execute_run(db.session, run_id)
    db.session.remove()
    return outcome.status
