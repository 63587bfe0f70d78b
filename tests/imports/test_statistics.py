"""A large import keeps the planner's statistics current itself: without that, a new shop's rows are planned
as if the shop were empty, and the customer-metrics refresh reads the whole shop once per customer."""

import pytest
from psycopg.errors import QueryCanceled
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from app.customers import metrics
from app.imports.statistics import FIRST_ANALYZE_AT, GROWTH, StatisticsKeeper
from app.sync.models import SyncRun
from app.sync.runner import classify
from tests.factories import make_org, make_shop

METRICS_PLAN = f"""EXPLAIN {metrics.REFRESH.replace("{guids}", "SELECT 'guid-1'")}"""


def _add_orders(session, shop_id: int, count: int) -> None:
    """`count` orders of one shop, each of its own customer (as a first import writes them)."""
    session.execute(text("""
        INSERT INTO orders (shop_id, code, creation_time, customer_guid, total_with_vat, item_count,
                            content_hash, raw)
        SELECT :shop, :shop || '-' || n, now() - n * interval '1 minute', 'guid-' || n, n % 900, 1, '\\x00', '{}'
        FROM generate_series(1, :count) AS n
    """), {"shop": shop_id, "count": count})


def _no_lease() -> None:
    """These tests hold no run; the pipeline passes the run's fence here."""


def _metrics_index(session, shop_id: int) -> str:
    plan = "\n".join(session.execute(text(METRICS_PLAN.replace("%(shop_id)s", str(shop_id)))).scalars())
    return "customer" if "ix_orders_shop_customer_created" in plan else plan


def test_the_keeper_analyzes_as_a_new_shop_grows_so_its_statements_use_the_right_index(db):
    org = make_org(db.session)
    big, new = make_shop(db.session, org, "Big shop"), make_shop(db.session, org, "New shop")
    _add_orders(db.session, big.id, 30_000)
    db.session.execute(text("ANALYZE orders"))
    _add_orders(db.session, new.id, FIRST_ANALYZE_AT)
    assert _metrics_index(db.session, new.id) != "customer"  # planned as if the new shop had no orders

    keeper = StatisticsKeeper(("orders",))
    assert not keeper.after_batch(db.session, FIRST_ANALYZE_AT - 1, _no_lease)
    assert keeper.after_batch(db.session, 1, _no_lease)  # the run has written FIRST_ANALYZE_AT rows

    assert _metrics_index(db.session, new.id) == "customer"
    assert not keeper.after_batch(db.session, FIRST_ANALYZE_AT * (GROWTH - 1) - 1, _no_lease)
    assert keeper.after_batch(db.session, 1, _no_lease) and keeper.analyzed == 2


def test_unchanged_rows_and_small_imports_never_analyze(db):
    keeper = StatisticsKeeper(("orders",))
    assert not any(keeper.after_batch(db.session, 0, _no_lease) for _ in range(100))
    assert not keeper.after_batch(db.session, FIRST_ANALYZE_AT - 1, _no_lease) and keeper.analyzed == 0


def test_a_batch_cancelled_by_the_lease_timeout_is_retried_not_failed_for_good(db):
    """Raw COPY cursors raise psycopg's QueryCanceled, the session raises SQLAlchemy's wrapper: both retry."""
    run = SyncRun(kind="orders", mode="snapshot")
    with pytest.raises(QueryCanceled) as raw:
        db.session.execute(text("SET LOCAL statement_timeout = '10ms'"))
        db.session.connection().connection.driver_connection.cursor().execute("SELECT pg_sleep(1)")
    transient, message = classify(raw.value, run)
    assert transient and "resumes from its last checkpoint" in message
    assert classify(OperationalError("SELECT", {}, raw.value), run)[0]
