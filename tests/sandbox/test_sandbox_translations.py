"""Product texts per language: untranslated languages, PATCH ?language= as Shoptet takes it, churn."""

from __future__ import annotations

import gzip
import json

import httpx
import pytest
from sandbox_client import serving
from sandbox_contract import assert_contract

TEXTS = ("name", "shortDescription", "description", "metaDescription", "additionalName", "metaTitle")


@pytest.fixture(scope="module")
def sb(module_receiver):
    hooks = {"job:finished": f"{module_receiver.url}/jobs", "product:update": f"{module_receiver.url}/products"}
    with serving(hooks, seed=41, shops=1, orders=2000, bucket_leak=100000, job_delay=0.05) as handle:
        yield handle


def detail(sb, guid: str, lang: str) -> dict:
    response = sb.client.get(f"/api/products/{guid}", params={"language": lang})
    return assert_contract(response, "GET", "/api/products/{guid}")["data"]


def guids(sb) -> list[str]:
    return [p["guid"] for p in sb.client.get("/api/products", params={"itemsPerPage": 1000}).json()["data"]["products"]]


def snapshot(sb, receiver, lang: str) -> dict[str, dict]:
    job_id = sb.client.get("/api/products/snapshot", params={"language": lang}).json()["data"]["jobId"]
    assert receiver.wait_for(lambda c: json.loads(c["body"])["eventInstance"] == job_id, timeout=30)
    job = sb.client.get(f"/api/system/jobs/{job_id}").json()["data"]["job"]
    lines = gzip.decompress(httpx.get(job["resultUrl"], trust_env=False).content).splitlines()
    return {p["guid"]: p for p in map(json.loads, lines)}


def test_some_products_are_not_translated(sb):
    shop = sb.shops[0]
    other = shop["languages"][1]
    untranslated = translated = 0
    for guid in guids(sb)[:60]:
        product = detail(sb, guid, other)
        if product["name"] is None:
            untranslated += 1
            assert all(product.get(key) is None for key in TEXTS)  # metaTitle is absent: a string when present
            assert detail(sb, guid, shop["default_language"])["name"]  # the default language always has texts
        else:
            translated += 1
            assert all(isinstance(product[key], str) for key in TEXTS)
            assert product["description"].startswith("<h2>")  # HTML
    assert untranslated >= 3 and translated > untranslated
    listed = sb.client.get("/api/products", params={"language": other, "itemsPerPage": 60}).json()["data"]
    assert all(p["name"] for p in listed["products"])  # the list's name is required: default language


def test_patch_writes_one_language_and_snapshots_return_it(sb, module_receiver):
    shop = sb.shops[0]
    default, other = shop["default_language"], shop["languages"][1]
    guid = next(g for g in guids(sb) if detail(sb, g, other)["name"] is None)  # translate an untranslated one
    before_default = detail(sb, guid, default)
    texts = {"name": "Konvička na zalévání", "shortDescription": "<p>Krátce.</p>",
             "description": "<p>Dlouhý <b>popis</b>.</p>", "metaTitle": "Konvička | Zahrada",
             "metaDescription": "Konvička na zalévání skladem.", "additionalName": "2 litry"}
    response = sb.client.patch(f"/api/products/{guid}", params={"language": other}, json={"data": texts})
    written = assert_contract(response, "PATCH", "/api/products/{guid}")["data"]
    assert {k: written[k] for k in TEXTS} == texts
    assert {k: detail(sb, guid, other)[k] for k in TEXTS} == texts
    assert detail(sb, guid, default) | {"changeTime": None} == before_default | {"changeTime": None}
    assert module_receiver.wait_for(lambda c: c["path"] == "/products" and guid.encode() in c["body"])
    changes = sb.client.get("/api/products/changes", params={"from": written["changeTime"]}).json()["data"]
    assert guid in [c["guid"] for c in changes["changes"]]
    in_snapshot = snapshot(sb, module_receiver, other)[guid]
    assert {k: in_snapshot[k] for k in TEXTS} == texts
    assert snapshot(sb, module_receiver, default)[guid]["name"] == before_default["name"]
    # A second PATCH changes only what it sends.
    sb.client.patch(f"/api/products/{guid}", params={"language": other}, json={"data": {"additionalName": None}})
    assert detail(sb, guid, other)["additionalName"] is None and detail(sb, guid, other)["name"] == texts["name"]


@pytest.mark.parametrize(("params", "data", "status"), [
    ({}, {"name": "x" * 251}, 422),
    ({}, {"additionalName": "x" * 151}, 422),
    ({}, {"metaTitle": "x" * 256}, 422),
    ({}, {"metaTitle": ""}, 422),
    ({}, {"name": None}, 422),
    ({}, {"description": 12}, 422),
    ({"language": "xx"}, {"name": "Name"}, 400),
])
def test_patch_text_errors(sb, params, data, status):
    guid = guids(sb)[2]
    before = detail(sb, guid, sb.shops[0]["default_language"])
    response = sb.client.patch(f"/api/products/{guid}", params=params, json={"data": data})
    assert response.status_code == status
    assert_contract(response, "PATCH", "/api/products/{guid}")
    assert detail(sb, guid, sb.shops[0]["default_language"]) == before  # nothing half-written


def test_texts_changed_behind_the_hubs_back(sb, module_receiver):
    eshop_id = sb.shops[0]["eshop_id"]
    other = sb.shops[0]["languages"][1]
    changed = sb.mutate(shop=eshop_id, texts_changed=3, language=other)["texts_changed"]
    assert len(changed) == 3 and all(c["language"] == other for c in changed)
    for change in changed:
        assert "#0" in detail(sb, change["guid"], other)[change["field"]]
        assert module_receiver.wait_for(lambda c, g=change["guid"]: c["path"] == "/products"
                                        and g.encode() in c["body"])
    with pytest.raises(ValueError, match="language"):
        sb.mutate(shop=eshop_id, texts_changed=1, language="xx")
