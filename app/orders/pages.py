"""What the orders and customers table pages share in their routes: settings, parsing, rendering, views."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import TypeVar
from zoneinfo import ZoneInfo

from cachetools import TTLCache
from flask import abort, request
from markupsafe import Markup
from sqlalchemy import or_, select

from app.extensions import db
from app.htmx import render_page_or_partial
from app.orders.filters import FilterError, ForeignShop
from app.orders.keyset import BadCursor, Cursor, Sort, decode_cursor
from app.orders.models import SavedView
from app.orgs.scoping import current_org, current_org_shops
from app.settings.cache import settings_cache

T = TypeVar("T")


# Filter-form choices (statuses in use, recent payment and shipping methods, customer groups) and a filter's row
# estimate, per set of shops, kept a minute per process: they change rarely, each costs a statement (and its
# Python) on every page, and a stale one only lists an option, or says "≈ 1.4 M", a minute too long or too late.
CHOICES_TTL_SECONDS = 60
_choices: TTLCache = TTLCache(maxsize=4096, ttl=CHOICES_TTL_SECONDS)
_choices_lock = threading.Lock()


def cached_per_shops(kind: str, shop_ids: list[int], compute: Callable[[], T]) -> T:
    """`compute()` once a minute per `kind` and set of shops (the kind names the filter where it matters)."""
    key = (kind, tuple(sorted(shop_ids)))
    with _choices_lock:
        if key in _choices:
            return _choices[key]
    value = compute()
    with _choices_lock:
        _choices[key] = value
    return value


def forget_cached_per_shops() -> None:
    with _choices_lock:
        _choices.clear()


@dataclass(frozen=True)
class TableSettings:
    page_size: int
    zone: ZoneInfo


def table_settings() -> TableSettings:
    values = settings_cache().values(db.session, current_org().id)
    return TableSettings(int(values["table_page_size"]), ZoneInfo(str(values["display_timezone"])))


def parse_filters(filters_class, args=None):
    """The table's state from the query string: 400 for values the form cannot send, 404 for a foreign shop."""
    shop_ids = [shop.id for shop in current_org_shops()]
    try:
        return filters_class.from_args(request.args if args is None else args, shop_ids)
    except FilterError as exc:
        abort(400, description=str(exc))
    except ForeignShop:
        abort(404)


def parse_cursor(table: str, sort: Sort) -> Cursor | None:
    token = request.args.get("cursor")
    if not token:
        return None
    try:
        return decode_cursor(table, sort, token)
    except BadCursor as exc:
        abort(400, description=str(exc))


def render_table_page(page_template: str, table_template: str, table_id: str, **context):
    """The full page, or only the table when htmx asks for it (filters, search, paging).

    Keyed on HX-Target rather than HX-Request alone: htmx's history restore on a cache miss sends HX-Request
    too, and must get the whole page.
    """
    partial = table_template if request.headers.get("HX-Target") == table_id else page_template
    response = render_page_or_partial(page_template, partial, **context)
    response.vary.add("HX-Target")
    return response


def saved_views(table_name: str, user_id: int) -> list[SavedView]:
    """The user's own views of the table and the ones shared in the organization."""
    return list(db.session.execute(
        select(SavedView).where(SavedView.organization_id == current_org().id, SavedView.table_name == table_name,
                                or_(SavedView.user_id == user_id, SavedView.shared.is_(True)))
        .order_by(SavedView.name, SavedView.id)
    ).scalars())


# --- template filters (plain functions: a macro call per cell costs ten times more on a 50-row table) --------

def local_time(value: datetime | None, zone: ZoneInfo, fmt: str = "%Y-%m-%d %H:%M") -> Markup:
    if value is None:
        return Markup("")
    # Both parts are digits and punctuation (no escaping needed); Markup.format cost a fifth of a table's rendering.
    return Markup(f'<time datetime="{value.isoformat()}">{value.astimezone(zone).strftime(fmt)}</time>')  # noqa: S704


def money(value: Decimal | None, currency: str | None = "") -> str:
    if value is None:
        return ""
    text = f"{value:,.2f}".replace(",", "\u202f")  # a narrow no-break space between thousands
    return f"{text} {currency}" if currency else text


def yes_no(value: bool | None) -> str:
    return "–" if value is None else ("yes" if value else "no")


TEMPLATE_FILTERS = {"local_time": local_time, "money": money, "yes_no": yes_no}


def round_estimate(value: int) -> str:
    """A planner estimate said as what it is: roughly."""
    if value < 1000:
        return f"{value}"
    if value < 1_000_000:
        return f"{value / 1000:.0f} k" if value >= 10_000 else f"{value / 1000:.1f} k"
    return f"{value / 1_000_000:.1f} M"
