"""The dashboard page: the merchant's home, read from the rollups, per currency unless a reporting currency."""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal

from app.channels.base import CurrencyRate
from app.money.rates import record_rates
from app.orgs.models import Role
from app.settings.services import update_settings
from tests.dashboard.conftest import order_json, write_orders
from tests.factories import login, make_member, make_org, make_shop

RANGE = "/?range=custom&from=2025-05-01&to=2025-05-31"


def kpi(html: str, currency: str, name: str) -> str:
    section = html.split(f'id="kpis-{currency}"', 1)[1].split("</section>", 1)[0]
    return re.search(rf'class="kpi-{name}">([^<]*)<', section).group(1).strip()


def tenant(db, client, role=Role.owner):
    org = make_org(db.session)
    user = make_member(db.session, org, role)
    cz, sk = make_shop(db.session, org, "Zahrada CZ"), make_shop(db.session, org, "Zahrada SK")
    sk.currency = "EUR"
    db.session.flush()
    write_orders(db.session, cz, [order_json(datetime.fromisoformat("2025-05-10T10:00:00+00:00"), total="1000.00"),
                                  order_json(datetime.fromisoformat("2025-05-11T10:00:00+00:00"), total="500.00"),
                                  order_json(datetime.fromisoformat("2025-05-12T10:00:00+00:00"), total="70.00",
                                             status="cancelled"),
                                  order_json(datetime.fromisoformat("2025-04-10T10:00:00+00:00"), total="750.00")])
    write_orders(db.session, sk, [order_json(datetime.fromisoformat("2025-05-10T10:00:00+00:00"), currency="EUR",
                                             total="40.00")])
    login(client, user.email)
    return org, cz, sk


def test_the_home_page_shows_each_currency_against_the_previous_period(db, client):
    tenant(db, client, Role.viewer)
    html = client.get(RANGE).get_data(as_text=True)
    assert kpi(html, "CZK", "revenue") == "1,500.00 CZK" and kpi(html, "CZK", "orders") == "2"
    assert kpi(html, "CZK", "cancelled").startswith("1 (33.3 %)")
    assert kpi(html, "EUR", "revenue") == "40.00 EUR"
    assert "+100.0 %" in html.split('id="kpis-CZK"')[1].split("</tr>")[1]  # revenue 1500 vs 750 in April
    assert 'id="chart-revenue-CZK"' in html and "<svg" in html and "Table view" in html
    assert "never added up" in html
    assert '<strong id="kpi-items">1.00</strong>' in html  # one product line of one unit per order


def test_one_shop_the_vat_choice_and_the_htmx_partial(db, client):
    _, cz, sk = tenant(db, client)
    html = client.get(f"{RANGE}&shop={sk.id}&vat=excl", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert html.lstrip().startswith("{#") or html.lstrip().startswith('<div id="dashboard">')
    assert 'id="kpis-CZK"' not in html and kpi(html, "EUR", "revenue") == "33.06 EUR"
    assert "Revenue without VAT" in html


def test_a_reporting_currency_converts_at_stated_rates_and_says_so(app, db, client):
    org, cz, sk = tenant(db, client)
    update_settings(db.session, app.extensions["settings_cache"], org.id, {"reporting_currency": "CZK"})
    record_rates(db.session, cz.id, "CZK", [CurrencyRate("EUR", Decimal("25.00"), 2, None)], date(2025, 5, 1))
    html = client.get(RANGE).get_data(as_text=True)
    assert "converted into CZK" in html and 'id="kpis-EUR"' not in html
    assert kpi(html, "CZK", "revenue") == "2,500.00 CZK"  # 1500 CZK + 40 EUR at 25
    assert "Exchange rates used" in html


def test_foreign_shops_and_bad_ranges_are_refused(db, client):
    tenant(db, client)
    other = make_shop(db.session, make_org(db.session))
    assert client.get(f"/dashboard?shop={other.id}").status_code == 404
    assert client.get("/dashboard?range=custom&from=2025-05-31&to=2025-05-01").status_code == 400
    assert client.get("/dashboard?range=forever").status_code == 400
    assert client.get("/dashboard?range=30d").status_code == 200


def test_top_products_and_categories_come_as_their_own_part(db, client):
    _, cz, sk = tenant(db, client)
    html = client.get(RANGE).get_data(as_text=True)
    assert 'hx-get="/dashboard/products?range=custom' in html  # loaded once the page shows
    part = client.get("/dashboard/products?range=custom&from=2025-05-01&to=2025-05-31",
                      headers={"HX-Request": "true"}).get_data(as_text=True)
    products = part.split('id="dashboard-products"')[1].split("</section>")[0]
    assert "<code>P1</code>" in products and "1,500.00 CZK" in products and "40.00 EUR" in products
    assert "70.00" not in products  # the cancelled order's line is no sale
    page = client.get(f"/dashboard/products?range=custom&from=2025-05-01&to=2025-05-31&shop={sk.id}")
    assert "<html" in page.get_data(as_text=True) and "1,500.00 CZK" not in page.get_data(as_text=True)
