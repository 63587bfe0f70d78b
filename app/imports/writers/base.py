"""What every kind's writer shares: staging through COPY, the upsert that writes only newer content, counts."""

from __future__ import annotations

from datetime import UTC, datetime

import psycopg

from app.imports.records import Counts


def newest(records: list, key, change_time) -> list:
    """Keep one record per key, the newest by change time (a file may list an entity twice)."""
    chosen: dict = {}
    for record in records:
        current = chosen.get(key(record))
        if current is None or (change_time(record) or datetime.min.replace(tzinfo=UTC)) >= (
            change_time(current) or datetime.min.replace(tzinfo=UTC)
        ):
            chosen[key(record)] = record
    return list(chosen.values())


def prepare_staging(cursor: psycopg.Cursor, ddl: str, tables: tuple[str, ...]) -> None:
    """Create the temporary staging tables once per connection and make sure they start empty.

    They are ON COMMIT DELETE ROWS, but a batch must not depend on how the previous one ended.
    """
    cursor.execute(ddl)
    for table in tables:
        cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (constant table names)


def stage(cursor: psycopg.Cursor, table: str, columns: tuple[str, ...], rows) -> None:
    """COPY rows into a temporary staging table (created once per connection, emptied at commit)."""
    with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


# Write only what changed: a row whose content is identical (same hash), or older than what we hold (an
# old snapshot after a newer sync), is left alone and counted as unchanged.
NEWER_ONLY = """t.content_hash <> EXCLUDED.content_hash
      AND (t.change_time IS NULL OR EXCLUDED.change_time IS NULL OR EXCLUDED.change_time >= t.change_time)"""


def upsert_newer(table: str, columns: tuple[str, ...], key: str, staging: str, changed: str,
                 returning: str, *, undelete: bool = True, derived: dict[str, str] | None = None) -> str:
    """INSERT … ON CONFLICT DO UPDATE WHERE newer, recording what was written (and whether it was new)
    in the `changed` staging table, from which a kind writes the children of exactly those rows.

    `derived`: columns computed from the staged ones (name → SQL expression over the staging table's columns),
    written with them."""
    derived = derived or {}
    written = (*columns, *derived)
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in written if c != key)
    return f"""
WITH upserted AS (
    INSERT INTO {table} AS t (shop_id, {", ".join(written)})
    SELECT %(shop_id)s, {", ".join((*columns, *derived.values()))} FROM {staging}
    ON CONFLICT (shop_id, {key}) DO UPDATE SET {assignments}{", deleted_at = NULL" if undelete else ""}
    WHERE {NEWER_ONLY}
    RETURNING {returning}, (t.xmax = 0) AS inserted
)
INSERT INTO {changed} SELECT * FROM upserted
"""


def changed_counts(cursor: psycopg.Cursor, changed: str, total: int) -> Counts:
    cursor.execute(f"SELECT count(*) FILTER (WHERE inserted), count(*) FILTER (WHERE NOT inserted) FROM {changed}")
    inserted, updated = cursor.fetchone()
    return Counts(inserted=inserted, updated=updated, unchanged=total - inserted - updated)


class Writer:
    """A kind's writer: stores a batch of records (app/imports/records.py) in the hub's tables."""

    kind: str
    shop_id: int
    # Tables whose planner statistics a large import must keep fresh (see app/imports/statistics.py).
    analyzed_tables: tuple[str, ...] = ()

    def months(self, records: list) -> set:
        """Months of order_items partitions the batch needs (orders only)."""
        return set()

    def write(self, cursor: psycopg.Cursor, records: list) -> Counts:  # pragma: no cover - interface
        raise NotImplementedError
