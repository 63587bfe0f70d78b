"""What every kind shares: staging through COPY, the counts a batch produces, line errors."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import psycopg


class LineError(ValueError):
    """A line that parsed as JSON but cannot be imported; the message names the field."""


@dataclass
class Counts:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, other: Counts) -> None:
        self.inserted += other.inserted
        self.updated += other.updated
        self.unchanged += other.unchanged


def content_hash(*parts: bytes) -> bytes:
    """Identity of an entity's content, over its canonical JSON (orjson of the parsed object), so a
    snapshot line and the same entity fetched by the API detail hash alike; equal hash = nothing to write."""
    digest = hashlib.blake2b(digest_size=16)
    for part in parts:
        digest.update(part)
        digest.update(b"\n")
    return digest.digest()


def require(obj: dict, key: str) -> Any:
    value = obj.get(key)
    if value is None or value == "":
        raise LineError(f"missing required field '{key}'")
    return value


def parse_time(value: str | None, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        return datetime.fromisoformat(value).astimezone(UTC)
    except (TypeError, ValueError):
        raise LineError(f"field '{field}' is not a date-time: {value!r}") from None


def nested(obj: dict, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


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
                 returning: str, *, undelete: bool = True) -> str:
    """INSERT … ON CONFLICT DO UPDATE WHERE newer, recording what was written (and whether it was new)
    in the `changed` staging table, from which a kind writes the children of exactly those rows."""
    assignments = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c != key)
    return f"""
WITH upserted AS (
    INSERT INTO {table} AS t (shop_id, {", ".join(columns)})
    SELECT %(shop_id)s, {", ".join(columns)} FROM {staging}
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


class Importer:
    """A kind's importer: `prepare` turns one parsed line into a record, `write` stores a batch."""

    kind: str
    shop_id: int
    # Tables whose planner statistics a large import must keep fresh (see app/imports/statistics.py).
    analyzed_tables: tuple[str, ...] = ()

    def prepare(self, obj: dict):  # pragma: no cover - interface
        raise NotImplementedError

    def months(self, records: list) -> set:
        """Months of order_items partitions the batch needs (orders only)."""
        return set()

    def write(self, cursor: psycopg.Cursor, records: list) -> Counts:  # pragma: no cover - interface
        raise NotImplementedError
