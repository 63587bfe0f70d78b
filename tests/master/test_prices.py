"""Prices from the master: rate (× rate, the follower's exchange rate and rounding), fixed per variant, or off."""

from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select

from app.catalog.models import ProductVariant
from app.master.models import VariantPair
from app.master.pairing import PairingError, pair_shop, set_fixed_price
from app.master.prices import Currency, currency_of, desired_price
from tests.master.conftest import import_products, read_facts

D = Decimal


def test_the_rate_rule_converts_at_the_followers_rate_and_rounds_its_way():
    czk = Currency("CZK", {"EUR": D("25.10")}, decimals=0, rounding="math")
    assert desired_price("rate", D("1.1"), D("10.00"), "EUR", None, czk) == D("276.00")  # 276.1
    assert desired_price("rate", D("1.1"), D("10.00"), "EUR", None, Currency("CZK", czk.rates, 0, "up")) == D("277.00")
    down = Currency("CZK", czk.rates, 0, "down")
    assert desired_price("rate", D("1.1"), D("10.50"), "EUR", None, down) == D("289.00")  # 289.905
    eur = Currency("EUR", {"CZK": D("0.04")}, decimals=2, rounding="math")
    assert desired_price("rate", D("1.15"), D("999"), "CZK", None, eur) == D("45.95")  # 45.954
    assert desired_price("rate", D("1.15"), D("999"), "CZK", None, Currency("EUR", eur.rates, 2, "up")) == D("45.96")
    assert desired_price("rate", D("1.15"), D("999"), "CZK", None, Currency("EUR", eur.rates, 2, "none")) == D("45.95")
    assert desired_price("rate", D("1"), D("120"), "EUR", None, eur) == D("120.00")  # the same currency
    # a shop that states no rate for the master's currency: the master's rate of the shop's currency, inverted
    assert desired_price("rate", D("1"), D("1000"), "CZK", None, Currency("EUR", {}, 2, "math", D("25"))) == D("40.00")
    assert desired_price("rate", D("1"), D("1000"), "CZK", None, Currency("EUR", {}, 2, "math")) is None
    assert desired_price("rate", D("1"), D("0.01"), "CZK", None, czk) == D("1.00")  # never below a unit
    assert desired_price("fixed", D("1"), D("100"), "CZK", D("199.9"), czk) == D("199.90")
    assert desired_price("fixed", D("1"), D("100"), "CZK", None, czk) is None
    assert desired_price("off", D("1"), D("100"), "CZK", D("5"), czk) is None


def _prices(sandbox, index, pricelist=1):
    prices, page = {}, 1
    while True:
        data = httpx.get(sandbox.url(f"/api/pricelists/{pricelist}"), headers=sandbox.private_headers(index),
                         params={"page": page}).json()["data"]
        prices.update({row["code"]: D(row["price"]["price"]) for row in data["pricelist"] if row["price"]["price"]})
        if page >= data["paginator"]["pageCount"]:
            return prices
        page += 1


def _expected_prices(db, master, follower, rate):
    currency = currency_of(db.session, follower, master)
    variants = {v.code: v for v in db.session.execute(select(ProductVariant).where(
        ProductVariant.shop_id == master.id)).scalars()}
    expected = {}
    for pair in db.session.execute(select(VariantPair).where(VariantPair.follower_shop_id == follower.id)).scalars():
        variant = variants.get(pair.master_code)
        if variant is not None and variant.price is not None:
            expected[pair.follower_code] = desired_price("rate", D(rate), variant.price,
                                                         variant.currency or master.currency, None, currency)
    return expected


@pytest.mark.parametrize("index", [1, 2])  # a euro shop that states a CZK rate, and one that does not
def test_prices_follow_the_rate_only_differences_no_echo_and_drift_corrected(db, sandbox, shops, hub, index):
    master, follower = shops[0], shops[index]
    org = master.organization_id
    for shop in (master, follower):
        read_facts(db, shop)
    hub("settings-set", "--org", org, "master_shop", master.id)
    hub("settings-set", "--org", org, "--shop", follower.id, "price_rule", "rate")
    hub("settings-set", "--org", org, "--shop", follower.id, "price_rate", "1.2")
    assert master.currency != follower.currency
    would = hub("master-apply", "--org", org, "--dry-run")["followers"][str(follower.id)]["price_changed"]
    assert would > 0
    applied = hub("master-apply", "--org", org)["followers"][str(follower.id)]
    assert (applied["price_changed"], applied["failed"], applied["stock_changed"]) == (would, 0, 0)
    expected = _expected_prices(db, master, follower, "1.2")
    prices = _prices(sandbox, index)
    assert expected and {code: prices[code] for code in expected} == expected
    assert all(price == price.quantize(D("0.01")) for price in expected.values())

    import_products(db, follower)  # the pushed prices come back: no echo, nothing to push
    status = hub("master-status", "--org", org)["followers"][str(follower.id)]
    assert (status["prices_pending"], status["drift"]) == (0, 0)
    assert hub("master-apply", "--org", org)["followers"][str(follower.id)]["price_changed"] == 0

    changed = [c["code"] for c in sandbox.mutate(shop=follower.external_id, prices_changed=3)["prices_changed"]]
    drifted = [code for code in set(changed) if code in expected and _prices(sandbox, index)[code] != expected[code]]
    import_products(db, follower)
    again = hub("master-apply", "--org", org)["followers"][str(follower.id)]
    assert again["price_changed"] == len(drifted) and again["drift"] == len(drifted)
    prices = _prices(sandbox, index)
    assert {code: prices[code] for code in expected} == expected  # the master wins


def test_a_fixed_price_is_pushed_as_set(db, sandbox, shops, hub):
    master, follower, _ = shops
    org = master.organization_id
    hub("settings-set", "--org", org, "master_shop", master.id)
    hub("settings-set", "--org", org, "--shop", follower.id, "price_rule", "fixed")
    pair_shop(db.session, master, follower)
    code = db.session.execute(select(VariantPair.follower_code).where(
        VariantPair.follower_shop_id == follower.id, VariantPair.master_code.is_not(None))).scalars().first()
    set_fixed_price(db.session, follower, code, D("123.4"))
    with pytest.raises(PairingError):
        set_fixed_price(db.session, follower, "NO-SUCH", D("1"))
    db.session.commit()
    applied = hub("master-apply", "--org", org)["followers"][str(follower.id)]
    assert (applied["price_changed"], applied["failed"]) == (1, 0)
    assert _prices(sandbox, 1)[code] == D("123.40")
