"""Customer records → `customers` (accounts, addresses and the rest stay in `raw`)."""

from __future__ import annotations

import psycopg

from app.customers.metrics import refresh_customer_metrics
from app.imports.records import CUSTOMER_COLUMNS, Counts, CustomerRecord
from app.imports.writers.base import Writer, changed_counts, newest, prepare_staging, stage, upsert_newer

STAGING_TABLES = ('stage_customers', 'stage_changed_customers')
STAGING_DDL = """
CREATE TEMP TABLE IF NOT EXISTS stage_customers (
    guid text, email text, phone text, full_name text, company text, customer_group text,
    creation_time timestamptz, change_time timestamptz, content_hash bytea, raw jsonb
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_changed_customers (guid text, inserted boolean) ON COMMIT DELETE ROWS;
"""

UPSERT = upsert_newer("customers", CUSTOMER_COLUMNS, "guid", "stage_customers", "stage_changed_customers",
                      "t.guid")


class CustomerWriter(Writer):
    kind = "customers"
    analyzed_tables = ("customers",)

    def __init__(self, shop_id: int):
        self.shop_id = shop_id

    def write(self, cursor: psycopg.Cursor, records: list[CustomerRecord]) -> Counts:
        records = newest(records, key=lambda r: r.guid, change_time=lambda r: r.changed)
        prepare_staging(cursor, STAGING_DDL, STAGING_TABLES)
        stage(cursor, "stage_customers", CUSTOMER_COLUMNS, (r.row for r in records))
        cursor.execute(UPSERT, {"shop_id": self.shop_id})
        counts = changed_counts(cursor, "stage_changed_customers", len(records))
        if counts.inserted:
            # Orders may have arrived before their customer: give new customers their metrics now.
            refresh_customer_metrics(cursor, self.shop_id,
                                     "SELECT guid FROM stage_changed_customers WHERE inserted")
        return counts
