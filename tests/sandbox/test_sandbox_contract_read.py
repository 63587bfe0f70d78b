"""Read endpoints: every response validates against the official OpenAPI spec."""

from __future__ import annotations

import re

import pytest
from sandbox_contract import assert_contract

DT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\+0100$")
ALL_ORDER_INCLUDES = "notes,images,shippingDetails,stockLocation,surchargeParameters,paymentTransactions,productFlags"
ALL_PRODUCT_INCLUDES = ("images,variantParameters,allCategories,flags,descriptiveParameters,measureUnit,setItems,"
                        "filteringParameters,recyclingFee,warranty,gifts,alternativeProducts,relatedProducts,"
                        "relatedVideos,relatedFiles,perStockAmounts,perPricelistPrices,surchargeParameters")


def first_order_code(api) -> str:
    return api.get("/api/orders", params={"itemsPerPage": 1}).json()["data"]["orders"][0]["code"]


# -- e-shop ---------------------------------------------------------------------------------

@pytest.mark.parametrize("include", ["", "orderStatuses,paymentMethods,shippingMethods",
                                     "imageCuts,countries,cashDesk,orderAdditionalFields"])
def test_eshop_info(api, include):
    body = assert_contract(api.get("/api/eshop", params={"include": include}), "GET", "/api/eshop")
    data = body["data"]
    assert data["contactInformation"]["eshopId"] == api.eshop_id
    assert [lang["code"] for lang in data["languages"]] == api.shop["languages"]
    assert data["currencies"][0]["code"] == api.shop["currency"]
    for section in filter(None, include.split(",")):
        assert section in data


def test_eshop_of_second_shop_differs(api2):
    body = assert_contract(api2.get("/api/eshop"), "GET", "/api/eshop")
    assert body["data"]["contactInformation"]["eshopId"] == api2.eshop_id
    assert body["data"]["settings"]["eshopLanguage"] == api2.shop["languages"][0]


# -- orders -------------------------------------------------------------------------------

def test_order_list_paging(api):
    first = assert_contract(api.get("/api/orders"), "GET", "/api/orders")["data"]
    assert first["paginator"] == {"totalCount": 300, "page": 1, "pageCount": 6, "itemsOnPage": 50,
                                  "itemsPerPage": 50}
    clamped = api.get("/api/orders", params={"itemsPerPage": 500, "page": 6}).json()["data"]
    assert clamped["paginator"]["itemsPerPage"] == 50 and clamped["paginator"]["itemsOnPage"] == 50
    codes = [o["code"] for o in first["orders"]]
    assert codes == sorted(codes) and len(set(codes)) == 50
    assert all(DT.match(o["creationTime"]) for o in first["orders"])


def test_order_list_past_last_page(api):
    response = api.get("/api/orders", params={"page": 99})
    assert response.status_code == 404
    assert assert_contract(response, "GET", "/api/orders")["errors"][0]["errorCode"] == "page-not-found"


@pytest.mark.parametrize("params", [
    {"statusId": -2}, {"creationTimeFrom": "2024-01-01T00:00:00+0100", "creationTimeTo": "2024-12-31T23:59:59+0100"},
    {"codeFrom": "2023000001", "codeTo": "2024000010"}, {"sourceId": -1},
])
def test_order_list_filters(api, params):
    body = assert_contract(api.get("/api/orders", params={**params, "itemsPerPage": 50}), "GET", "/api/orders")
    orders = body["data"]["orders"]
    assert orders, params
    for order in orders:
        if "statusId" in params:
            assert order["status"]["id"] == -2
        if "creationTimeFrom" in params:
            assert order["creationTime"].startswith("2024")
        if "codeFrom" in params:
            assert "2023000001" <= order["code"] <= "2024000010"


def test_order_filters_by_customer_and_email(api):
    orders = api.get("/api/orders", params={"itemsPerPage": 50}).json()["data"]["orders"]
    registered = next(o for o in orders if o["customerGuid"])
    by_guid = api.get("/api/orders", params={"customerGuid": registered["customerGuid"]}).json()["data"]["orders"]
    assert registered["code"] in [o["code"] for o in by_guid]
    assert all(o["customerGuid"] == registered["customerGuid"] for o in by_guid)
    by_email = api.get("/api/orders", params={"email": registered["email"].upper()}).json()["data"]["orders"]
    assert registered["code"] in [o["code"] for o in by_email]


