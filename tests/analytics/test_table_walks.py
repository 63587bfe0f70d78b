"""The customers table's analytics filters and sorts walked page by page: every matching row once, in order,
and back. A segment under the CLV sort walks (shop_id, segment, clv, id); a CLV range under the newest sort
and a segment under the latest-order sort are searched like a term (a bounded walk, then the filter's own
index where its rows are rare: app/tables/queries.py), so both ways are walked here, one shop dense, one sparse."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.customers.table import CUSTOMERS
from app.settings.services import update_settings
from app.tables import queries
from app.tables.declaration import parse_state
from tests.orders.tables import CUSTOMER_ROW, add_customer, cursors, row_ids

PAGE = 10


@pytest.fixture
def scored(app, db, tenant):
    """Shop A: 40 customers, shop B: 9; segments, CLV and P(active) spread (some CLV missing), some last orders."""
    update_settings(db.session, app.extensions["settings_cache"], tenant.org.id, {"table_page_size": PAGE})
    rows = []
    for n in range(49):
        shop = tenant.shop_a if n < 40 else tenant.shop_b
        rows.append(add_customer(
            db.session, shop, segment=("champions", "at_risk", "lost")[n % 3],
            clv=None if n % 7 == 0 else Decimal(n * 37 % 50) * 25, p_active=(n * 13 % 100) / 100,
            last_order_at=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=n * 11 % 60) if n % 4 else None))
    db.session.flush()
    return rows


def _walk(client, query: str) -> tuple[list[list[int]], dict]:
    pages, html = [], client.get(f"/customers?{query}").get_data(as_text=True)
    while True:
        pages.append(row_ids(html, CUSTOMER_ROW))
        links = cursors(html)
        if "next" not in links:
            return pages, links
        response = client.get(f"/customers?{query}&cursor={links['next']}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)


def _descending(rows, key) -> list[int]:
    """Values first (highest, then the higher id), then the rows without a value by id: the table's order."""
    valued = sorted((row for row in rows if key(row) is not None), key=lambda row: (key(row), row.id), reverse=True)
    missing = sorted((row.id for row in rows if key(row) is None), reverse=True)
    return [row.id for row in valued] + missing


def _walks_every_row_once(client, query: str, expected: list[int]) -> None:
    pages, links = _walk(client, query)
    assert [row for page in pages for row in page] == expected
    assert all(len(page) == PAGE for page in pages[:-1])
    if len(pages) > 1:
        back = client.get(f"/customers?{query}&cursor={links['prev']}").get_data(as_text=True)
        assert row_ids(back, CUSTOMER_ROW) == pages[-2]


def test_a_segment_sorted_by_clv_walks_every_row_once(client, scored):
    champions = [row for row in scored if row.segment == "champions"]
    assert len(champions) > PAGE and any(row.clv is None for row in champions)
    _walks_every_row_once(client, "segment=champions&sort=clv", _descending(champions, lambda row: row.clv))


def test_a_clv_range_under_the_newest_sort_walks_every_row_once(client, scored):
    matching = [row for row in scored if row.clv is not None and row.clv >= 600]
    assert any(row.shop_id != matching[0].shop_id for row in matching)  # both shops, one of them sparse
    _walks_every_row_once(client, "clv_min=600", _descending(matching, lambda row: row.creation_time))


def test_a_segment_and_p_active_under_the_latest_order_sort_walk_every_row_once(client, scored):
    matching = [row for row in scored if row.segment == "at_risk" and row.p_active >= 0.3]
    _walks_every_row_once(client, "segment=at_risk&p_active_min=0.3&sort=last_order",
                          _descending(matching, lambda row: row.last_order_at))


def test_only_the_filters_a_sort_does_not_serve_are_walked_as_a_search(tenant):
    from werkzeug.datastructures import MultiDict

    def rare(query: str) -> set[str]:
        state = parse_state(CUSTOMERS, MultiDict([pair.split("=") for pair in query.split("&")]),
                            [tenant.shop_a.id])
        return {declared.name for declared in queries.rare_filters(state, UTC)}

    assert rare("segment=lost&sort=clv") == set()
    assert rare("segment=lost&clv_min=5&sort=clv") == set()
    assert rare("segment=lost&p_active_min=0.5&sort=clv") == {"p_active"}
    assert rare("segment=lost&sort=last_order") == {"segment"}
    assert rare("clv_min=5&sort=newest") == {"clv"}
    assert rare("group=VIP&sort=newest") == set()
