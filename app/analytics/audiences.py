"""An audience is a saved view of the customers table; its CSV export includes only customers whose marketing
consent their shop recorded (app/analytics/consent.py) and counts those left out for that reason.

The rows are the view's own (the table layer's filters, sort and search, in keyset batches: memory stays flat);
each batch's consents are one probe of `marketing_consents`' primary key.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl
from zoneinfo import ZoneInfo

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from app.analytics.models import MarketingConsent
from app.customers.table import CUSTOMERS
from app.tables import queries as table_queries
from app.tables.columns import spreadsheet_safe
from app.tables.declaration import parse_state

FIELDS = ("email", "name", "shop", "segment", "p_active", "clv", "currency")


@dataclass
class AudienceExport:
    included: int = 0
    left_out: int = 0  # no recorded marketing consent (or no e-mail)


def consenting(session: Session, rows: list) -> set[tuple[int, str]]:
    keys = {(row.shop_id, row.email.strip().lower()) for row in rows if row.email}
    if not keys:
        return set()
    found = session.execute(select(MarketingConsent.shop_id, MarketingConsent.email).where(
        tuple_(MarketingConsent.shop_id, MarketingConsent.email).in_(sorted(keys)))).all()
    return {(shop_id, email) for shop_id, email in found}


def export_audience(session: Session, query: str, shops: list, zone: ZoneInfo, path: Path) -> AudienceExport:
    """Write the audience's consenting customers to `path`; returns the counts."""
    shop_ids = [shop.id for shop in shops]
    names = {shop.id: shop.name for shop in shops}
    currencies = {shop.id: shop.currency for shop in shops}
    state = parse_state(CUSTOMERS, MultiDict(parse_qsl(query)), shop_ids)
    result = AudienceExport()
    partial = path.with_suffix(".partial")
    with partial.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(FIELDS)
        for rows in table_queries.export_batches(session, state, shop_ids, zone):
            allowed = consenting(session, rows)
            for row in rows:
                if not row.email or (row.shop_id, row.email.strip().lower()) not in allowed:
                    result.left_out += 1
                    continue
                writer.writerow((spreadsheet_safe(row.email), spreadsheet_safe(row.full_name or ""),
                                 names[row.shop_id], row.segment or "",
                                 "" if row.p_active is None else f"{row.p_active:.4f}",
                                 "" if row.clv is None else row.clv, currencies[row.shop_id]))
                result.included += 1
    partial.replace(path)
    return result
