"""The customers table: each filter, search and sort (NULLs last), the same person across shops, tenancy."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from app.settings.services import update_settings
from tests.orders.tables import CUSTOMER_ROW, add_customer, cursors, row_ids


def _ids(client, query: str = "") -> list[int]:
    response = client.get(f"/customers?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    return row_ids(response.get_data(as_text=True), CUSTOMER_ROW)


@pytest.fixture
def customers(db, tenant):
    a, b = tenant.shop_a, tenant.shop_b
    return {
        "new": add_customer(db.session, a),
        "in_b": add_customer(db.session, b),
        "wholesale": add_customer(db.session, a, customer_group="Velkoobchod"),
        "regular": add_customer(db.session, a, orders_count=2, total_spent=Decimal("300"),
                                first_order_at=datetime(2024, 2, 1, tzinfo=UTC),
                                last_order_at=datetime(2024, 3, 1, tzinfo=UTC)),
        "big_spender": add_customer(db.session, b, orders_count=12, total_spent=Decimal("25000"),
                                    first_order_at=datetime(2023, 1, 1, tzinfo=UTC),
                                    last_order_at=datetime(2025, 5, 20, tzinfo=UTC)),
        "searchable": add_customer(db.session, a, email="petr.svoboda@email.cz", full_name="Petr Svoboda",
                                   phone="+420602111222"),
        "no_date": add_customer(db.session, b, creation_time=None),
    }


def test_newest_first_with_unknown_registration_last(client, customers):
    dated = sorted((c for c in customers.values() if c.creation_time), key=lambda c: (c.creation_time, c.id),
                   reverse=True)
    assert _ids(client) == [c.id for c in dated] + [customers["no_date"].id]


@pytest.mark.parametrize(("query", "names"), [
    ("shop={shop_b}", {"in_b", "big_spender", "no_date"}),
    ("group=Velkoobchod", {"wholesale"}),
    ("has_orders=yes", {"regular", "big_spender"}),
    ("has_orders=no", {"new", "in_b", "wholesale", "searchable", "no_date"}),
    ("last_order_from=2025-01-01", {"big_spender"}),
    ("last_order_to=2024-12-31", {"regular"}),
    ("spent_min=1000", {"big_spender"}),
    ("spent_min=1&spent_max=1000", {"regular"}),
    ("orders_min=3", {"big_spender"}),
    ("orders_min=1&orders_max=2", {"regular"}),
])
def test_each_filter(client, tenant, customers, query, names):
    query = query.format(shop_b=tenant.shop_b.id)
    assert set(_ids(client, query)) == {customers[name].id for name in names}


@pytest.mark.parametrize("q", ["petr.svo", "PETR.SVOBODA@EMAIL.CZ", "svoboda", "602 111", "111222"])
def test_search_by_email_name_or_phone(client, customers, q):
    assert _ids(client, f"q={q}") == [customers["searchable"].id]


def test_sorts(client, customers):
    by_spent = sorted(customers.values(), key=lambda c: (c.total_spent, c.id), reverse=True)
    assert _ids(client, "sort=spent") == [c.id for c in by_spent]
    with_orders = [customers["big_spender"].id, customers["regular"].id]
    assert _ids(client, "sort=last_order")[:2] == with_orders  # the rest (no order yet) after them
    assert set(_ids(client, "sort=last_order")[2:]) == {c.id for c in customers.values()} - set(with_orders)


def test_paging_through_customers_without_orders(app, client, db, tenant):
    """Sorted by last order, most have none: paging walks the NULL segment by id, shop by shop, and back."""
    update_settings(db.session, app.extensions["settings_cache"], tenant.org.id, {"table_page_size": 10})
    rows = [add_customer(db.session, tenant.shop_a if n % 2 else tenant.shop_b) for n in range(23)]
    seen, html = [], client.get("/customers?sort=last_order").get_data(as_text=True)
    pages = []
    while True:
        pages.append(row_ids(html, CUSTOMER_ROW))
        seen += pages[-1]
        links = cursors(html)
        if "next" not in links:
            break
        html = client.get(f"/customers?sort=last_order&cursor={links['next']}").get_data(as_text=True)
    assert seen == sorted((c.id for c in rows), reverse=True)
    back = client.get(f"/customers?sort=last_order&cursor={links['prev']}").get_data(as_text=True)
    assert row_ids(back, CUSTOMER_ROW) == pages[-2]


def test_the_same_person_in_several_shops(client, db, tenant, stranger):
    in_a = add_customer(db.session, tenant.shop_a, email="eva.dvorakova@seznam.cz", full_name="Eva Dvořáková")
    in_b = add_customer(db.session, tenant.shop_b, email="eva.dvorakova@seznam.cz", full_name="Eva Dvořáková")
    foreign = add_customer(db.session, stranger, email="eva.dvorakova@seznam.cz")
    alone = add_customer(db.session, tenant.shop_a)
    assert set(_ids(client, "q=eva.dvorakova@seznam.cz")) == {in_a.id, in_b.id}
    html = client.get("/customers").get_data(as_text=True)
    alone_row = html[html.index(f'data-customer-id="{alone.id}"'):].split("</tr>")[0]
    assert 'class="badge"' not in alone_row
    row = client.get("/customers?q=eva.dvorakova").get_data(as_text=True)
    assert 'class="also-in"' in row and "Shop B" in row and "Foreign shop" not in row
    detail = client.get(f"/customers/{in_a.id}").get_data(as_text=True)
    assert 'id="also-customer"' in detail and f'href="/customers/{in_b.id}"' in detail
    assert f"/customers/{foreign.id}" not in detail


def test_the_other_shops_are_read_once_per_page_and_only_when_shown(client, db, tenant, count_queries):
    for n in range(3):
        add_customer(db.session, tenant.shop_a if n % 2 else tenant.shop_b, email="same@example.com")

    def probes(query: str) -> int:
        with count_queries() as counter:
            assert client.get(f"/customers?{query}").status_code == 200
        return sum(1 for statement in counter.statements if "customers.email IN" in statement)

    assert probes("") == 1  # "also in" is a default column: one probe for the whole page
    assert probes("cols=name&cols=email") == 0


def test_another_organizations_customer_is_404(client, db, tenant, stranger):
    foreign = add_customer(db.session, stranger)
    assert client.get(f"/customers/{foreign.id}").status_code == 404
    assert client.get(f"/customers?shop={stranger.id}").status_code == 404
    assert foreign.id not in _ids(client)


@pytest.mark.parametrize("query", ["has_orders=1", "orders_min=two", "last_order_from=yesterday", "sort=name",
                                   "cursor=forged"])
def test_bad_query_values_answer_400(client, tenant, query):
    assert client.get(f"/customers?{query}").status_code == 400
