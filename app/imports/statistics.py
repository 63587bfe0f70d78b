"""Planner statistics that keep up with a large import.

A shop's first import lands in tables that already hold other shops' millions of rows, and the planner's
statistics say this shop has none. Autovacuum re-analyzes only after 10 % of the table changed, so for
hundreds of thousands of rows the importer's own statements are planned as if the shop were empty: the
customer-metrics refresh then read the shop's orders through an index on (shop_id, total) once per
customer, and at 18 k orders of a third shop (beside 933 k of two others) one batch ran past the lease and
failed the import. So the importer analyzes its tables itself at 5 k, 20 k, 80 k ... rows written by the
run: a handful of ANALYZEs (a 30 k-row sample each, about a second) per big import, none for a small one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

FIRST_ANALYZE_AT = 5_000
GROWTH = 4
LOCK_WAIT = "1s"  # another ANALYZE or a VACUUM of the table holds the lock: skip this time


class StatisticsKeeper:
    """Tracks rows a run wrote; `after_batch` analyzes the tables each time the count passes a threshold."""

    def __init__(self, tables: tuple[str, ...]):
        self.tables = tables
        self.written = 0
        self.next_at = FIRST_ANALYZE_AT
        self.analyzed = 0

    def after_batch(self, session: Session, rows_written: int, renew_lease: Callable[[], None]) -> bool:
        """Call between batch transactions (nothing pending). True if the tables were analyzed now.

        `renew_lease` (the run's fence) starts the transaction: the lease is fresh and the statement
        timeout it sets (the lease) bounds the ANALYZE, so analyzing never costs the run its lease.
        """
        self.written += rows_written
        if not self.tables or self.written < self.next_at:
            return False
        while self.next_at <= self.written:
            self.next_at *= GROWTH
        try:
            renew_lease()
            session.execute(text(f"SET LOCAL lock_timeout = '{LOCK_WAIT}'"))
            for table in self.tables:
                session.execute(text(f"ANALYZE {table}"))
            session.commit()
        except OperationalError as exc:  # the lock was busy (autovacuum, another import) or it ran too long
            session.rollback()
            log.info("skipped ANALYZE of %s: %s", ", ".join(self.tables), exc.orig)
            return False
        self.analyzed += 1
        return True