def test_order_filter_by_product_code_and_shipping(api):
    code = first_order_code(api)
    order = api.get(f"/api/orders/{code}").json()["data"]["order"]
    product_code = next(i["code"] for i in order["items"] if i["itemType"] == "product")
    found = api.get("/api/orders", params={"productCode": product_code, "itemsPerPage": 50}).json()["data"]
    assert code in [o["code"] for o in found["orders"]]
    shipped = api.get("/api/orders", params={"shippingGuid": order["shipping"]["guid"]}).json()["data"]["orders"]
    assert shipped and all(o["shipping"]["guid"] == order["shipping"]["guid"] for o in shipped)


def test_order_codes_filter_overrides_others(api):
    codes = [o["code"] for o in api.get("/api/orders", params={"itemsPerPage": 3}).json()["data"]["orders"]]
    body = api.get("/api/orders", params={"orderCodes": ",".join(codes), "statusId": 99}).json()
    assert [o["code"] for o in body["data"]["orders"]] == codes
    too_many = api.get("/api/orders", params={"orderCodes": ",".join(str(2020000000 + k) for k in range(51))})
    assert too_many.status_code == 400
    assert assert_contract(too_many, "GET", "/api/orders")["errors"][0]["errorCode"] == "invalid-parameter"


def test_order_list_rejects_unencoded_plus(api):
    # httpx encodes "+"; send the raw query a careless client would produce.
    response = api.get("/api/orders?creationTimeFrom=2024-01-01T00:00:00+0100")
    assert response.status_code == 400
    assert assert_contract(response, "GET", "/api/orders")["errors"][0]["instance"] == "creationTimeFrom"


@pytest.mark.parametrize("include", ["", ALL_ORDER_INCLUDES])
def test_order_detail(api, include):
    code = first_order_code(api)
    body = assert_contract(api.get(f"/api/orders/{code}", params={"include": include}), "GET", "/api/orders/{code}")
    order = body["data"]["order"]
    assert order["code"] == code
    types = {item["itemType"] for item in order["items"]}
    assert {"shipping", "billing"} <= types
    assert ("notes" in order) == bool(include)


def test_order_items_cover_all_line_types(api):
    seen = set()
    for page in (1, 2, 3):
        for order in api.get("/api/orders", params={"page": page}).json()["data"]["orders"]:
            detail = api.get(f"/api/orders/{order['code']}").json()["data"]["order"]
            seen |= {item["itemType"] for item in detail["items"]}
            total = sum(int(i["itemPrice"]["withVat"].replace(".", "")) for i in detail["items"])
            assert total == int(detail["price"]["withVat"].replace(".", ""))
        if {"product", "shipping", "billing", "discount-coupon", "gift"} <= seen:
            break
    assert {"product", "shipping", "billing", "discount-coupon", "gift"} <= seen


def test_order_detail_not_found(api):
    response = api.get("/api/orders/1999000001")
    assert response.status_code == 404
    body = assert_contract(response, "GET", "/api/orders/{code}")
    assert body["errors"][0] == {"errorCode": "order-not-found", "message": 'Order "1999000001" not found.',
                                 "instance": "1999000001"}


def test_order_changes(api):
    body = assert_contract(api.get("/api/orders/changes", params={"from": "2020-01-01T00:00:00+0100"}), "GET",
                           "/api/orders/changes")
    assert body["data"]["paginator"]["itemsPerPage"] == 20
    missing = api.get("/api/orders/changes")
    assert missing.status_code == 400
    assert assert_contract(missing, "GET", "/api/orders/changes")["errors"][0]["errorCode"] == "missing-parameter"


def test_order_sources(api):
    body = assert_contract(api.get("/api/orders/sources"), "GET", "/api/orders/sources")
    assert {"id": -1, "name": "E-shop"} in body["data"]["sources"]


