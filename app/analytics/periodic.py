"""The scheduler's nightly customer-analytics refresh: from NIGHTLY_HOUR_UTC on, each active shop whose
fit is older than today (or missing) gets a refresh job on the analytics queue, through the ledger.

Due-ness comes from the fit rows and the ledger, not memory: a restarted or second scheduler decides the
same; `start_job` returns the active run instead of starting a twin, and a shop whose refresh failed today
is not retried every minute (its failed run of today counts as the night's attempt; the run page retries).
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from app.extensions import db

NIGHTLY_HOUR_UTC = 1

DUE = text("""
SELECT s.id FROM shops s
LEFT JOIN customer_analytics_fits f ON f.shop_id = s.id
WHERE s.status = 'active'
  AND (f.fitted_at IS NULL OR f.fitted_at < :day)
  AND NOT EXISTS (SELECT 1 FROM sync_runs r WHERE r.shop_id = s.id AND r.kind = 'customer_analytics'
                  AND r.created_at >= :day)
  AND EXISTS (SELECT 1 FROM orders o WHERE o.shop_id = s.id)
ORDER BY s.id
""")


def schedule_nightly_refresh(app, now: datetime | None = None) -> int:
    """The periodic task: start the due shops' refresh jobs; returns how many were started. `now` is the
    clock (tests pass theirs)."""
    from app.shops.models import Shop
    from app.sync.services import start_job

    now = now or datetime.now(UTC)
    if now.hour < NIGHTLY_HOUR_UTC:
        return 0
    started = 0
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    for shop_id in db.session.execute(DUE, {"day": day}).scalars().all():
        _run, created = start_job(db.session, db.session.get(Shop, shop_id), "customer_analytics", actor_id=None)
        db.session.commit()
        started += created
    return started
