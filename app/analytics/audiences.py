"""An audience is a saved view of the customers table; its CSV export includes only customers whose marketing
consent their shop recorded (app/analytics/consent.py) and counts those left out for that reason.

The export is the tables' own (app/tables/exports.py: a queued job, keyset batches, progress on its row) with
`consent_only` set: each batch's consents are one probe of `marketing_consents`' primary key. Its columns are
fixed (AUDIENCE_COLUMNS), whatever the view showed: a mailing needs the e-mail.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from app.analytics.models import MarketingConsent

AUDIENCE_COLUMNS = ("name", "email", "shop", "segment", "p_active", "clv")


def with_consent(session: Session, rows: list) -> list:
    """The rows (customers) whose shop recorded marketing consent for their e-mail (lower-cased, trimmed)."""
    keys = {(row.shop_id, row.email.strip().lower()) for row in rows if row.email}
    if not keys:
        return []
    found = {(shop_id, email) for shop_id, email in session.execute(
        select(MarketingConsent.shop_id, MarketingConsent.email).where(
            tuple_(MarketingConsent.shop_id, MarketingConsent.email).in_(sorted(keys))))}
    return [row for row in rows if row.email and (row.shop_id, row.email.strip().lower()) in found]


def audience_query(view_query: str) -> str:
    """The view's filters, sort and search with the audience's columns."""
    kept = [(key, value) for key, value in parse_qsl(view_query) if key not in ("cols", "cursor")]
    return urlencode(kept + [("cols", column) for column in AUDIENCE_COLUMNS])
