"""Databases of their own for backup tests: made on the test server, dropped afterwards."""

from __future__ import annotations

import itertools
import os
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from app.imports.partitions import ensure_months

_names = itertools.count(1)


class Scratch:
    """Create and drop throwaway databases next to the test database."""

    def __init__(self, database_url: str):
        self.base = make_url(database_url)
        self.admin = create_engine(self.base.set(database="postgres"), isolation_level="AUTOCOMMIT")
        self.made: list[str] = []

    def create(self) -> str:
        name = f"{self.base.database}_scratch_{os.getpid()}_{next(_names)}"
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        self.made.append(name)
        return self.base.set(database=name).render_as_string(hide_password=False)

    def drop_all(self) -> None:
        with self.admin.connect() as conn:
            for name in self.made:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        self.admin.dispose()


@pytest.fixture
def scratch(test_config):
    databases = Scratch(test_config.DATABASE_URL)
    yield databases
    databases.drop_all()


@pytest.fixture
def populated(app, live_db):
    """Committed rows in several tables, order_items in two monthly partitions included."""
    from app.orgs.models import Role
    from app.sync import ledger
    from tests.factories import make_member, make_org, make_shop

    with app.app_context():
        session = live_db.session
        org = make_org(session, "Backup Co")
        make_member(session, org, Role.owner)
        shop = make_shop(session, org)
        ledger.trigger(session, shop, "orders", mode="file", source_path="/x")
        session.commit()
        with live_db.engine.begin() as conn:
            ensure_months(conn, {date(2002, 1, 1), date(2002, 2, 1)})
            conn.execute(text(
                "INSERT INTO order_items (shop_id, order_id, order_created_at, item_id, position, item_type, raw) "
                "SELECT :shop, n, CASE WHEN n % 2 = 0 THEN timestamptz '2002-01-15' ELSE timestamptz '2002-02-15' "
                "END, 1, 1, 'product', '{}'::jsonb FROM generate_series(1, 25) n"), {"shop": shop.id})
    yield live_db
    with app.app_context(), live_db.engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS order_items_p200201, order_items_p200202"))


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)
