"""Validate WooCommerce sandbox answers against the OpenAPI documents in `../shared/woocommerce/openapi/`.

Orders, customers, products and variations use the hand-written wtx-labs document
(WooCommerce publishes none); webhooks and refunds, which it lacks, use the
generated 3.0.x document.  Both are OpenAPI 3.0 (`nullable`), validated with
openapi-schema-validator.  The documents are read from `../shared/`, never copied.

Where the API notes (and WooCommerce's code) say the documents are wrong, the
schema is patched here, each patch with its reason (DEVIATIONS); everything
else must validate as written.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from sandbox_contract import _str_keys

SHARED = Path(__file__).resolve().parents[3] / "shared" / "woocommerce" / "openapi"
HAND_WRITTEN = SHARED / "wtx-labs-woocommerce-rest-api-openapi-specification.yml"
GENERATED = SHARED / "woocommerce-openapi-3.0.x.yml"
URIS = {HAND_WRITTEN: "urn:woo:wtx", GENERATED: "urn:woo:generated"}

# (document, schema, property, patch, reason)
DEVIATIONS = (
    (HAND_WRITTEN, "Order", ("date_paid", "date_paid_gmt", "date_completed", "date_completed_gmt"),
     {"nullable": True}, "notes §1: an unset date is null (unpaid / not completed orders)"),
    (HAND_WRITTEN, "Product", ("date_on_sale_from", "date_on_sale_from_gmt", "date_on_sale_to",
                               "date_on_sale_to_gmt", "stock_quantity"),
     {"nullable": True}, "notes §1/§7: unset dates are null; stock_quantity is null unless manage_stock"),
    (HAND_WRITTEN, "ProductVariation", ("date_on_sale_from", "date_on_sale_from_gmt", "date_on_sale_to",
                                        "date_on_sale_to_gmt", "stock_quantity", "image"),
     {"nullable": True}, "as for products; a variation without an image has image null"),
    (HAND_WRITTEN, "OrderLineItem", ("parent_name",), {"nullable": True},
     "parent_name is null for a simple product (WooCommerce's order item schema)"),
    (HAND_WRITTEN, "OrderTaxLine", ("rate_id",), {"type": "integer"},
     "WooCommerce returns the tax rate id as an integer (docs' own examples); the document says string"),
    (HAND_WRITTEN, "MetaData", ("value", "display_value"), {"type": None, "properties": None},
     "notes §11.4: meta values can be any JSON type, not only objects"),
)
# Creates answer 201 (WooCommerce's CRUD controller); the hand-written document says 200 for customers.
CREATED_AS = {"201": ("201", "200")}


@cache
def document(path: Path) -> dict:
    with open(path, encoding="utf-8") as handle:
        spec = _str_keys(yaml.load(handle, Loader=yaml.CSafeLoader))
    for doc, schema, properties, patch, _reason in DEVIATIONS:
        if doc != path:
            continue
        target = spec["components"]["schemas"][schema]["properties"]
        for name in properties:
            for key, value in patch.items():
                if value is None:
                    target[name].pop(key, None)
                else:
                    target[name][key] = value
    return spec


@cache
def _registry() -> Registry:
    registry = Registry()
    for path, uri in URIS.items():
        registry = registry.with_resource(uri, Resource(contents=document(path), specification=DRAFT4))
    return registry


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def _pointer_errors(instance, uri: str, pointer: str) -> list[str]:
    validator = OAS30Validator({"$ref": f"{uri}#{pointer}"}, registry=_registry())
    errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errors[:10]]


def assert_schema(instance, component: str, path: Path = HAND_WRITTEN) -> None:
    problems = _pointer_errors(instance, URIS[path], f"/components/schemas/{component}")
    assert not problems, f"{component} violations:\n" + "\n".join(problems)


def assert_contract(response, method: str, path: str, spec: Path = HAND_WRITTEN):
    """Check one httpx response of `method path` (the document's path template, e.g. `/orders/{orderId}`).

    A declared status validates against its schema; an undeclared error status against the document's
    error shape (wtx-labs `ApiError`).  Returns the parsed body.
    """
    operation = document(spec)["paths"][path][method.lower()]
    status = str(response.status_code)
    body = response.json()
    assert response.headers["content-type"].startswith("application/json")
    declared = next((s for s in CREATED_AS.get(status, (status,)) if s in operation["responses"]), None)
    content = operation["responses"].get(declared, {}).get("content") if declared else None
    if content:
        pointer = f"/paths/{_escape(path)}/{method.lower()}/responses/{declared}/content/application~1json/schema"
        problems = _pointer_errors(body, URIS[spec], pointer)
    else:
        assert response.status_code >= 400, f"undeclared success status {status} for {method} {path}"
        problems = _pointer_errors(body, URIS[HAND_WRITTEN], "/components/schemas/ApiError")
    assert not problems, f"{method} {path} -> {status} violates the document:\n" + "\n".join(problems)
    if response.status_code >= 400:
        assert set(body) >= {"code", "message", "data"} and body["data"]["status"] == response.status_code, body
    return body
