"""Periodic work: a tick loop that turns due work into ledger rows and enqueues them.

Work is found in the database, not kept in memory, so two scheduler processes find the same due
work and the ledger (with a transaction-level advisory lock per tick) lets only one act on it.
Feature packages add their periodic passes to `periodic_tasks()`.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Callable

from sqlalchemy import text

from app.core.namespace import redis_key
from app.extensions import db
from app.monitoring.queries import SCHEDULER_HEARTBEAT_KEY
from workers.process import configure_logging, set_title, start_app

log = logging.getLogger("hub.scheduler")

TICK_SECONDS = 5.0
SCHEDULER_LOCK_ID = 0x48554253  # "HUBS": one advisory lock for the whole tick


def periodic_tasks() -> list[Callable]:
    """Each task takes the app and does one pass; it must be safe to run again at any time."""
    from app.analytics.periodic import schedule_nightly_refresh as schedule_nightly_analytics
    from app.inventory.tasks import schedule_nightly_refresh as schedule_nightly_inventory
    from app.master.triggers import start_dirty_propagations
    from app.money.periodic import refresh_rates
    from app.monitoring.periodic import run_alert_pass, sample_trends
    from app.ops.periodic import schedule_nightly_backup
    from app.orders.periodic import requeue_lost_status_changes
    from app.sync.periodic import (
        enqueue_due_runs,
        keep_partitions_ahead,
        process_waiting_webhooks,
        schedule_incremental_syncs,
    )
    from app.tables.periodic import delete_expired_exports, requeue_lost_exports

    return [process_waiting_webhooks, schedule_incremental_syncs, enqueue_due_runs, keep_partitions_ahead,
            start_dirty_propagations, requeue_lost_status_changes, requeue_lost_exports, delete_expired_exports,
            sample_trends, run_alert_pass,
            schedule_nightly_backup, refresh_rates, schedule_nightly_inventory, schedule_nightly_analytics]


def tick(app, tasks: list[Callable] | None = None) -> bool:
    """One pass over every periodic task, under the scheduler lock. False if another scheduler held it.

    The lock is a session-level advisory lock on a connection of its own, so each task can commit its
    work (and the jobs it enqueues after commit see committed rows) while the lock is still held.
    """
    with app.app_context(), db.engine.connect() as lock_connection:
        locked = lock_connection.execute(text("SELECT pg_try_advisory_lock(:id)"), {"id": SCHEDULER_LOCK_ID}).scalar()
        lock_connection.commit()
        if not locked:
            return False
        try:
            for task in tasks if tasks is not None else periodic_tasks():
                try:
                    task(app)
                    db.session.commit()
                except Exception:
                    db.session.rollback()
                    log.exception("scheduler task %s failed", getattr(task, "__name__", task))
            app.extensions["redis"].set(redis_key(SCHEDULER_HEARTBEAT_KEY, app), int(time.time()), ex=120)
        finally:
            lock_connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": SCHEDULER_LOCK_ID})
            lock_connection.commit()
            db.session.remove()
        return True


def main(argv: list[str]) -> int:
    configure_logging("scheduler")
    set_title("hub-scheduler starting")
    app = start_app()
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    log.info("scheduler started, tick every %.0f s", TICK_SECONDS)
    number = 0
    while not stopping.is_set():
        number += 1
        started, clock = time.monotonic(), time.strftime("%H:%M:%S")
        set_title(f"hub-scheduler tick {number} at {clock}")
        ran = tick(app)
        took = time.monotonic() - started
        outcome = f"took {took:.1f} s" if ran else "skipped: another scheduler holds the lock"
        set_title(f"hub-scheduler idle; tick {number} at {clock} {outcome}")
        if took > TICK_SECONDS:
            log.warning("tick %s took %.1f s, longer than the %.0f s between ticks", number, took, TICK_SECONDS,
                        extra={"tick": number, "seconds": round(took, 3)})
        stopping.wait(TICK_SECONDS)
    log.info("scheduler stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
