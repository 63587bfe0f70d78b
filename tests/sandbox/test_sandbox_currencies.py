"""Currencies: the e-shop's list with today's rates, foreign-currency orders with the rate of their day."""

from __future__ import annotations

import httpx
import pytest
from sandbox_contract import assert_contract

from sandbox.formats import parse_decimal, parse_dt
from sandbox.generator import rates
from sandbox.testing import run_sandbox


@pytest.fixture(scope="module")
def sb():
    with run_sandbox(seed=47, shops=4, orders=1500, bucket_leak=100000) as handle:
        yield handle


def client(sb, index: int) -> httpx.Client:
    return httpx.Client(base_url=sb.base_url, headers=sb.private_headers(index), trust_env=False, timeout=30)


def test_eshop_currencies_and_timezone(sb):
    expected = {0: ("CZK", {"EUR"}, "Europe/Prague"), 1: ("EUR", {"CZK", "HUF"}, "Europe/Bratislava"),
                2: ("EUR", set(), "Europe/Berlin"), 3: ("CZK", {"PLN"}, "Europe/Prague")}
    for index, (base, foreign, zone) in expected.items():
        with client(sb, index) as api:
            data = assert_contract(api.get("/api/eshop"), "GET", "/api/eshop")["data"]
        assert data["settings"]["timezone"] == zone
        currencies = {c["code"]: c for c in data["currencies"]}
        assert set(currencies) == {base} | foreign and currencies[base]["isDefault"]
        assert currencies[base]["exchangeRate"] == "1.00000000"
        assert currencies[base]["priceDecimalPlaces"] == rates.DECIMALS[base]
        for code in foreign:
            value = float(currencies[code]["exchangeRate"])
            nominal = rates.PER_EUR[base] / rates.PER_EUR[code]
            assert 0.9 * nominal < value < 1.1 * nominal and not currencies[code]["isDefault"]
            assert currencies[code]["rounding"] in ("none", "up", "down", "math")
            assert currencies[code]["priceDecimalPlaces"] == rates.DECIMALS[code]


@pytest.mark.parametrize(("index", "foreign", "low", "high"), [(0, "EUR", 22.0, 28.0), (1, "CZK", 0.035, 0.045)])
def test_orders_in_a_foreign_currency_carry_the_rate_of_their_day(sb, index, foreign, low, high):
    with client(sb, index) as api:
        seen = []
        for page in range(1, 31):
            orders = api.get("/api/orders", params={"page": page}).json()["data"]["orders"]
            seen += [o for o in orders if o["price"]["currencyCode"] == foreign]
            if len(seen) >= 5:
                break
        assert len(seen) >= 5
        values = set()
        for listed in seen:
            order = assert_contract(api.get(f"/api/orders/{listed['code']}"), "GET", "/api/orders/{code}")["data"]
            price = order["order"]["price"]
            value = float(price["exchangeRate"])
            assert low < value < high
            created = parse_dt(order["order"]["creationTime"])
            assert price["exchangeRate"] == rates.rate_text(rates.rate(foreign, sb.shops[index]["currency"], created))
            values.add(value)
            if foreign == "CZK":  # koruna prices have no hellers
                assert all(parse_decimal(i["unitPrice"]["withVat"], 2) % 100 == 0 for i in order["order"]["items"])
        assert len(values) > 1  # the rate moves from day to day
        home = next(o for o in api.get("/api/orders").json()["data"]["orders"]
                    if o["price"]["currencyCode"] == sb.shops[index]["currency"])
        assert home["price"]["exchangeRate"] == "1.00000000"