def test_order_statuses(api):
    body = assert_contract(api.get("/api/orders/statuses"), "GET", "/api/orders/statuses")
    ids = [s["id"] for s in body["data"]["statuses"]]
    assert body["data"]["defaultStatus"] in ids and -4 in ids


# -- customers ----------------------------------------------------------------------------

def test_customer_list_and_detail(api):
    body = assert_contract(api.get("/api/customers", params={"itemsPerPage": 5}), "GET", "/api/customers")
    customers = body["data"]["customers"]
    assert body["data"]["paginator"]["totalCount"] == api.shop["sizes"]["customers"]
    guid = customers[0]["guid"]
    detail = assert_contract(api.get(f"/api/customers/{guid}"), "GET", "/api/customers/{guid}")["data"]["customer"]
    assert isinstance(detail["deliveryAddress"], list)
    assert "email" not in detail and detail["accounts"][0]["mainAccount"] is True
    email = detail["accounts"][0]["email"]
    found = api.get("/api/customers", params={"email": email.upper()}).json()["data"]["customers"]
    assert [c["guid"] for c in found] == [guid]


def test_customer_not_found(api):
    guid = "157e7215-9035-11e4-a769-ac162d8a2454"
    response = api.get(f"/api/customers/{guid}")
    assert response.status_code == 404
    assert assert_contract(response, "GET", "/api/customers/{guid}")["errors"][0]["errorCode"] == "customer-not-found"


def test_customer_changes(api):
    body = assert_contract(api.get("/api/customers/changes", params={"from": "2020-01-01T00:00:00+01:00",
                                                                        "itemsPerPage": 100}),
                           "GET", "/api/customers/changes")
    assert body["data"]["paginator"]["itemsPerPage"] == 20


# -- products -----------------------------------------------------------------------------

def test_product_list(api):
    body = assert_contract(api.get("/api/products", params={"include": "images"}), "GET", "/api/products")
    products = body["data"]["products"]
    assert products and all("mainImage" in p for p in products)
    assert body["data"]["paginator"]["totalCount"] == api.shop["sizes"]["products"]


@pytest.mark.parametrize("include", ["", ALL_PRODUCT_INCLUDES])
def test_product_detail_by_guid_and_code(api, include):
    guid = api.get("/api/products").json()["data"]["products"][0]["guid"]
    body = assert_contract(api.get(f"/api/products/{guid}", params={"include": include}), "GET",
                           "/api/products/{guid}")
    product = body["data"]  # `data` is the product itself
    assert product["guid"] == guid and product["variants"]
    code = product["variants"][-1]["code"]
    by_code = assert_contract(api.get(f"/api/products/code/{code}", params={"include": include}), "GET",
                              "/api/products/code/{code}")
    assert by_code["data"]["guid"] == guid


def test_product_variant_code_with_slash(api):
    products = api.get("/api/products", params={"itemsPerPage": 100}).json()["data"]["products"]
    for item in products:
        variants = api.get(f"/api/products/{item['guid']}").json()["data"]["variants"]
        if len(variants) > 1:
            code = variants[1]["code"]
            assert "/" in code
            encoded = api.get(f"/api/products/code/{code.replace('/', '%2F')}")
            assert encoded.status_code == 200 and encoded.json()["data"]["guid"] == item["guid"]
            return
    pytest.fail("no multi-variant product generated")


def test_product_texts_per_language(api):
    guid = api.get("/api/products").json()["data"]["products"][0]["guid"]
    texts = {lang: assert_contract(api.get(f"/api/products/{guid}", params={"language": lang}), "GET",
                                   "/api/products/{guid}")["data"]["description"]
             for lang in api.shop["languages"]}
    translated = [text for text in texts.values() if text is not None]
    assert texts[api.shop["default_language"]] and len(set(translated)) == len(translated)
    bad = api.get(f"/api/products/{guid}", params={"language": "xx"})
    assert bad.status_code == 400
    assert_contract(bad, "GET", "/api/products/{guid}")


def test_product_not_found(api):
    response = api.get("/api/products/code/NO-SUCH-CODE")
    assert response.status_code == 404
    assert assert_contract(response, "GET", "/api/products/code/{code}")["errors"][0]["errorCode"] == \
        "product-not-found"


