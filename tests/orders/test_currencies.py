"""The orders table's "Highest total" and total range compare what orders are worth, never raw numbers of
different currencies: within a shop each order's total in the shop's base currency (at the rate its platform
gave on the order), across shops of different base currencies through the reporting currency, or one currency
at a time."""

from datetime import date
from decimal import Decimal

import orjson
import pytest
from sqlalchemy import select

from app.channels.base import CurrencyRate
from app.money.rates import record_rates
from app.orders.models import Order
from app.settings.services import update_settings
from app.sync.runner import run_file_import
from tests.factories import make_org, make_shop
from tests.imports.conftest import snapshots  # noqa: F401
from tests.imports.snapshot_files import read_lines, rewrite
from tests.orders.tables import add_order, cursors, row_ids

NBSP = "\xa0"


def _ids(client, query: str, language: str = "en") -> tuple[list[int], str]:
    response = client.get(f"/orders?{query}", headers={"Accept-Language": language})
    assert response.status_code == 200, response.get_data(as_text=True)[:400]
    html = response.get_data(as_text=True)
    return row_ids(html), html


def _reporting(app, db, tenant, currency: str) -> None:
    update_settings(db.session, app.extensions["settings_cache"], tenant.org.id, {"reporting_currency": currency})


@pytest.fixture
def one_shop(db, tenant):
    """A CZK shop selling in CZK and EUR (the platform's rate on each order)."""
    a = tenant.shop_a
    return {
        "czk_2000": add_order(db.session, a, total_with_vat=Decimal("2000.00"), currency="CZK",
                              exchange_rate=Decimal(1)),
        "eur_100": add_order(db.session, a, total_with_vat=Decimal("100.00"), currency="EUR",
                             exchange_rate=Decimal("25.31")),  # 2 531 CZK
        "eur_50": add_order(db.session, a, total_with_vat=Decimal("50.00"), currency="EUR",
                            exchange_rate=Decimal("24.90")),  # 1 245 CZK
        "czk_no_rate": add_order(db.session, a, total_with_vat=Decimal("1500.00"), currency="CZK"),
        "no_total": add_order(db.session, a, total_with_vat=None, currency="CZK"),
    }


def test_orders_of_one_shop_in_several_currencies_rank_by_their_value_in_the_shops_currency(client, one_shop):
    ids, html = _ids(client, "sort=total&cols=code&cols=total", "cs")
    assert ids == [one_shop[key].id for key in ("eur_100", "czk_2000", "czk_no_rate", "eur_50", "no_total")]
    assert "ranking-note" not in html  # one shop, one base currency: nothing converted across shops
    # The EUR order shows its own total and what it is worth in the shop's currency.
    assert f"100,00{NBSP}€" in html and f"≈ 2{NBSP}531,00{NBSP}Kč" in html


def test_an_order_without_a_stated_rate_shows_no_converted_total(client, db, tenant):
    add_order(db.session, tenant.shop_a, total_with_vat=Decimal("100.00"), currency="EUR")  # counted as 1: unknown
    _, html = _ids(client, "cols=code&cols=total")
    assert "€" in html and "base-total" not in html


def test_raw_numbers_would_rank_differently(one_shop):
    assert one_shop["czk_2000"].total_with_vat > one_shop["eur_100"].total_with_vat
    assert one_shop["eur_100"].base_total == Decimal("2531.00")


def test_the_total_range_reads_the_shops_currency(client, one_shop):
    ids, _ = _ids(client, "sort=total&total_min=2100")
    assert ids == [one_shop["eur_100"].id]  # 100 EUR is over 2 100 CZK; 2 000 CZK is not
    ids, _ = _ids(client, "sort=total&total_max=1300")
    assert ids == [one_shop["eur_50"].id, one_shop["no_total"].id]


@pytest.fixture
def two_currencies(db, tenant):
    """Shop A in CZK states 1 EUR = 25 CZK; shop B is a Slovak shop in EUR, with an order in CZK."""
    a, b = tenant.shop_a, tenant.shop_b
    a.currency, b.currency = "CZK", "EUR"
    record_rates(db.session, a.id, "CZK", [CurrencyRate("EUR", Decimal("25.00"))], date(2026, 11, 1))
    record_rates(db.session, b.id, "EUR", [CurrencyRate("CZK", Decimal("0.04"))], date(2026, 11, 1))
    db.session.flush()
    return {
        "czk_20000": add_order(db.session, a, total_with_vat=Decimal("20000.00"), currency="CZK"),  # 800 EUR
        "czk_2359": add_order(db.session, a, total_with_vat=Decimal("2359.00"), currency="CZK"),  # 94.36 EUR
        "eur_1000": add_order(db.session, b, total_with_vat=Decimal("1000.00"), currency="EUR"),  # 25 000 CZK
        "eur_50": add_order(db.session, b, total_with_vat=Decimal("50.00"), currency="EUR"),  # 1 250 CZK
        # An order in CZK in the EUR shop: 5 000 CZK at the order's rate 0.0401 = 200.50 EUR.
        "b_czk_5000": add_order(db.session, b, total_with_vat=Decimal("5000.00"), currency="CZK",
                                exchange_rate=Decimal("0.0401")),
    }


