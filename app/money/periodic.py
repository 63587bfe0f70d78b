"""The scheduler's pass: each active shop's exchange rates are read once a day (a job per shop)."""

from __future__ import annotations

from datetime import date

from app.extensions import db
from app.money.rates import shops_without_rates
from app.queues import enqueue


def refresh_rates(app) -> int:
    """Enqueue the day's rate reading for shops that have none yet; the job id makes it once per shop a day."""
    enqueued = 0
    for shop_id in shops_without_rates(db.session):
        if enqueue(app.extensions["redis"], "default", "app.money.tasks.refresh_shop_rates", [shop_id],
                   f"shop-rates-{shop_id}-{date.today():%Y%m%d}", failed_blocks=True, failure_ttl=3600):
            enqueued += 1
    return enqueued