def test_product_changes(api):
    body = assert_contract(api.get("/api/products/changes", params={"from": "2025-12-01T00:00:00+0100"}), "GET",
                           "/api/products/changes")
    assert body["data"]["paginator"]["itemsPerPage"] == 1000


# -- stocks -------------------------------------------------------------------------------

def test_stocks(api):
    body = assert_contract(api.get("/api/stocks"), "GET", "/api/stocks")
    assert [s["id"] for s in body["data"]["stocks"]] == api.shop["stocks"]


def test_supplies_and_movements(api):
    sid = api.shop["stocks"][0]
    supplies = assert_contract(api.get(f"/api/stocks/{sid}/supplies", params={"include": "changeTime"}), "GET",
                               "/api/stocks/{stockId}/supplies")["data"]["supplies"]
    assert supplies and all("changeTime" in s for s in supplies)
    first = assert_contract(
        api.get(f"/api/stocks/{sid}/movements", params={"include": "orderCode,productGuid,historicalProductGuid,"
                                                                   "sumAmount", "itemsPerPage": 1000}),
        "GET", "/api/stocks/{stockId}/movements")["data"]
    movements = first["movements"]
    for page in range(2, first["paginator"]["pageCount"] + 1):
        movements += api.get(f"/api/stocks/{sid}/movements",
                             params={"itemsPerPage": 1000, "page": page}).json()["data"]["movements"]
    assert len(movements) == first["paginator"]["totalCount"]
    ids = [m["id"] for m in movements]
    assert ids == sorted(ids)
    after = api.get(f"/api/stocks/{sid}/movements", params={"lastId": ids[-5]}).json()["data"]["movements"]
    assert [m["id"] for m in after] == ids[-4:]
    last = assert_contract(api.get(f"/api/stocks/{sid}/movements/last"), "GET",
                           "/api/stocks/{stockId}/movements/last")["data"]
    assert last["lastId"] == ids[-1]
    # The log is consistent with the supplies: the last movement's actualAmount is the current amount.
    latest = {}
    for m in movements:
        latest[m["productCode"]] = m["actualAmount"]
    current = {s["code"]: s["amount"] for s in supplies}
    assert all(current[code] == value for code, value in latest.items())


def test_stock_not_found(api):
    response = api.get("/api/stocks/999/supplies")
    assert response.status_code == 404
    assert assert_contract(response, "GET", "/api/stocks/{stockId}/supplies")["errors"][0]["errorCode"] == \
        "stock-not-found"


# -- misc -----------------------------------------------------------------------------------

def test_webhook_and_job_lists(api):
    assert_contract(api.get("/api/webhooks"), "GET", "/api/webhooks")
    assert_contract(api.get("/api/webhooks/notifications"), "GET", "/api/webhooks/notifications")
    assert_contract(api.get("/api/system/jobs"), "GET", "/api/system/jobs")
    missing = api.get("/api/system/jobs/zzzzzzz")
    assert missing.status_code == 404
    assert assert_contract(missing, "GET", "/api/system/jobs/{jobId}")["errors"][0]["errorCode"] == "job-not-found"


@pytest.mark.parametrize(("headers", "code"), [
    ({}, "missing-access-token"),
    ({"Shoptet-Access-Token": "300700-a-nonsense"}, "invalid-token"),
    ({"shoptet-private-api-token": "nope"}, "invalid-token"),
])
def test_auth_errors(contract_sandbox, headers, code):
    import httpx

    response = httpx.get(contract_sandbox.url("/api/eshop"), headers=headers, trust_env=False)
    assert response.status_code == 401
    assert assert_contract(response, "GET", "/api/eshop")["errors"][0]["errorCode"] == code


def test_header_name_is_case_insensitive(contract_sandbox):
    import httpx

    token = contract_sandbox.shops[0]["private_token"]
    response = httpx.get(contract_sandbox.url("/api/eshop"), headers={"SHOPTET-PRIVATE-API-TOKEN": token},
                         trust_env=False)
    assert response.status_code == 200