def test_without_a_reporting_currency_shops_are_ranked_one_currency_at_a_time(client, two_currencies):
    ids, html = _ids(client, "sort=total")
    assert "not ranked together" in html and "currency=EUR" in html
    assert ids == [two_currencies["czk_20000"].id, two_currencies["czk_2359"].id]
    ids, html = _ids(client, "sort=total&currency=EUR")
    assert ids == [two_currencies[key].id for key in ("eur_1000", "b_czk_5000", "eur_50")]
    assert "Show CZK" in html


def test_a_reporting_currency_ranks_every_shop_together(app, client, db, tenant, two_currencies):
    _reporting(app, db, tenant, "EUR")
    ids, html = _ids(client, "sort=total")
    # 1 000 EUR > 20 000 CZK (800 EUR) > 5 000 CZK at 0.0401 (200.50 EUR) > 2 359 CZK (94.36 EUR) > 50 EUR
    assert ids == [two_currencies[key].id for key in ("eur_1000", "czk_20000", "b_czk_5000", "czk_2359", "eur_50")]
    assert "Ranked in EUR" in html and "rate stated by Shop A" in html


def test_the_newest_sort_is_not_restricted_to_one_currency(client, two_currencies):
    ids, html = _ids(client, "")
    assert sorted(ids) == sorted(order.id for order in two_currencies.values()) and "ranking-note" not in html


def test_paging_a_converted_ranking_of_orders_walks_each_once_in_order(app, client, db, tenant, two_currencies):
    _reporting(app, db, tenant, "CZK")
    update_settings(db.session, app.extensions["settings_cache"], tenant.org.id, {"table_page_size": 10})
    for n in range(12):  # ties across shops: 250 CZK = 10 EUR, broken by id
        add_order(db.session, tenant.shop_a, total_with_vat=Decimal("250.00"), currency="CZK")
        add_order(db.session, tenant.shop_b, total_with_vat=Decimal("10.00") + n, currency="EUR")
    factor = {tenant.shop_a.id: Decimal(1), tenant.shop_b.id: Decimal(25)}
    everyone = db.session.execute(select(Order)).scalars().all()
    expected = [o.id for o in sorted(everyone, key=lambda o: (o.base_total * factor[o.shop_id], o.id), reverse=True)]
    seen, pages, html = [], [], _ids(client, "sort=total")[1]
    while True:
        pages.append(row_ids(html))
        seen += pages[-1]
        following = cursors(html).get("next")
        if not following:
            break
        html = _ids(client, f"sort=total&cursor={following}")[1]
    assert seen == expected and [len(page) for page in pages] == [10, 10, 9]
    assert _ids(client, f"sort=total&cursor={cursors(html)['prev']}")[0] == pages[-2]


def test_an_import_writes_each_orders_total_in_the_shops_currency(db, snapshots):  # noqa: F811
    shop = make_shop(db.session, make_org(db.session))  # a CZK shop

    def in_euro(number, order):
        if number != 1:
            return None
        price = dict(order["price"], currencyCode="EUR", exchangeRate="25.31000000", withVat="100.00")
        return dict(order, price=price)

    path = rewrite(snapshots["orders"], snapshots["folder"] / "euro-total.jsonl.gz", in_euro)
    run_file_import(db.session, shop, "orders", str(path))
    rows = db.session.execute(select(Order.code, Order.total_with_vat, Order.exchange_rate, Order.base_total)
                              .where(Order.shop_id == shop.id)).all()
    euro_code = orjson.loads(read_lines(path)[0])["code"]
    for code, total, rate, base_total in rows:
        expected = (total or Decimal(0)) * (rate if rate is not None else 1)
        assert base_total == expected.quantize(Decimal("0.01")), code
    assert {row.code: row.base_total for row in rows}[euro_code] == Decimal("2531.00")

    def dearer(number, order):  # a later version of the same order changes its total: base_total follows
        if number != 1:
            return None
        price = dict(order["price"], currencyCode="EUR", exchangeRate="25.31000000", withVat="200.00")
        return dict(order, price=price, changeTime="2030-01-01T00:00:00+0100")

    run_file_import(db.session, shop, "orders", str(rewrite(path, snapshots["folder"] / "dearer.jsonl.gz", dearer)))
    db.session.expire_all()
    assert db.session.execute(select(Order.base_total).where(Order.shop_id == shop.id, Order.code == euro_code)
                              ).scalar_one() == Decimal("5062.00")
