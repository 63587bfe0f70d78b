"""Input from the outside, checked at the edge: one place per kind of value, so nothing the database cannot
hold (a NUL byte, an id past bigint, a number past numeric's range, a date past the calendar's end) ever
reaches a query and answers 500.

- Path ids: the `int` URL converter is replaced by one bounded to PostgreSQL's bigint, so `/orders/<id>` with
  an id that cannot exist answers 404 (no row can have it) without a query.
- Query-string and form values: the parsers below raise `InputError`, which the app answers with 400 and the
  message on the normal error page (`register_input_errors`). Table filters (app/tables/args.py), forms and
  routes call them instead of `int()` / `Decimal()` / `date.fromisoformat()`.
- NUL bytes anywhere in the path, the query string or a form answer 400 before any view runs
  (`reject_nul_bytes`): PostgreSQL text cannot store them, and no form of ours sends them.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import Flask, abort, request
from flask_babel import gettext as _
from werkzeug.routing import IntegerConverter

from app.formats import parse_day

MAX_ID = 2**63 - 1  # PostgreSQL bigint: every id column
MAX_INT = 2**31 - 1  # PostgreSQL integer: counts, status ids
MIN_INT = -(2**31)
MAX_AMOUNT = Decimal("1e15")  # money filters: beyond any shop's order, within numeric's exact range
_LARGEST_AMOUNT = f"{MAX_AMOUNT:,.0f}"
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)  # a day filter's end is the next midnight: 9999-12-31 has none
_WHOLE_NUMBER = re.compile(r"-?[0-9]{1,19}")  # ASCII digits only: str.isdigit() accepts "²", int() does not


class InputError(ValueError):
    """A value from the request the hub cannot use; the message names it and says what to fix (400)."""


class BoundedIdConverter(IntegerConverter):
    """`<int:…>` in every route: ids from 1 to bigint's maximum; anything else is no route (404)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = 1, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def whole_number(raw: str | None, name: str, *, minimum: int = MIN_INT, maximum: int = MAX_INT) -> int | None:
    """An integer written in ASCII digits within [minimum, maximum]; None when empty."""
    value = (raw or "").strip()
    if not value:
        return None
    if not _WHOLE_NUMBER.fullmatch(value):
        raise InputError(_("%(name)s: expected a whole number, got %(value)s.", name=name, value=_shown(value)))
    number = int(value)
    if not minimum <= number <= maximum:
        raise InputError(_("%(name)s: expected a whole number from %(minimum)s to %(maximum)s, got %(value)s.",
                           name=name, minimum=minimum, maximum=maximum, value=_shown(value)))
    return number


def id_number(raw: str | None, name: str) -> int | None:
    """An id (1 … bigint's maximum); None when empty."""
    return whole_number(raw, name, minimum=1, maximum=MAX_ID)


def amount(raw: str | None, name: str) -> Decimal | None:
    """A decimal number (a comma is a decimal point) within ±MAX_AMOUNT, at most 4 decimals kept exact."""
    value = (raw or "").strip().replace(",", ".")
    if not value:
        return None
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise InputError(_("%(name)s: expected a number, got %(value)s.", name=name, value=_shown(value))) from None
    if not number.is_finite() or abs(number) >= MAX_AMOUNT or number.as_tuple().exponent < -4:
        raise InputError(_("%(name)s: expected a number below %(maximum)s with at most 4 decimals, got %(value)s.",
                           name=name, maximum=_LARGEST_AMOUNT, value=_shown(value)))
    return number


def day(raw: str | None, name: str) -> date | None:
    """A calendar day as people type it (`30. 11. 2026`, ISO `2026-11-30`, see app.formats.parse_day), between 1900
    and 2999; None when empty."""
    value = (raw or "").strip()
    if not value:
        return None
    try:
        parsed = parse_day(value) if len(value) <= 40 and not has_control_characters(value) else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise InputError(_("%(name)s: expected a date (30. 11. 2026 or 2026-11-30), got %(value)s.",
                           name=name, value=_shown(value)))
    if not EARLIEST_DATE <= parsed <= LATEST_DATE:
        raise InputError(_("%(name)s: expected a date from %(earliest)s to %(latest)s, got %(value)s.",
                           name=name, earliest=EARLIEST_DATE, latest=LATEST_DATE, value=value))
    return parsed


def text(raw: str | None, name: str, *, max_length: int = 300) -> str | None:
    """Trimmed text without control characters but tab and newline; None when empty."""
    value = (raw or "").strip()
    if len(value) > max_length:
        raise InputError(_("%(name)s: at most %(count)s characters.", name=name, count=max_length))
    if has_control_characters(value):
        raise InputError(_("%(name)s: remove the control characters.", name=name))
    return value or None


def has_control_characters(value: str) -> bool:
    return any(ord(ch) < 32 and ch not in "\t\n\r" or ch == "\x7f" for ch in value)


def _shown(value: str) -> str:
    return repr(value[:40] + ("…" if len(value) > 40 else ""))


# --- at the edge: every request ----------------------------------------------------------------------------

FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def reject_nul_bytes() -> None:
    """400 for a NUL byte in the path, the query string or a form (before_request, before any view)."""
    if "\x00" in request.path:
        abort(400, description=_("The address contains a NUL character; remove it."))
    for key, value in request.args.items(multi=True):
        if "\x00" in key or "\x00" in value:
            abort(400, description=_("%(name)s: the address contains a NUL character; remove it.", name=key))
    if request.mimetype in FORM_TYPES:
        request.get_data(cache=True)  # kept raw first: a signed webhook (WooCommerce's ping) is verified on it
        for key, value in request.form.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400, description=_("%(name)s: the text contains a NUL character; remove it.", name=key))


def limit_body_size() -> None:
    """413 before the body is read: webhooks up to `WEBHOOK_MAX_BYTES`, everything else (forms) up to
    `MAX_CONTENT_LENGTH`. A body without Content-Length (chunked) is cut off at the same limit while read."""
    from flask import current_app

    if request.blueprint == "webhooks":
        request.max_content_length = current_app.config["WEBHOOK_MAX_BYTES"]
    limit = request.max_content_length
    if limit is not None and request.content_length is not None and request.content_length > limit:
        abort(413, description=_("The request body is larger than %(size)s KB; the hub accepts no more here.",
                                 size=limit // 1024))


def register_inputs(app: Flask) -> None:
    """The bounded id converter (before any route is added), body limits, the NUL check and the 400 answer."""
    app.url_map.converters["int"] = BoundedIdConverter
    app.before_request(limit_body_size)
    app.before_request(reject_nul_bytes)

    @app.errorhandler(InputError)
    def _input_error(exc: InputError):
        from app.core.routes import render_error

        return render_error(400, str(exc))
