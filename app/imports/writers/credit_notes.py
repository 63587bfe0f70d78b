"""Credit note records → `credit_notes` + `credit_note_items`, and the demand they net out (app/imports/hooks.py)."""

from __future__ import annotations

import psycopg

from app.imports.hooks import credit_notes_changed, lock_orders
from app.imports.records import CREDIT_NOTE_COLUMNS, CREDIT_NOTE_ITEM_COLUMNS, Counts, CreditNoteRecord
from app.imports.writers.base import Writer, changed_counts, newest, prepare_staging, stage, upsert_newer

STAGING_TABLES = ('stage_credit_notes', 'stage_credit_note_items', 'stage_changed_credit_notes')
STAGING_DDL = """
CREATE TEMP TABLE IF NOT EXISTS stage_credit_notes (
    code text, order_code text, creation_time timestamptz, change_time timestamptz, is_valid boolean,
    currency text, exchange_rate numeric(18,8), total_with_vat numeric(14,2), content_hash bytea, raw jsonb
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_credit_note_items (
    credit_note_code text, item_id bigint, position int, item_type text, code text, name text,
    amount numeric(14,3), unit_price_with_vat numeric(14,2), total_with_vat numeric(14,2),
    total_without_vat numeric(14,2), raw jsonb
) ON COMMIT DELETE ROWS;
CREATE TEMP TABLE IF NOT EXISTS stage_changed_credit_notes (
    id bigint, code text, creation_time timestamptz, inserted boolean
) ON COMMIT DELETE ROWS;
"""

UPSERT = upsert_newer("credit_notes", CREDIT_NOTE_COLUMNS, "code", "stage_credit_notes",
                      "stage_changed_credit_notes", "t.id, t.code, t.creation_time")

ITEM_FIELDS = CREDIT_NOTE_ITEM_COLUMNS[1:]
REPLACE_ITEMS = [
    # A record carries all of its lines every time: an updated credit note's lines are replaced as a whole.
    "DELETE FROM credit_note_items ci USING stage_changed_credit_notes c "
    "WHERE NOT c.inserted AND ci.credit_note_id = c.id",
    # One line per item id (the key), should a record list one twice.
    f"""INSERT INTO credit_note_items (shop_id, credit_note_id, {", ".join(ITEM_FIELDS)})
        SELECT DISTINCT ON (c.id, si.item_id) %(shop_id)s, c.id, {", ".join("si." + c for c in ITEM_FIELDS)}
        FROM stage_credit_note_items si JOIN stage_changed_credit_notes c ON c.code = si.credit_note_code
        ORDER BY c.id, si.item_id, si.position""",  # noqa: S608 (constants)
]


class CreditNoteWriter(Writer):
    kind = "credit_notes"
    analyzed_tables = ("credit_notes",)

    def __init__(self, shop_id: int):
        self.shop_id = shop_id

    def write(self, cursor: psycopg.Cursor, records: list[CreditNoteRecord]) -> Counts:
        records = newest(records, key=lambda r: r.code, change_time=lambda r: r.changed)
        lock_orders(cursor, [self.shop_id])  # demand is the orders' (app/imports/hooks.py): before any row
        prepare_staging(cursor, STAGING_DDL, STAGING_TABLES)
        stage(cursor, "stage_credit_notes", CREDIT_NOTE_COLUMNS, (r.row for r in records))
        stage(cursor, "stage_credit_note_items", CREDIT_NOTE_ITEM_COLUMNS, (item for r in records for item in r.items))
        params = {"shop_id": self.shop_id}
        cursor.execute(UPSERT, params)
        counts = changed_counts(cursor, "stage_changed_credit_notes", len(records))
        if counts.inserted or counts.updated:
            for statement in REPLACE_ITEMS:
                cursor.execute(statement, params)
            credit_notes_changed(cursor, self.shop_id, "SELECT creation_time FROM stage_changed_credit_notes")
        return counts
