"""Customers snapshot lines → `customers` (accounts, addresses and group stay in `raw`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import orjson
import psycopg

from app.imports.kinds.base import (
    Counts,
    Importer,
    changed_counts,
    content_hash,
    nested,
    newest,
    parse_time,
    prepare_staging,
    require,
    stage,
    upsert_newer,
)
from app.imports.metrics import refresh_customer_metrics

COLUMNS = ("guid", "email", "phone", "full_name", "company", "customer_group", "creation_time", "change_time",
           "content_hash", "raw")

STAGING_TABLES = ('stage_customers', 'stage_changed_customers')
STAGING_DDL = """
CREATE TEMP TABLE IF NOT EXISTS stage_customers (
    guid text, email text, phone text, full_name text, company text, customer_group text,
    creation_time timestamptz, change_time timestamptz, content_hash bytea, raw jsonb
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_changed_customers (guid text, inserted boolean) ON COMMIT DELETE ROWS;
"""

UPSERT = upsert_newer("customers", COLUMNS, "guid", "stage_customers", "stage_changed_customers", "t.guid")


@dataclass(slots=True)
class CustomerRecord:
    guid: str
    changed: datetime | None
    row: tuple


def main_account(obj: dict) -> dict:
    """The account Shoptet marks as main (e-mail and phone live only on accounts)."""
    accounts = [a for a in (obj.get("accounts") or []) if isinstance(a, dict)]
    return next((a for a in accounts if a.get("mainAccount")), accounts[0] if accounts else {})


class CustomerImporter(Importer):
    kind = "customers"
    analyzed_tables = ("customers",)

    def __init__(self, shop_id: int):
        self.shop_id = shop_id

    def prepare(self, obj: dict) -> CustomerRecord:
        guid = str(require(obj, "guid"))
        parse_time(obj.get("creationTime"), "creationTime")
        changed = parse_time(obj.get("changeTime"), "changeTime")
        account = main_account(obj)
        billing = obj.get("billingAddress") or {}
        email = account.get("email")
        customer_json = orjson.dumps(obj)
        row = (
            guid, email.lower() if isinstance(email, str) else None, account.get("phone"),
            billing.get("fullName") or account.get("fullName"), billing.get("company"),
            nested(obj, "customerGroup", "name"), obj.get("creationTime"), obj.get("changeTime"),
            content_hash(customer_json), customer_json.decode(),
        )
        return CustomerRecord(guid, changed, row)

    def write(self, cursor: psycopg.Cursor, records: list[CustomerRecord]) -> Counts:
        records = newest(records, key=lambda r: r.guid, change_time=lambda r: r.changed)
        prepare_staging(cursor, STAGING_DDL, STAGING_TABLES)
        stage(cursor, "stage_customers", COLUMNS, (r.row for r in records))
        cursor.execute(UPSERT, {"shop_id": self.shop_id})
        counts = changed_counts(cursor, "stage_changed_customers", len(records))
        if counts.inserted:
            # Orders may have arrived before their customer: give new customers their metrics now.
            refresh_customer_metrics(cursor, self.shop_id,
                                     "SELECT guid FROM stage_changed_customers WHERE inserted")
        return counts
