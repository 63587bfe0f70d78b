"""RQ job: read a shop's exchange rates of today from its platform. Takes an id."""

from __future__ import annotations

import logging

from app.channels import channel_for
from app.channels.base import ChannelError
from app.extensions import db
from app.money.rates import rates_day, record_rates
from app.shops.models import Shop

log = logging.getLogger(__name__)


def refresh_shop_rates(shop_id: int) -> int:
    """Rows recorded (0 when the shop is gone). A platform that cannot say fails the job, whose id then blocks
    a new one for an hour (app/money/periodic.py): a shop whose API is down is asked hourly, not every tick."""
    try:
        shop = db.session.get(Shop, shop_id)
        if shop is None or shop.status != "active":
            return 0
        try:
            facts = channel_for(shop).shop_facts(shop)
        except ChannelError as exc:
            log.warning("exchange rates of shop %s not read: %s", shop_id, exc)
            raise
        recorded = record_rates(db.session, shop.id, shop.currency, facts.currencies, rates_day(shop))
        db.session.commit()
        return recorded
    finally:
        db.session.remove()
