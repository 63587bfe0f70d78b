"""The WordPress REST conventions the API follows: error bodies, argument checks, paging headers.

Errors are `{"code", "message", "data": {"status", ...}}`.  Bad arguments are
collected like WordPress does into one `400 rest_invalid_param` whose
`data.params` maps each argument to what is wrong with it.
"""

from __future__ import annotations

import math
from urllib.parse import urlencode

import orjson
from flask import Response, request

from sandbox.woocommerce.dates import StoreClock

JSON_TYPE = "application/json; charset=UTF-8"
MAX_PER_PAGE = 100


class WooError(Exception):
    def __init__(self, status: int, code: str, message: str, data: dict | None = None,
                 headers: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.data = data or {}
        self.headers = headers or {}

    def body(self) -> dict:
        return {"code": self.code, "message": self.message, "data": {"status": self.status, **self.data}}


def invalid_id(post_type: str, status: int = 404) -> WooError:
    return WooError(status, f"woocommerce_rest_{post_type}_invalid_id", "Invalid ID.")


def json_response(payload, status: int = 200, headers: dict | None = None) -> Response:
    response = Response(orjson.dumps(payload), status=status, content_type=JSON_TYPE)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Access-Control-Expose-Headers"] = "X-WP-Total, X-WP-TotalPages, Link"
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def error_response(exc: WooError) -> Response:
    return json_response(exc.body(), exc.status, exc.headers)


def body() -> dict:
    """The JSON (or form) body of a write, as WordPress merges it into the request's params."""
    raw = request.get_data(cache=True)
    if request.mimetype == "application/x-www-form-urlencoded":
        return {k: v for k, v in request.form.items()}
    if not raw.strip():
        return {}
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError:
        raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.",
                       {"json_error_code": 4, "json_error_message": "Syntax error"}) from None
    if not isinstance(parsed, dict):
        raise WooError(400, "rest_invalid_json", "Invalid JSON body passed.")
    return parsed


class Args:
    """Query arguments checked the WordPress way: collect every problem, then raise once."""

    def __init__(self, source=None):
        self.source = request.args if source is None else source
        self.errors: dict[str, str] = {}

    def raw(self, name: str) -> str | None:
        values = self.source.getlist(name) if hasattr(self.source, "getlist") else [self.source.get(name)]
        values = [v for v in values if v is not None]
        return values[-1] if values else None  # PHP keeps the last of repeated keys

    def int(self, name: str, default: int | None = None, minimum: int | None = None,
            maximum: int | None = None) -> int | None:
        value = self.raw(name)
        if value in (None, ""):
            return default
        try:
            number = int(value)
        except ValueError:
            self.errors[name] = f"{name} is not of type integer."
            return default
        if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
            if maximum is None:
                self.errors[name] = f"{name} must be greater than or equal to {minimum}"
            else:
                self.errors[name] = f"{name} must be between {minimum} (inclusive) and {maximum} (inclusive)"
            return default
        return number

    def bool(self, name: str, default: bool = False) -> bool:
        value = self.raw(name)
        if value in (None, ""):
            return default
        lowered = value.lower()
        if lowered in ("1", "true", "yes"):
            return True
        if lowered in ("0", "false", "no"):
            return False
        self.errors[name] = f"{name} is not of type boolean."
        return default

    def choice(self, name: str, choices: tuple[str, ...], default: str) -> str:
        value = self.raw(name)
        if value in (None, ""):
            return default
        if value not in choices:
            self.errors[name] = f"{name} is not one of {', '.join(choices)}."
            return default
        return value

    def strings(self, name: str) -> tuple[str, ...] | None:
        """A list argument: comma-separated, or repeated as `name[]=`."""
        values = self.source.getlist(f"{name}[]") if hasattr(self.source, "getlist") else []
        single = self.raw(name)
        if single is not None:
            values = [*values, *single.split(",")]
        values = [v.strip() for v in values if v.strip()]
        return tuple(values) if values else None

    def ids(self, name: str) -> tuple[int, ...] | None:
        values = self.strings(name)
        if values is None:
            return None
        try:
            return tuple(int(v) for v in values)
        except ValueError:
            self.errors[name] = f"{name}[0] is not of type integer."
            return None

    def date(self, name: str, clock: StoreClock, gmt: bool) -> int | None:
        value = self.raw(name)
        if value in (None, ""):
            return None
        try:
            return clock.parse(value, gmt)
        except ValueError:
            self.errors[name] = "Invalid date."
            return None

    def text(self, name: str) -> str | None:
        value = self.raw(name)
        return value if value not in (None, "") else None

    def check(self) -> None:
        if self.errors:
            raise WooError(400, "rest_invalid_param", f"Invalid parameter(s): {', '.join(self.errors)}",
                           {"params": dict(self.errors),
                            "details": {k: {"code": "rest_invalid_param", "message": v, "data": None}
                                        for k, v in self.errors.items()}})


class Paging:
    """`page`/`per_page`/`offset` and the headers of a list answer."""

    def __init__(self, args: Args):
        self.page = args.int("page", 1, minimum=1)
        self.per_page = args.int("per_page", 10, minimum=1, maximum=MAX_PER_PAGE)
        offset = args.int("offset", None, minimum=0)
        self.offset = offset if offset is not None else (self.page - 1) * self.per_page

    def headers(self, total: int) -> dict:
        pages = math.ceil(total / self.per_page) if total else 0
        out = {"X-WP-Total": str(total), "X-WP-TotalPages": str(pages)}
        links = []
        if self.page > 1:
            links.append(f'<{_page_url(min(self.page - 1, max(pages, 1)))}>; rel="prev"')
        if pages > self.page:
            links.append(f'<{_page_url(self.page + 1)}>; rel="next"')
        if links:
            out["Link"] = ", ".join(links)
        return out


def _page_url(page: int) -> str:
    params = [(k, v) for k, v in request.args.items(multi=True) if k != "page" and not k.startswith("oauth_")]
    params.append(("page", str(page)))
    return f"{request.base_url}?{urlencode(params)}"
