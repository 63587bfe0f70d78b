"""Shoptet's response envelope, error type and query-parameter parsing.

Every JSON answer is `{"data": ..., "errors": [...]|null, "metadata": {"requestId"}}`
with the same id in `X-Request-ID`; errors carry errorCode/message/instance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import orjson
from flask import Response, g, request

from sandbox.formats import parse_dt

JSON_TYPE = "application/json; charset=utf-8"


class ApiError(Exception):
    """Raised anywhere in a handler; rendered as the Shoptet error envelope."""

    def __init__(self, status: int, code: str, message: str, instance: str = "unknown",
                 more: list[dict] | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.errors = [error(code, message, instance)] + list(more or [])
        self.headers = headers or {}

    @classmethod
    def many(cls, status: int, errors: list[dict]) -> ApiError:
        exc = cls(status, errors[0]["errorCode"], errors[0]["message"], errors[0]["instance"])
        exc.errors = list(errors)
        return exc


def error(code: str, message: str, instance: str = "unknown") -> dict:
    return {"errorCode": code, "message": message, "instance": str(instance)}


def envelope(data=None, errors: list[dict] | None = None, status: int = 200,
             headers: dict | None = None) -> Response:
    body = {"data": data, "errors": errors or None, "metadata": {"requestId": g.request_id}}
    response = Response(orjson.dumps(body), status=status, content_type=JSON_TYPE)
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def error_response(exc: ApiError) -> Response:
    return envelope(None, exc.errors, exc.status, exc.headers)


# -- query parameters -------------------------------------------------------------------

def arg(name: str) -> str | None:
    value = request.args.get(name)
    return value if value not in (None, "") else None


def int_arg(name: str, default: int | None = None) -> int | None:
    value = arg(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ApiError(400, "invalid-parameter", f'Invalid value of parameter "{name}". Integer expected.',
                       name) from None


def bool_arg(name: str) -> bool | None:
    value = arg(name)
    if value is None:
        return None
    lowered = value.lower()
    if lowered in ("1", "true", "yes"):
        return True
    if lowered in ("0", "false", "no"):
        return False
    raise ApiError(400, "invalid-parameter", f'Invalid value of parameter "{name}". Boolean expected.', name)


def dt_arg(name: str, required: bool = False) -> int | None:
    value = request.args.get(name)
    if value is None or value == "":
        if required:
            raise ApiError(400, "missing-parameter", f'Missing value for parameter "{name}".', name)
        return None
    try:
        return parse_dt(value)
    except ValueError:
        # Typical cause: an unencoded '+' in the offset arrives as a space.
        raise ApiError(400, "invalid-parameter",
                       f'Invalid "{name}" parameter. Expected ISO 8601 date time, e.g. '
                       f'"2017-12-12T22:08:01+0100" ("+" must be encoded as "%2B").', name) from None


def list_arg(name: str, maximum: int = 50) -> list[str] | None:
    value = arg(name)
    if value is None:
        return None
    items = [x.strip() for x in value.split(",") if x.strip()]
    if not items:
        raise ApiError(400, "missing-parameter", f'Missing value for parameter "{name}".', name)
    if len(items) > maximum:
        raise ApiError(400, "invalid-parameter",
                       f'Invalid "{name}" parameter. Expected max. {maximum} elements, but {len(items)} given.', name)
    return items


def include_arg() -> frozenset[str]:
    """`include` is comma-separated and case-insensitive; we keep canonical spelling."""
    value = arg("include") or ""
    return frozenset(_CANONICAL.get(x.strip().lower(), x.strip()) for x in value.split(",") if x.strip())


_CANONICAL = {name.lower(): name for name in (
    "notes", "images", "shippingDetails", "stockLocation", "surchargeParameters", "paymentTransactions",
    "productFlags", "variantParameters", "allCategories", "flags", "descriptiveParameters", "measureUnit",
    "setItems", "filteringParameters", "recyclingFee", "consumptionTax", "warranty", "sortVariants", "gifts",
    "alternativeProducts", "relatedProducts", "relatedVideos", "relatedFiles", "perStockAmounts",
    "perPricelistPrices", "orderStatuses", "paymentMethods", "shippingMethods", "imageCuts", "countries",
    "cashDesk", "orderAdditionalFields", "orderCode", "productGuid", "historicalProductGuid", "sumAmount",
    "changeTime",
)}


# -- paging -----------------------------------------------------------------------------

@dataclass
class Page:
    page: int
    per_page: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def paginator(self, total: int, on_page: int) -> dict:
        return {"totalCount": total, "page": self.page, "pageCount": math.ceil(total / self.per_page),
                "itemsOnPage": on_page, "itemsPerPage": self.per_page}

    def check(self, total: int) -> None:
        """A page past the end is an error, not an empty list (UNCERTAIN, per a
        community client that maps `page-not-found`)."""
        pages = math.ceil(total / self.per_page)
        if self.page > max(1, pages):
            raise ApiError(404, "page-not-found", f"Page {self.page} not found, max page is {max(1, pages)}.",
                           "page")


def page_args(default: int, maximum: int) -> Page:
    """`itemsPerPage` above the endpoint maximum is silently clamped (as documented)."""
    page = int_arg("page", 1)
    per_page = int_arg("itemsPerPage", default)
    if page < 1:
        raise ApiError(400, "invalid-parameter", 'Invalid "page" parameter. Minimal value is 1.', "page")
    if per_page < 1:
        raise ApiError(400, "invalid-parameter", 'Invalid "itemsPerPage" parameter. Minimal value is 1.',
                       "itemsPerPage")
    return Page(page, min(per_page, maximum))


def json_body() -> dict:
    """Parse a write body `{"data": ...}`; anything else is a 422 as in Shoptet."""
    raw = request.get_data(cache=True)
    try:
        body = orjson.loads(raw) if raw.strip() else None
    except orjson.JSONDecodeError:
        body = None
    if body is None:
        raise ApiError(422, "invalid-request-data", "Request body is empty or not a valid JSON.", "payload")
    if not isinstance(body, dict) or "data" not in body:
        raise ApiError(422, "invalid-request-data", 'The property "data" is required.', "data")
    return body
