"""Customers of shops with different base currencies: amounts shown with their currency, and "top spenders"
ranked through the reporting currency at the shops' stated rates, or one currency at a time; never raw."""

from datetime import date
from decimal import Decimal

import pytest

from app.channels.base import CurrencyRate
from app.money.rates import record_rates
from app.settings.services import update_settings
from tests.orders.tables import CUSTOMER_ROW, add_customer, cursors, row_ids

NBSP = "\xa0"


@pytest.fixture
def mixed(db, tenant):
    """Shop A sells in CZK and states 1 EUR = 25 CZK; shop B is a Slovak shop in EUR."""
    a, b = tenant.shop_a, tenant.shop_b
    a.currency, b.currency = "CZK", "EUR"
    record_rates(db.session, a.id, "CZK", [CurrencyRate("EUR", Decimal("25.00"))], date(2026, 11, 1))
    record_rates(db.session, b.id, "EUR", [], date(2026, 11, 1))
    db.session.flush()
    return {
        "czk_big": add_customer(db.session, a, orders_count=3, total_spent=Decimal("20000.00")),  # 800 EUR
        "czk_small": add_customer(db.session, a, orders_count=1, total_spent=Decimal("2359.00")),  # 94.36 EUR
        "eur_mid": add_customer(db.session, b, orders_count=2, total_spent=Decimal("1000.00")),  # 25 000 CZK
        "eur_small": add_customer(db.session, b, orders_count=1, total_spent=Decimal("50.00")),  # 1 250 CZK
    }


def _ids(client, query: str, language: str = "en") -> tuple[list[int], str]:
    response = client.get(f"/customers?{query}", headers={"Accept-Language": language})
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    html = response.get_data(as_text=True)
    return row_ids(html, CUSTOMER_ROW), html


def _reporting(app, db, tenant, currency: str) -> None:
    update_settings(db.session, app.extensions["settings_cache"], tenant.org.id, {"reporting_currency": currency})


def test_every_amount_shows_its_shops_currency(client, mixed):
    _, html = _ids(client, "cols=name&cols=spent&cols=average", "cs")
    assert f"20{NBSP}000,00{NBSP}Kč" in html and f"1{NBSP}000,00{NBSP}€" in html
    assert f"500,00{NBSP}€" in html  # the average order, in the shop's currency too


def test_without_a_reporting_currency_top_spenders_are_ranked_per_currency(client, mixed):
    ids, html = _ids(client, "sort=spent")
    assert ids == [mixed["czk_big"].id, mixed["czk_small"].id]  # the most common currency first… one at a time
    assert "not ranked together" in html and "currency=EUR" in html
    ids, html = _ids(client, "sort=spent&currency=EUR")
    assert ids == [mixed["eur_mid"].id, mixed["eur_small"].id]
    assert "Show CZK" in html


def test_a_reporting_currency_ranks_every_shop_at_the_stated_rate(app, client, db, tenant, mixed):
    _reporting(app, db, tenant, "EUR")
    ids, html = _ids(client, "sort=spent")
    # 20 000 CZK = 800 EUR > 1 000 EUR? No: 1 000 EUR first, then 800, then 94.36 (2 359 CZK), then 50 EUR.
    assert ids == [mixed["eur_mid"].id, mixed["czk_big"].id, mixed["czk_small"].id, mixed["eur_small"].id]
    assert "Ranked in EUR" in html and "Shop A: 1 CZK = 0.04 EUR" in html and "rate stated by Shop A" in html


def test_into_the_base_currency_of_another_shop_at_that_shops_rate(app, client, db, tenant, mixed):
    _reporting(app, db, tenant, "CZK")
    ids, html = _ids(client, "sort=spent")
    assert ids == [mixed["eur_mid"].id, mixed["czk_big"].id, mixed["czk_small"].id, mixed["eur_small"].id]
    assert "Shop B: 1 EUR = 25 CZK (rate stated by Shop A, Nov 1, 2026)" in html


def test_raw_numbers_would_rank_differently(mixed):
    """The case the ranking exists for: 20 000 (CZK) is the larger raw number, 1 000 EUR the larger amount."""
    assert mixed["czk_big"].total_spent > mixed["eur_mid"].total_spent


def test_paging_a_converted_ranking_walks_every_customer_once_in_order(app, client, db, tenant, mixed):
    _reporting(app, db, tenant, "EUR")
    update_settings(db.session, app.extensions["settings_cache"], tenant.org.id, {"table_page_size": 10})
    for n in range(13):  # equal converted values across shops: 250 CZK = 10 EUR; ties broken by id
        add_customer(db.session, tenant.shop_a, orders_count=1, total_spent=Decimal("250.00"))
        add_customer(db.session, tenant.shop_b, orders_count=1, total_spent=Decimal("10.00") + n)
    factor = {tenant.shop_a.id: Decimal("0.04"), tenant.shop_b.id: Decimal(1)}
    from app.customers.models import Customer

    everyone = db.session.query(Customer).all()
    expected = [c.id for c in sorted(everyone, key=lambda c: (c.total_spent * factor[c.shop_id], c.id),
                                     reverse=True)]
    seen, html, pages = [], _ids(client, "sort=spent")[1], []
    while True:
        pages.append(row_ids(html, CUSTOMER_ROW))
        seen += pages[-1]
        following = cursors(html).get("next")
        if not following:
            break
        html = _ids(client, f"sort=spent&cursor={following}")[1]
    assert seen == expected and len(pages) == 3
    back = _ids(client, f"sort=spent&cursor={cursors(html)['prev']}")[0]
    assert back == pages[-2]


def test_a_bad_currency_is_refused(client, mixed):
    assert client.get("/customers?sort=spent&currency=K%C4%8D").status_code == 400


def test_one_currency_needs_no_note(client, db, tenant):
    add_customer(db.session, tenant.shop_a, orders_count=1, total_spent=Decimal(1))
    _, html = _ids(client, "sort=spent")
    assert "ranking-note" not in html


def test_a_searched_converted_ranking(app, client, db, tenant, mixed):
    _reporting(app, db, tenant, "EUR")
    ids, _ = _ids(client, "sort=spent&q=customer")
    assert ids == [mixed["eur_mid"].id, mixed["czk_big"].id, mixed["czk_small"].id, mixed["eur_small"].id]
