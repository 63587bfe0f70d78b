"""Keyset paging: ties on the sort key, rows arriving while paging, rows without a value, going back, and cursors
that were not made by the hub."""

from datetime import timedelta
from decimal import Decimal

import pytest
from itsdangerous import URLSafeSerializer

from app.settings.services import update_settings
from tests.orders.tables import BASE_TIME, add_order, cursors, row_ids


@pytest.fixture
def page_size_10(app, db, tenant):
    """The smallest page the settings allow, so a few rows make several pages."""
    update_settings(db.session, app.extensions["settings_cache"], tenant.org.id, {"table_page_size": 10})
    return 10


def _page(client, query=""):
    response = client.get(f"/orders?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    html = response.get_data(as_text=True)
    return row_ids(html), cursors(html)


def _walk_forward(client, query=""):
    seen, pages, links = [], [], {}
    ids, links = _page(client, query)
    while True:
        pages.append(ids)
        seen += ids
        if "next" not in links:
            return seen, pages
        ids, links = _page(client, f"{query}&cursor={links['next']}")


def test_ties_on_the_sort_key_are_broken_by_id_across_shops(client, db, tenant, page_size_10):
    same_time = [add_order(db.session, shop, created=BASE_TIME)
                 for shop in (tenant.shop_a, tenant.shop_b) * 12]
    seen, pages = _walk_forward(client, "sort=newest")
    assert seen == sorted(o.id for o in same_time)[::-1]
    assert [len(p) for p in pages] == [10, 10, 4]


def test_going_back_returns_the_same_pages(client, db, tenant, page_size_10):
    for n in range(25):
        add_order(db.session, tenant.shop_a if n % 3 else tenant.shop_b, created=BASE_TIME - timedelta(hours=n // 4))
    first, links = _page(client)
    second, links2 = _page(client, f"cursor={links['next']}")
    third, links3 = _page(client, f"cursor={links2['next']}")
    assert "next" not in links3 and "prev" not in links
    back_to_second, back_links = _page(client, f"cursor={links3['prev']}")
    assert back_to_second == second
    back_to_first, first_links = _page(client, f"cursor={back_links['prev']}")
    assert back_to_first == first and "prev" not in first_links and "next" in first_links


def test_rows_inserted_while_paging_neither_repeat_nor_vanish(client, db, tenant, page_size_10):
    rows = [add_order(db.session, tenant.shop_a, created=BASE_TIME - timedelta(minutes=n)) for n in range(20)]
    first, links = _page(client)
    assert first == [o.id for o in rows[:10]]
    newer = add_order(db.session, tenant.shop_b, created=BASE_TIME + timedelta(minutes=1))
    between = add_order(db.session, tenant.shop_b, created=BASE_TIME - timedelta(minutes=14, seconds=30))
    second, _ = _page(client, f"cursor={links['next']}")
    assert newer.id not in second
    assert second == [o.id for o in rows[10:15]] + [between.id] + [o.id for o in rows[15:19]]


def test_orders_without_a_total_come_last_and_paging_crosses_into_them_and_back(client, db, tenant, page_size_10):
    """An order without a total ranks as 0 in the shop's currency (the NULL segment's paging: the customers
    table's latest order, tests/customers/test_customers_table.py)."""
    valued = [add_order(db.session, tenant.shop_a, total_with_vat=Decimal(100 + n)) for n in range(7)]
    empty = [add_order(db.session, shop, total_with_vat=None) for shop in (tenant.shop_a, tenant.shop_b) * 4]
    seen, pages = _walk_forward(client, "sort=total")
    expected = [o.id for o in sorted(valued, key=lambda o: o.total_with_vat, reverse=True)]
    expected += sorted((o.id for o in empty), reverse=True)
    assert seen == expected and [len(p) for p in pages] == [10, 5]
    ids, links = _page(client, "sort=total")
    second, links2 = _page(client, f"sort=total&cursor={links['next']}")
    back, _ = _page(client, f"sort=total&cursor={links2['prev']}")
    assert back == ids


@pytest.mark.parametrize("tamper", [
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),   # signature broken
    lambda token: "x" + token,                                                  # payload changed
    lambda token: "not-a-cursor",
    lambda token: URLSafeSerializer("guessed-secret", salt="keyset-cursor:orders").dumps(["newest", 0, "x", 1]),
])
def test_a_tampered_cursor_answers_400(client, db, tenant, page_size_10, tamper):
    for _ in range(12):
        add_order(db.session, tenant.shop_a)
    _, links = _page(client)
    assert client.get(f"/orders?cursor={links['next']}").status_code == 200
    assert client.get(f"/orders?cursor={tamper(links['next'])}").status_code == 400


def test_a_cursor_of_another_sort_or_table_answers_400(client, db, tenant, page_size_10):
    for _ in range(12):
        add_order(db.session, tenant.shop_a)
    _, links = _page(client)
    assert client.get(f"/orders?sort=total&cursor={links['next']}").status_code == 400
    assert client.get(f"/customers?cursor={links['next']}").status_code == 400


def test_a_deep_page_costs_the_same_queries_as_the_first(client, db, tenant, page_size_10, count_queries):
    for n in range(40):
        add_order(db.session, tenant.shop_a if n % 2 else tenant.shop_b)
    _page(client)  # warms the settings cache, which the first request fills from the database
    with count_queries() as first:
        _, links = _page(client)
    for _ in range(2):
        _, links = _page(client, f"cursor={links['next']}")
    with count_queries() as deep:
        _page(client, f"cursor={links['next']}")
    assert deep.count == first.count


@pytest.mark.parametrize("window", [3, 2000])
def test_a_search_pages_the_same_whether_walked_or_found_through_the_search_indexes(
        client, db, tenant, page_size_10, monkeypatch, window):
    """A term common in one shop and rare in the other: each shop's hits come from the sort index walk or
    from the search indexes (a window of 3 rows forces the latter); the pages are the same either way."""
    from app.tables import keyset

    monkeypatch.setattr(keyset, "search_window", lambda size: window)
    common = [add_order(db.session, tenant.shop_a, full_name=f"Eva Horvátová {n}",
                        created=BASE_TIME - timedelta(minutes=3 * n)) for n in range(14)]
    rare = [add_order(db.session, tenant.shop_b, full_name="Eva Horvátová", created=BASE_TIME - timedelta(minutes=n))
            for n in (4, 40)]
    for n in range(30):
        add_order(db.session, tenant.shop_a if n % 2 else tenant.shop_b, full_name=f"Someone {n}")
    expected = [o.id for o in sorted(common + rare, key=lambda o: (o.creation_time, o.id), reverse=True)]
    seen, pages = _walk_forward(client, "q=horvátová")
    assert seen == expected and [len(p) for p in pages] == [10, 6]
    first, links = _page(client, "q=horvátová")
    second, links2 = _page(client, f"q=horvátová&cursor={links['next']}")
    back, _ = _page(client, f"q=horvátová&cursor={links2['prev']}")
    assert back == first


def test_filter_choices_are_read_once_a_minute_not_on_every_page(client, db, tenant, count_queries):
    from app.tables import cache

    add_order(db.session, tenant.shop_a, payment_method="Kartou")
    client.get("/customers")  # warms the settings cache, which the first request fills from the database
    with count_queries() as first:
        assert "Kartou" in client.get("/orders").get_data(as_text=True)
    add_order(db.session, tenant.shop_a, payment_method="Hotově")
    with count_queries() as second:
        assert "Hotově" not in client.get("/orders").get_data(as_text=True)  # a minute old, by design
    # statuses in use, recent methods (no count: the first page holds every row, so it is the count)
    assert second.count == first.count - 2
    cache.forget_cached_per_shops()
    assert "Hotově" in client.get("/orders").get_data(as_text=True)
