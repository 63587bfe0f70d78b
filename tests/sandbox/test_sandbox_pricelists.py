"""Price lists: read, write (PATCH as the spec describes it), and what a written price changes."""

from __future__ import annotations

import pytest
from sandbox_client import serving
from sandbox_contract import assert_contract

from sandbox.formats import parse_decimal


@pytest.fixture(scope="module")
def sb(module_receiver):
    hooks = {"productVariantPrice:update": f"{module_receiver.url}/price",
             "productVariantPrice:massUpdate": f"{module_receiver.url}/mass"}
    with serving(hooks, seed=43, shops=1, orders=800, bucket_leak=100000) as handle:
        yield handle


def rows(sb, pricelist: int = 1, **params) -> list[dict]:
    response = sb.client.get(f"/api/pricelists/{pricelist}", params=params)
    return assert_contract(response, "GET", "/api/pricelists/{id}")["data"]["pricelist"]


def patch(sb, items: list[dict], pricelist: int = 1):
    return sb.client.patch(f"/api/pricelists/{pricelist}", json={"data": items})


def codes(sb, count: int) -> list[str]:
    return [row["code"] for row in rows(sb, itemsPerPage=count + 10)][5:5 + count]


def test_read_price_lists(sb):
    body = assert_contract(sb.client.get("/api/pricelists"), "GET", "/api/pricelists")["data"]
    assert [p["id"] for p in body["pricelists"]] == [1, 2]
    first = sb.client.get("/api/pricelists/1").json()["data"]
    assert first["paginator"]["itemsPerPage"] == 100 and first["paginator"]["totalCount"] > 100
    retail, wholesale = rows(sb, 1, itemsPerPage=5), rows(sb, 2, itemsPerPage=5)
    for a, b in zip(retail, wholesale, strict=True):
        assert a["code"] == b["code"] and parse_decimal(b["price"]["price"], 2) < parse_decimal(a["price"]["price"], 2)
        assert a["price"]["buyPrice"] is not None and b["price"]["buyPrice"] is None  # buy price: default list only
        assert a["prices"]["purchasePrice"]["price"] is not None
    one = rows(sb, 1, code=retail[1]["code"])
    assert [r["code"] for r in one] == [retail[1]["code"]]
    guid = sb.client.get(f"/api/products/code/{retail[0]['code']}").json()["data"]["guid"]
    assert retail[0]["code"] in [r["code"] for r in rows(sb, 1, guid=guid)]
    missing = sb.client.get("/api/pricelists/9")
    assert missing.status_code == 404
    assert_contract(missing, "GET", "/api/pricelists/{id}")


def test_patch_prices_and_see_them_everywhere(sb, module_receiver):
    a, b, c = codes(sb, 3)
    response = patch(sb, [
        {"code": a, "price": {"price": "999.00", "commonPrice": "1299.00"}},
        {"code": b, "priceWithoutVat": {"price": "100.00"}, "prices": {"purchasePrice": {"price": "40.00"}}},
        {"code": c, "price": {"actionPrice": {"price": "50.00", "fromDate": "2026-01-01", "toDate": "2099-12-31"}}},
    ])
    assert assert_contract(response, "PATCH", "/api/pricelists/{id}")["errors"] is None
    by_code = {r["code"]: r for r in rows(sb, itemsPerPage=100)}
    assert by_code[a]["price"]["price"] == "999.00" and by_code[a]["price"]["commonPrice"] == "1299.00"
    rate = parse_decimal(by_code[b]["vatRate"], 2)
    assert by_code[b]["price"]["price"] == f"{(10000 * (10000 + rate) + 5000) // 10000 / 100:.2f}"
    assert by_code[b]["prices"]["purchasePrice"]["price"] == "40.00"
    assert by_code[c]["price"]["actionPrice"] == {"price": "50.00", "fromDate": "2026-01-01", "toDate": "2099-12-31"}
    product = sb.client.get(f"/api/products/code/{a}", params={"include": "perPricelistPrices"})
    data = assert_contract(product, "GET", "/api/products/code/{code}")["data"]
    variant = next(v for v in data["variants"] if v["code"] == a)
    assert variant["price"] == "999.00" and variant["perPricelistPrices"][0]["price"]["price"] == "999.00"
    changes = sb.client.get("/api/products/changes", params={"from": data["changeTime"]}).json()["data"]["changes"]
    assert data["guid"] in [ch["guid"] for ch in changes]
    for code in (a, b, c):
        escaped = code.replace("/", "\\/").encode()
        assert module_receiver.wait_for(lambda call, e=escaped: call["path"] == "/price" and e in call["body"])
    assert module_receiver.wait_for(lambda call: call["path"] == "/mass")


