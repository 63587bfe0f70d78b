"""Monthly partitions of `order_items`, created ahead of the data.

The importer asks for the months its batch touches before writing; the scheduler keeps the next
months ready. Partitions are attached tables named order_items_pYYYYMM; Alembic ignores them.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

PARENT = "order_items"
PARTITION_NAME = re.compile(r"^order_items_p\d{6}$")


def month_start(value: date | datetime) -> date:
    return date(value.year, value.month, 1)


def next_month(value: date) -> date:
    return date(value.year + (value.month == 12), value.month % 12 + 1, 1)


def partition_name(month: date) -> str:
    return f"{PARENT}_p{month:%Y%m}"


def existing_partitions(connection: Connection) -> set[str]:
    rows = connection.execute(text(
        "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
        "JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = :parent"
    ), {"parent": PARENT})
    return {row[0] for row in rows}


def ensure_months(connection: Connection, months: set[date]) -> list[str]:
    """Create the missing monthly partitions; returns the names created.

    Run in its own short transaction (DDL on the parent takes a strong lock), before the batch.
    Concurrent callers are serialised by an advisory lock, and IF NOT EXISTS covers the rest.
    """
    if not months:
        return []
    present = existing_partitions(connection)
    missing = sorted(m for m in months if partition_name(m) not in present)
    if not missing:
        return []
    connection.execute(text("SELECT pg_advisory_xact_lock(hashtext('order_items_partitions'))"))
    present = existing_partitions(connection)
    created = []
    for month in missing:
        name = partition_name(month)
        if name in present:
            continue
        connection.execute(text(
            f'CREATE TABLE IF NOT EXISTS "{name}" PARTITION OF {PARENT} '
            # Bounds in UTC, whatever the server's TimeZone: month_start() works on UTC times.
            f"FOR VALUES FROM ('{month:%Y-%m-%d} 00:00:00+00') TO ('{next_month(month):%Y-%m-%d} 00:00:00+00')"
        ))
        created.append(name)
    return created


def ensure_ahead(connection: Connection, today: date, months_ahead: int = 3) -> list[str]:
    months, month = set(), month_start(today)
    for _ in range(months_ahead + 1):
        months.add(month)
        month = next_month(month)
    return ensure_months(connection, months)


class PartitionCache:
    """Partition names known to exist, so batches ask PostgreSQL only for months they have not seen."""

    def __init__(self):
        self.known: set[str] = set()

    def ensure(self, session: Session, months: set) -> None:
        missing = {m for m in months if partition_name(m) not in self.known}
        if not missing:
            return
        # Own short transaction: DDL on the parent must not hold its lock for a whole batch.
        with session.get_bind().engine.begin() as connection:
            ensure_months(connection, missing)
        self.known.update(partition_name(m) for m in missing)


def include_in_migrations(name: str | None, type_: str, parent_names: dict) -> bool:
    """Alembic filter: partitions are made at run time, not by migrations."""
    return not (type_ == "table" and name is not None and PARTITION_NAME.match(name))
