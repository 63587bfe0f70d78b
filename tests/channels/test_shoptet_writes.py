"""The hub's changes going to a Shoptet shop through the channel's writer (order statuses: tests/orders)."""

import httpx
import pytest

from app.channels import channel_for
from app.shops.services import add_shop
from sandbox.testing import run_sandbox
from tests.factories import make_org


@pytest.fixture(scope="module")
def sandbox():
    with run_sandbox(seed=23, shops=1, orders=5, customers=5, products=5) as handle:
        yield handle


@pytest.fixture
def shop(db, sandbox):
    info = sandbox.shops[0]
    return add_shop(db.session, make_org(db.session).id, name=info["name"], eshop_id=info["eshop_id"],
                    private_token=info["private_token"], api_url=sandbox.base_url)


def _get(sandbox, path, **params):
    return httpx.get(sandbox.url(path), params=params, headers=sandbox.private_headers()).json()["data"]


def test_stock_prices_and_texts_are_written_and_what_the_shop_refuses_is_reported(shop, sandbox):
    code = _get(sandbox, "/api/stocks/1/supplies")["supplies"][0]["code"]
    guid = _get(sandbox, "/api/products")["products"][0]["guid"]
    with channel_for(shop).writer(shop) as writer:
        stock = writer.set_stock(1, {code: 7, "NO-SUCH-CODE": 1})
        texts = writer.set_texts("en", {guid: {"name": "Hose (EN)", "short_description": "Short"}})
        prices = writer.set_prices({code: "10.00", "NO-SUCH-CODE": "1.00"})  # the default price list
    assert stock.changed == [code] and "unknown-product" in stock.failed["NO-SUCH-CODE"]
    assert float(_get(sandbox, "/api/stocks/1/supplies", code=code)["supplies"][0]["amount"]) == 7
    assert texts.changed == [guid] and texts.failed == {}
    assert prices.changed == [code] and list(prices.failed) == ["NO-SUCH-CODE"]
    assert _get(sandbox, "/api/pricelists/1", code=code)["pricelist"][0]["price"]["price"] == "10.00"
    english = _get(sandbox, f"/api/products/{guid}", language="en")
    assert (english["name"], english["shortDescription"]) == ("Hose (EN)", "Short")
