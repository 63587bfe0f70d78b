"""Archiving: old order_items partitions are detached (CONCURRENTLY) into schema `archive`, rows intact."""

from datetime import date

import pytest
from sqlalchemy import text

from app.imports.partitions import ensure_months, existing_partitions
from app.ops.partitions import ARCHIVE_SCHEMA, archive_partitions, parse_month

MONTHS = [date(2001, month, 1) for month in (1, 2, 3)]


@pytest.fixture
def old_partitions(app, live_db):
    with app.app_context(), live_db.engine.begin() as conn:
        ensure_months(conn, set(MONTHS))
        conn.execute(text(
            "INSERT INTO order_items (shop_id, order_id, order_created_at, item_id, position, item_type, raw) "
            "SELECT 1, n, make_timestamptz(2001, 1 + n % 3, 10, 0, 0, 0, 'UTC'), 1, 1, 'product', '{}'::jsonb "
            "FROM generate_series(1, 30) n"))
        engine = live_db.engine
    yield engine
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {ARCHIVE_SCHEMA} CASCADE"))
        conn.execute(text("DROP TABLE IF EXISTS order_items_p200101, order_items_p200102, order_items_p200103"))


def _scalar(engine, sql):
    with engine.connect() as conn:
        return conn.execute(text(sql)).scalar()


def test_archive_detaches_months_before_the_cutoff_and_keeps_their_rows(app, old_partitions):
    engine = old_partitions
    with app.app_context():
        planned = archive_partitions(engine, date(2001, 3, 1), dry_run=True)
        assert [p.name for p in planned] == ["order_items_p200101", "order_items_p200102"]
        assert _scalar(engine, "SELECT count(*) FROM order_items WHERE order_created_at < '2002-01-01'") == 30

        done = archive_partitions(engine, date(2001, 3, 1))
    assert [(p.name, p.how) for p in done] == [("order_items_p200101", "concurrently"),
                                               ("order_items_p200102", "concurrently")]
    with engine.connect() as conn:
        names = existing_partitions(conn)
    assert "order_items_p200103" in names and "order_items_p200101" not in names
    assert _scalar(engine, "SELECT count(*) FROM order_items WHERE order_created_at < '2002-01-01'") == 10
    assert _scalar(engine, "SELECT count(*) FROM archive.order_items_p200101") == 10
    assert _scalar(engine, "SELECT count(*) FROM archive.order_items_p200102") == 10
    with app.app_context():
        assert archive_partitions(engine, date(2001, 3, 1)) == []  # nothing left to do


def test_the_cli_archives_and_says_what_it_did(app, old_partitions):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["hub", "archive-partitions", "--before", "2001-02", "--dry-run"])
    assert result.exit_code == 0 and "order_items_p200101" in result.output and "planned" in result.output
    result = runner.invoke(args=["hub", "archive-partitions", "--before", "2001-02"])
    assert result.exit_code == 0, result.output
    assert "order_items_p200101" in result.output and "concurrently" in result.output
    assert "order_items_p200102" not in result.output
    bad = runner.invoke(args=["hub", "archive-partitions", "--before", "2001-13"])
    assert bad.exit_code == 2 and "YYYY-MM" in bad.output


def test_a_half_done_detach_is_finalized_on_the_next_run(app, old_partitions):
    """A DETACH ... CONCURRENTLY cancelled between its two transactions leaves the partition 'pending'."""
    engine = old_partitions
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        blocker = engine.connect()
        blocker.execute(text("SELECT count(*) FROM order_items_p200101"))  # holds a snapshot on the partition
        conn.execute(text("SET statement_timeout = '1s'"))
        with pytest.raises(Exception, match="statement timeout"):
            conn.execute(text("ALTER TABLE order_items DETACH PARTITION order_items_p200101 CONCURRENTLY"))
        blocker.rollback()
        blocker.close()
        pending = conn.execute(text("SELECT inhdetachpending FROM pg_inherits WHERE inhrelid = "
                                    "'order_items_p200101'::regclass")).scalar()
    assert pending is True
    with app.app_context():
        done = archive_partitions(engine, date(2001, 2, 1))
    assert [(p.name, p.how) for p in done] == [("order_items_p200101", "finalized")]
    assert _scalar(engine, "SELECT count(*) FROM archive.order_items_p200101") == 10


def test_months_are_written_as_yyyy_mm():
    assert parse_month("2023-01") == date(2023, 1, 1)
    for bad in ("2023-1x", "2023-00", "23-01", ""):
        with pytest.raises(ValueError, match="YYYY-MM"):
            parse_month(bad)
