"""A declared table's page: `/<name>` on the table's blueprint, the whole page or, for htmx, the table alone.

What a page reads: the organization's shops, the settings (cached), one keyset page (one statement; a searched
page a few, app/tables/keyset.py), the row count (none when the first page holds every match; else a bounded
count, cached a minute per set of shops like the form's choices),
a statement per shown column with a per-page hook, and on whole pages the saved views. Nothing per row but
drawing it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, request
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from app.extensions import db
from app.htmx import render_page_or_partial
from app.money.ranking import Ranking, ranking_for
from app.orgs.scoping import can, current_org, current_org_shops, require
from app.settings.cache import settings_cache
from app.tables import queries
from app.tables.args import FilterError, ForeignShop
from app.tables.cache import cached_per_shops
from app.tables.declaration import Table, TableState, parse_state
from app.tables.keyset import BadCursor, Cursor, Sort, decode_cursor


@dataclass(frozen=True)
class TableSettings:
    page_size: int
    zone: ZoneInfo


def table_settings() -> TableSettings:
    values = settings_cache().values(db.session, current_org().id)
    return TableSettings(int(values["table_page_size"]), ZoneInfo(str(values["display_timezone"])))


def request_state(table: Table, args: MultiDict | None = None) -> TableState:
    """The table's state from the query string: 400 for values the form cannot send, 404 for a foreign shop."""
    shop_ids = [shop.id for shop in current_org_shops()]
    try:
        return parse_state(table, request.args if args is None else args, shop_ids)
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


def _row_count(state: TableState, shop_ids: list[int], zone: ZoneInfo, page, cursor: Cursor | None
               ) -> queries.RowCount:
    """The count the page shows: the first page's own rows when they are all there is (free, and exact by
    construction, so "No orders match" never sits under another number), else a bounded count."""
    if cursor is None and page.next_cursor is None:
        return queries.RowCount(len(page.rows), "exact")
    counted = cached_per_shops(f"{state.table.name} count {state.query_string()}", shop_ids,
                               lambda: queries.bounded_count(db.session, state, shop_ids, zone))
    return counted.at_least(len(page.rows) + (1 if page.next_cursor else 0))


def _ranking(state: TableState, shops: list, zone: ZoneInfo) -> Ranking | None:
    """How a sort by an amount in each shop's currency ranks the listed shops (None: one currency)."""
    if not state.table.sorts_by_key[state.sort].in_shop_currency:
        return None
    listed = [shop for shop in shops if state.shop is None or shop.id == state.shop]
    reporting = str(settings_cache().values(db.session, current_org().id)["reporting_currency"] or "") or None
    return ranking_for(db.session, listed, reporting, state.currency, datetime.now(zone).date())


def _page_context(table: Table) -> dict:
    session = db.session
    shops = current_org_shops()
    shop_ids = [shop.id for shop in shops]
    state = request_state(table)
    cursor = parse_cursor(table.name, table.sorts_by_key[state.sort])
    settings = table_settings()
    ranking = _ranking(state, shops, settings.zone)
    listed = ranking.shop_ids if ranking is not None else shop_ids  # one currency's shops, or all (converted)
    page = queries.table_page(session, state, listed, settings.zone, cursor, settings.page_size,
                              scales=ranking.scales if ranking is not None else None)
    query = state.query_string()
    shown = [table.columns_by_key[key] for key in state.columns]
    context = dict(
        table=table, state=state, page=page, shops={shop.id: shop for shop in shops}, zone=settings.zone,
        query=query, count=_row_count(state, listed, settings.zone, page, cursor),
        per_page={column.key: column.per_page(session, shop_ids, page.rows) for column in shown if column.per_page},
        bulk_allowed=table.bulk is not None and can(table.bulk.permission), ranking=ranking,
    )
    if context["bulk_allowed"]:
        context.update(table.bulk.context(session, shop_ids))
    if request.headers.get("HX-Target") != table.target:  # the form around the table, only on full pages
        context.update(
            choices={declared.name: declared.choices(session, shop_ids)
                     for declared in table.filters if declared.choices is not None},
            views=queries.saved_views(session, current_org().id, table.name, current_user.id))
    return context


def add_table_page(bp: Blueprint, table: Table) -> None:
    """Serve `table` at `/<name>` as the `index` endpoint of its blueprint (named like the table)."""
    if bp.name != table.name:
        raise ValueError(f"the {table.name} table's page belongs on a blueprint named {table.name!r}")

    @require("org.view")
    def index():
        return render_table_page("tables/index.html", "tables/_table.html", table.target, **_page_context(table))

    bp.add_url_rule(f"/{table.name}", endpoint="index", view_func=index, methods=["GET"])
