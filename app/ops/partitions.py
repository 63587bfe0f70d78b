"""Archive old `order_items` partitions: detach them from the live table and park them in schema `archive`.

`DETACH PARTITION ... CONCURRENTLY` (PostgreSQL >= 14) takes only a SHARE UPDATE EXCLUSIVE lock on
order_items, so imports and order pages go on meanwhile; it cannot run in a transaction block (so this
works on an autocommit connection) nor while order_items has a default partition (then a plain DETACH,
which briefly blocks writers, is used). A detach interrupted half-way leaves the partition "pending";
the next run finishes it with FINALIZE. Detached tables keep their rows: dump them (`pg_dump -n archive`)
and drop them when they are safely elsewhere. Partition names come from app/imports/partitions.py.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from app.imports.partitions import PARENT, PARTITION_NAME, partition_name
from app.ops.postgres import quote_ident

ARCHIVE_SCHEMA = "archive"


@dataclass(frozen=True)
class ArchivedPartition:
    name: str
    month: date
    rows_estimate: int
    how: str  # "concurrently" | "plain" | "finalized" | "planned"


def parse_month(value: str) -> date:
    """YYYY-MM → the first day of that month."""
    match = re.fullmatch(r"(\d{4})-(\d{2})", value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"'{value}' is not a month: write it as YYYY-MM, e.g. 2023-01.")
    return date(int(match.group(1)), int(match.group(2)), 1)


def _month_of(name: str) -> date:
    digits = name.rsplit("_p", 1)[1]
    return date(int(digits[:4]), int(digits[4:]), 1)


def attached_partitions(connection: Connection) -> list[tuple[str, bool, int]]:
    """(name, detach pending, estimated rows) of order_items' monthly partitions, oldest first."""
    rows = connection.execute(text(
        "SELECT c.relname, i.inhdetachpending, greatest(c.reltuples, 0)::bigint FROM pg_inherits i "
        "JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent "
        "WHERE p.relname = :parent ORDER BY c.relname"
    ), {"parent": PARENT}).all()
    return [(name, pending, rows) for name, pending, rows in rows if PARTITION_NAME.match(name)]


def _has_default_partition(connection: Connection) -> bool:
    return bool(connection.execute(text(
        "SELECT pt.partdefid <> 0 FROM pg_partitioned_table pt JOIN pg_class p ON p.oid = pt.partrelid "
        "WHERE p.relname = :parent"
    ), {"parent": PARENT}).scalar())


def archive_partitions(engine: Engine, before: date, *, dry_run: bool = False,
                       lock_timeout: str = "10s") -> list[ArchivedPartition]:
    """Detach every monthly partition of a month before `before` and move it to schema `archive`."""
    cutoff = partition_name(before)
    done: list[ArchivedPartition] = []
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.execute(text("SELECT set_config('lock_timeout', :value, false)"), {"value": lock_timeout})
        concurrently = not _has_default_partition(connection)
        for name, pending, rows in attached_partitions(connection):
            if name >= cutoff:
                break
            if dry_run:
                done.append(ArchivedPartition(name, _month_of(name), rows, "planned"))
                continue
            if pending:
                how, clause = "finalized", "FINALIZE"
            else:
                how, clause = ("concurrently", "CONCURRENTLY") if concurrently else ("plain", "")
            connection.execute(text(f"ALTER TABLE {quote_ident(PARENT)} DETACH PARTITION {quote_ident(name)} {clause}"))
            connection.execute(text(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(ARCHIVE_SCHEMA)}"))
            connection.execute(text(f"ALTER TABLE {quote_ident(name)} SET SCHEMA {quote_ident(ARCHIVE_SCHEMA)}"))
            done.append(ArchivedPartition(name, _month_of(name), rows, how))
    return done
