"""The count above a table: exact when cheap, "more than" past the bound, never contradicting the rows shown."""

import re

import pytest
from sqlalchemy import literal, select, text

from app.orders.models import Order
from app.settings.services import update_settings
from app.tables import cache, queries
from app.tables.queries import RowCount
from tests.orders.tables import add_order

COUNT = re.compile(r'data-count-kind="(\w+)" data-count="(\d+)">([^<]*)<')


def _count(client, query: str = "") -> tuple[str, int, str]:
    response = client.get(f"/orders?{query}")
    assert response.status_code == 200
    kind, value, words = COUNT.search(response.get_data(as_text=True)).groups()
    return kind, int(value), words


@pytest.fixture
def small_pages(app, db, tenant):
    update_settings(db.session, app.extensions["settings_cache"], tenant.org.id, {"table_page_size": 10})
    cache.forget_cached_per_shops()
    yield
    cache.forget_cached_per_shops()


def test_nothing_matches_says_zero_not_an_estimate(client, db, tenant, small_pages):
    for _n in range(3):
        add_order(db.session, tenant.shop_a, paid=True)
    html = client.get("/orders?paid=no").get_data(as_text=True)
    assert "No orders match." in html
    assert COUNT.search(html).groups() == ("exact", "0", "Found: 0")


def test_several_pages_are_counted_exactly(client, db, tenant, small_pages):
    for n in range(23):
        add_order(db.session, tenant.shop_a if n % 2 else tenant.shop_b, paid=n < 17)
    assert _count(client) == ("exact", 23, "Found: 23")
    assert _count(client, "paid=yes") == ("exact", 17, "Found: 17")
    assert _count(client, "paid=yes") == ("exact", 17, "Found: 17")  # cached a minute


def test_past_the_bound_it_says_more_than(client, db, tenant, small_pages, monkeypatch):
    monkeypatch.setattr(queries, "COUNT_BOUND", 15)
    for _n in range(23):
        add_order(db.session, tenant.shop_a)
    assert _count(client) == ("more", 15, "Found: more than 15")


def test_counts_in_czech_group_thousands(client, db, tenant, small_pages, monkeypatch):
    monkeypatch.setattr(queries, "COUNT_BOUND", 10_000)
    monkeypatch.setattr(queries, "bounded_count", lambda *args, **kwargs: RowCount(10_000, "more"))
    for _n in range(11):
        add_order(db.session, tenant.shop_a)
    html = client.get("/orders", headers={"Accept-Language": "cs"}).get_data(as_text=True)
    assert "10\xa0000" in COUNT.search(html).group(3)


def test_a_slow_count_gives_way_to_the_estimate(app, db, tenant, small_pages, monkeypatch):
    """Past the time limit the count is the planner's estimate, said as one; the session is usable after."""
    add_order(db.session, tenant.shop_a)
    slow = select(Order.id).where(Order.shop_id == tenant.shop_a.id,
                                  text("(SELECT pg_sleep(0.3)::text) IS NOT NULL"))
    monkeypatch.setattr(queries, "matching", lambda *args: slow)
    counted = queries.bounded_count(db.session, None, [tenant.shop_a.id], None, time_limit_ms=50)
    assert counted.kind == "about"
    assert db.session.execute(select(literal(1))).scalar_one() == 1
    timeout = db.session.execute(text("SELECT current_setting('statement_timeout')")).scalar_one()
    assert timeout != "50ms"


def test_a_stale_or_estimated_count_never_says_fewer_than_the_page_shows():
    assert RowCount(3, "about").at_least(51) == RowCount(50, "more")
    assert RowCount(3, "exact").at_least(2) == RowCount(3, "exact")
    assert RowCount(10_000, "more").at_least(51) == RowCount(10_000, "more")
    assert RowCount(80, "about").at_least(51) == RowCount(80, "about")
