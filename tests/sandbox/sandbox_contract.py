"""Validate sandbox responses against the official Shoptet OpenAPI 3.1 spec.

The spec lives outside the repo (`../shared/shoptet/openapi.yaml` next to the
checkout); it is loaded once per test session.  OpenAPI 3.1 schemas are JSON
Schema 2020-12, so jsonschema's Draft202012Validator resolves their `$ref`s through
a referencing registry that holds the whole document.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

SHARED = Path(__file__).resolve().parents[3] / "shared" / "shoptet"
SPEC_PATH = SHARED / "openapi.yaml"
POSTMAN_PATH = SHARED / "postman_collection.json"
URI = "urn:shoptet:openapi"

# Used for error statuses the spec does not declare for an operation (401, 429, ...).
ERROR_ENVELOPE = {
    "type": "object",
    "additionalProperties": False,
    "required": ["data", "errors", "metadata"],
    "properties": {
        "data": {"type": "null"},
        "errors": {"allOf": [{"$ref": f"{URI}#/components/schemas/Errors"}], "type": "array", "minItems": 1},
        "metadata": {"$ref": f"{URI}#/components/schemas/Metadata"},
    },
}


def _str_keys(node):
    # YAML gives status codes as ints in some operations; JSON pointers need strings.
    if isinstance(node, dict):
        return {str(k): _str_keys(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_str_keys(v) for v in node]
    return node


@cache
def spec() -> dict:
    with open(SPEC_PATH, encoding="utf-8") as handle:
        return _str_keys(yaml.load(handle, Loader=yaml.CSafeLoader))


@cache
def _registry() -> Registry:
    return Registry().with_resource(URI, Resource(contents=spec(), specification=DRAFT202012))


@cache
def _validator(pointer: str) -> Draft202012Validator:
    return Draft202012Validator({"$ref": f"{URI}#{pointer}"}, registry=_registry())


def _escape(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def schema_errors(instance, pointer: str) -> list[str]:
    errors = sorted(_validator(pointer).iter_errors(instance), key=lambda e: list(e.absolute_path))
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}" for e in errors[:10]]


def assert_schema(instance, component: str) -> None:
    problems = schema_errors(instance, f"/components/schemas/{component}")
    assert not problems, f"{component} violations:\n" + "\n".join(problems)


def assert_contract(response, method: str, path: str) -> dict:
    """Check one httpx response against the spec operation `method path`.

    Declared statuses validate against their schema; undeclared error statuses
    against the generic error envelope.  Returns the parsed body.
    """
    operation = spec()["paths"][path][method.lower()]
    status = str(response.status_code)
    body = response.json()
    assert response.headers["X-Request-ID"] == body["metadata"]["requestId"]
    assert "X-RateLimit-Bucket-Filling" in response.headers
    assert response.headers["content-type"].startswith("application/json")
    if status in operation["responses"]:
        pointer = f"/paths/{_escape(path)}/{method.lower()}/responses/{status}/content/application~1json/schema"
        problems = schema_errors(body, pointer)
    else:
        assert response.status_code >= 400, f"undeclared success status {status} for {method} {path}"
        problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
                    for e in Draft202012Validator(ERROR_ENVELOPE, registry=_registry()).iter_errors(body)]
    assert not problems, f"{method} {path} -> {status} violates the spec:\n" + "\n".join(problems)
    if response.status_code >= 400:
        assert body["data"] is None and body["errors"], body
    return body
