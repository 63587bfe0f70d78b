"""The shops' stated exchange rates: read from the platform when a shop is connected and daily after, kept
per day, and used to convert into the reporting currency only where a stated rate links two currencies."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app.channels.base import CurrencyRate
from app.money.models import ShopCurrencyRate
from app.money.periodic import refresh_rates
from app.money.rates import ReportingRates, record_rates
from app.money.tasks import refresh_shop_rates
from app.shops.models import Shop
from sandbox.testing import run_sandbox
from tests.factories import make_org, make_shop

CZK_SHOP, EUR_SHOP = 0, 1


@pytest.fixture(scope="module")
def sandbox():
    with run_sandbox(seed=19, shops=2, orders=5, customers=5, products=5) as handle:
        yield handle


def _shop(db, org, currency: str, name: str) -> Shop:
    shop = make_shop(db.session, org, name)
    shop.currency = currency
    db.session.flush()
    return shop


def test_connecting_a_shop_keeps_the_rates_its_platform_states(app, db, sandbox):
    org = make_org(db.session)
    info = sandbox.shops[CZK_SHOP]
    result = app.test_cli_runner().invoke(args=[
        "hub", "shop-add", "--org", str(org.id), "--name", "Zahrada", "--eshop-id", str(info["eshop_id"]),
        "--private-token", info["private_token"], "--api-url", sandbox.base_url])
    assert result.exit_code == 0, result.output
    shop_id = int(result.stdout.strip().splitlines()[-1])
    rates = {row.currency: row.rate for row in db.session.execute(
        select(ShopCurrencyRate).where(ShopCurrencyRate.shop_id == shop_id)).scalars()}
    assert rates["CZK"] == 1  # the base currency's own row marks the day as read
    assert "EUR" in rates and Decimal(20) < rates["EUR"] < Decimal(30)  # koruna per euro, as Shoptet states it


def test_rates_are_read_once_a_day_per_shop_by_a_job(app, live_db, redis_client, sandbox):
    with app.app_context():
        session = live_db.session
        org = make_org(session)
        session.commit()
        info = sandbox.shops[EUR_SHOP]
        result = app.test_cli_runner().invoke(args=[
            "hub", "shop-add", "--org", str(org.id), "--name", "Víno", "--eshop-id", str(info["eshop_id"]),
            "--private-token", info["private_token"], "--api-url", sandbox.base_url])
        assert result.exit_code == 0, result.output
        shop_id = int(result.stdout.strip().splitlines()[-1])
        session.execute(ShopCurrencyRate.__table__.delete())  # as if today's rates were not read yet
        session.commit()
        assert refresh_rates(app) == 1
        assert refresh_rates(app) == 0  # the job is queued: not twice
    with app.app_context():
        assert refresh_shop_rates(shop_id) >= 1
    with app.app_context():
        assert refresh_rates(app) == 0  # read today: nothing to do until tomorrow
        currencies = set(live_db.session.execute(select(ShopCurrencyRate.currency)
                                                 .where(ShopCurrencyRate.shop_id == shop_id)).scalars())
        assert "EUR" in currencies  # the base currency's row marks the day as read


def test_reporting_rates_use_a_shops_own_rate_or_the_reporting_currencys_shop(db):
    org = make_org(db.session)
    czk, eur, pln = _shop(db, org, "CZK", "Zahrada"), _shop(db, org, "EUR", "Víno"), _shop(db, org, "PLN", "Ogród")
    record_rates(db.session, czk.id, "CZK", [CurrencyRate("EUR", Decimal("25.00"))], date(2026, 11, 1))
    record_rates(db.session, czk.id, "CZK", [CurrencyRate("EUR", Decimal("24.00"))], date(2026, 11, 20))
    record_rates(db.session, eur.id, "EUR", [], date(2026, 11, 1))
    record_rates(db.session, pln.id, "PLN", [], date(2026, 11, 1))
    db.session.flush()

    to_eur = ReportingRates(db.session, [czk, eur, pln], "EUR")
    assert to_eur.factor(eur.id, date(2026, 11, 5)) == 1
    assert to_eur.factor(czk.id, date(2026, 11, 5)) == Decimal("0.04")  # 1 / 25: the rate valid that day
    assert to_eur.factor(czk.id, date(2026, 11, 25)) == (Decimal(1) / Decimal(24)).quantize(Decimal("1e-10"))
    assert to_eur.factor(czk.id, date(2026, 10, 1)) == Decimal("0.04")  # before the first record: the earliest
    assert to_eur.factor(pln.id, date(2026, 11, 5)) is None  # nobody states a zloty rate: not converted
    assert not to_eur.convertible([czk.id, pln.id], date(2026, 11, 5))
    assert to_eur.convert(czk.id, date(2026, 11, 5), Decimal("2359.00")) == Decimal("94.36")

    to_czk = ReportingRates(db.session, [czk, eur], "CZK")
    assert to_czk.conversion(eur.id, date(2026, 11, 5)) == (Decimal("25.00"), "Zahrada", date(2026, 11, 1))
    assert ReportingRates(db.session, [czk, eur], "").factor(czk.id, date(2026, 11, 5)) == 1
