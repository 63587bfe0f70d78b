"""Planning over a master shop's pool (app/master): when the organization has a master shop, its stock serves
every shop whose variants are paired with its own, so its refresh plans each master variant on the demand of
all of them (its own sales plus its paired followers' sales, summed per day) against its own stock; the
followers' paired variants get no purchase suggestions of their own (the master's buyer orders for them).

Followers' sales come from their own daily rollups (kept by their order hook), on their own local days, with
their revenue converted to the master's base currency at the rate the shops state (app/money/rates.py; a
follower without one adds units, not revenue). The sales columns of the metrics (units sold, velocity, days of
cover) stay the shop's own.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.orm import Session


@dataclass
class Pool:
    """The followers whose paired variants' demand a master shop's refresh adds to its own."""

    master_id: int
    followers: list[int]
    revenue_factors: dict[int, float]  # follower → its base currency in the master's (0: not convertible)


def _master_id(session: Session, organization_id: int) -> int:
    from app.settings.cache import settings_cache

    return int(settings_cache().values(session, organization_id).get("master_shop") or 0)


def pool_of(session: Session, shop, day: date) -> Pool | None:
    """The pool `shop` plans for when it is its organization's master shop, else None."""
    from app.master.propagation import followers_of
    from app.money.rates import ReportingRates

    if _master_id(session, shop.organization_id) != shop.id:
        return None
    followers = followers_of(session, shop)
    rates = ReportingRates(session, [shop, *followers], shop.currency)
    factors = {}
    for follower in followers:
        factor = rates.factor(follower.id, day)
        factors[follower.id] = float(factor) if factor is not None else 0.0
    return Pool(shop.id, [f.id for f in followers], factors)


def pooled_codes(session: Session, shop) -> set[str]:
    """The variants of a follower shop that its organization's master shop plans for (paired with one of the
    master's variants); empty when `shop` is no follower."""
    master_id = _master_id(session, shop.organization_id)
    if not master_id or master_id == shop.id:
        return set()
    return set(session.execute(text(
        "SELECT follower_code FROM master_variant_pairs WHERE follower_shop_id = :shop AND master_shop_id = :master "
        "AND master_code IS NOT NULL"), {"shop": shop.id, "master": master_id}).scalars())


FOLLOWER_SALES = """
SELECT p.master_code, d.shop_id, d.day - :start, sum(d.units), sum(d.revenue)
FROM master_variant_pairs p
JOIN inventory_daily_sales d ON d.shop_id = p.follower_shop_id AND d.variant_code = p.follower_code
WHERE p.master_shop_id = :master AND p.follower_shop_id = ANY(:followers) AND p.master_code = ANY(:codes)
  AND d.day >= :start AND d.day < :end
GROUP BY 1, 2, 3
"""


def follower_sales(session: Session, pool: Pool, codes: list[str], start: date, end: date):
    """(master code, day index from `start`, units, revenue in the master's currency) of the followers' paired
    variants."""
    rows = session.execute(text(FOLLOWER_SALES), {"master": pool.master_id, "followers": pool.followers,
                                                  "codes": codes, "start": start, "end": end})
    for code, shop_id, day, units, revenue in rows:
        yield code, day, float(units), float(revenue) * pool.revenue_factors.get(shop_id, 0.0)