def test_vat_rate_change_recalculates(sb):
    code = codes(sb, 4)[3]
    before = rows(sb, code=code)[0]
    response = patch(sb, [{"code": code, "includingVat": False}])
    assert response.status_code == 200
    after = rows(sb, code=code)[0]
    rate = parse_decimal(before["vatRate"], 2)
    gross = parse_decimal(before["price"]["price"], 2)
    assert after["includingVat"] is False
    assert parse_decimal(after["price"]["price"], 2) == (gross * 10000 + (10000 + rate) // 2) // (10000 + rate)


@pytest.mark.parametrize(("items", "status", "error_code"), [
    ([{"code": "NO-SUCH", "price": {"price": "1.00"}}], 400, "pricelist-code-not-found"),
    ([{"code": "{a}", "price": {"buyPrice": "1.00"}, "prices": {"purchasePrice": {"price": "2.00"}}}], 400,
     "invalid-request-data"),
    ([{"code": "{a}", "vatRate": "7.77"}], 400, "invalid-request-data"),
    ([{"code": "{a}", "price": {"price": "abc"}}], 400, "invalid-request-data"),
    ([{"code": "{a}"}], 422, "invalid-request-data"),
    ([{"code": "{a}", "colour": "red"}], 422, "invalid-request-data"),
    ([{"code": "{a}", "price": {"price": "1.00"}}] * 301, 413, "too-many-items"),
])
def test_patch_errors_change_nothing(sb, items, status, error_code):
    a = codes(sb, 6)[5]
    before = rows(sb, code=a)[0]
    items = [{**item, "code": a} if item["code"] == "{a}" else item for item in items]
    response = patch(sb, items)
    assert response.status_code == status
    body = assert_contract(response, "PATCH", "/api/pricelists/{id}")
    assert body["errors"][0]["errorCode"] == error_code
    assert rows(sb, code=a)[0] == before


def test_partial_success_and_unknown_list(sb):
    a = codes(sb, 7)[6]
    response = patch(sb, [{"code": a, "price": {"price": "77.00"}}, {"code": "NO-SUCH", "price": {"price": "1.00"}}])
    body = assert_contract(response, "PATCH", "/api/pricelists/{id}")
    assert response.status_code == 200 and body["errors"][0]["instance"] == "NO-SUCH"
    assert rows(sb, code=a)[0]["price"]["price"] == "77.00"
    missing = patch(sb, [{"code": a, "price": {"price": "1.00"}}], pricelist=5)
    assert missing.status_code == 404
    assert_contract(missing, "PATCH", "/api/pricelists/{id}")


def test_new_orders_pay_todays_prices(sb):
    eshop_id = sb.shops[0]["eshop_id"]
    sb.mutate(shop=eshop_id, prices_changed=20)
    created = sb.mutate(shop=eshop_id, orders_created=6)["orders_created"]
    checked = 0
    for code in created:
        order = sb.client.get(f"/api/orders/{code}").json()["data"]["order"]
        if order["price"]["currencyCode"] != sb.shops[0]["currency"]:
            continue
        for item in order["items"]:
            if item["itemType"] != "product":
                continue
            row = rows(sb, code=item["code"])[0]
            action = row["price"]["actionPrice"]
            price = parse_decimal(action["price"] if action else row["price"]["price"], 2)
            if not row["includingVat"]:
                price = (price * (10000 + parse_decimal(row["vatRate"], 2)) + 5000) // 10000
            assert parse_decimal(item["unitPrice"]["withVat"], 2) == price, (item["code"], row)
            checked += 1
    assert checked
