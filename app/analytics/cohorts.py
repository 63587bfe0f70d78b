"""Monthly acquisition cohorts: customers by the month of their first order (registered customers, counting
orders), and per month since, how many of them ordered (retention) and what they spent (the shop's base
currency). One grouped pass over the shop's orders; the last COHORT_MONTHS cohorts are kept."""

from __future__ import annotations

from sqlalchemy import text
from sqlalchemy.orm import Session

COHORT_MONTHS = 24

COHORTS = text("""
WITH o AS (
    SELECT o.customer_guid AS guid, date_trunc('month', o.creation_time AT TIME ZONE 'UTC')::date AS month,
           o.total_with_vat * coalesce(o.exchange_rate, 1) AS value
    FROM orders o
    WHERE o.shop_id = :shop AND o.customer_guid IS NOT NULL AND o.deleted_at IS NULL
      AND (o.status IS NULL OR o.status NOT IN ('cancelled', 'refunded', 'failed'))
), first AS (
    SELECT guid, min(month) AS cohort FROM o GROUP BY guid
), recent AS (
    SELECT * FROM first WHERE cohort > (SELECT max(cohort) FROM first) - make_interval(months => :months)
)
SELECT r.cohort,
       ((extract(year FROM o.month) - extract(year FROM r.cohort)) * 12
        + extract(month FROM o.month) - extract(month FROM r.cohort))::int AS offset,
       count(DISTINCT o.guid) AS customers, round(sum(o.value), 2) AS revenue
FROM o JOIN recent r USING (guid)
GROUP BY 1, 2 ORDER BY 1, 2
""")


def cohorts_of(session: Session, shop_id: int, months: int = COHORT_MONTHS) -> list[dict]:
    """[{month, customers, retention: [share per month since], active: [...], revenue: [...]}], oldest first."""
    rows = session.execute(COHORTS, {"shop": shop_id, "months": months}).all()
    cohorts: dict = {}
    for cohort, offset, customers, revenue in rows:
        entry = cohorts.setdefault(cohort, {"month": cohort.strftime("%Y-%m"), "active": {}, "revenue": {}})
        entry["active"][offset] = int(customers)
        entry["revenue"][offset] = float(revenue or 0)
    out = []
    for entry in cohorts.values():
        size = entry["active"].get(0, 0)
        span = max(entry["active"]) + 1
        active = [entry["active"].get(k, 0) for k in range(span)]
        out.append({"month": entry["month"], "customers": size, "active": active,
                    "retention": [round(a / size, 4) if size else 0.0 for a in active],
                    "revenue": [round(entry["revenue"].get(k, 0.0), 2) for k in range(span)]})
    return out
