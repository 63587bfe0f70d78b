"""Reads of a declared table: its keyset page, its row estimate, its export's batches, and its saved views.

A page walks one index range per *branch*: per shop, the sort's index `(shop_id, sort column, id)`; with an
`AnyOf` filter the sort splits by (its `Sort.split`, e.g. a status under newest / oldest), per shop and
chosen value, the index `(shop_id, filter column, sort column, id)`. Other filters are checked on the rows
the walk reads; a search walks a bounded window first and asks the search indexes where the term is rare
(app/tables/keyset.py). Counts are the planner's estimate, never COUNT(*).
"""

from __future__ import annotations

from collections.abc import Iterator
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from app.tables.declaration import TableState
from app.tables.filters import Filter
from app.tables.keyset import Cursor, Page, estimated_rows, keyset_page
from app.tables.models import SavedView

MAX_SPLIT_VALUES = 8  # beyond this many values, one branch per shop and the filter as a row condition


def _split(state: TableState) -> Filter | None:
    """The filter whose values split each shop's walk under this sort, if its values are few enough."""
    for name in state.table.sorts_by_key[state.sort].split:
        values = state.values[name]
        if values and len(values) <= MAX_SPLIT_VALUES:
            return state.table.filter(name)
    return None


def branches(state: TableState, shop_ids: list[int], split: Filter | None) -> list[list[ColumnElement]]:
    shop_column = state.table.shop_column
    if split is None:
        return [[shop_column == shop] for shop in state.shops(shop_ids)]
    return [[shop_column == shop, split.column == value]
            for shop in state.shops(shop_ids) for value in state.values[split.name]]


def conditions(state: TableState, zone: ZoneInfo, split: Filter | None = None) -> list[ColumnElement]:
    """Every filter's condition but the splitting one's (the branches carry it)."""
    where: list[ColumnElement] = list(state.table.always)
    for declared in state.table.filters:
        if declared is not split:
            where += declared.where(state.values[declared.name], zone)
    return where


def search_of(state: TableState) -> ColumnElement | None:
    return state.table.search.condition(state.q) if state.q else None


def table_page(session: Session, state: TableState, shop_ids: list[int], zone: ZoneInfo, cursor: Cursor | None,
               size: int) -> Page:
    table, split = state.table, _split(state)
    return keyset_page(session, table.name, table.row_columns, table.id_column, table.sorts_by_key[state.sort],
                       branches(state, shop_ids, split), conditions(state, zone, split), cursor, size,
                       search=search_of(state))


def estimate(session: Session, state: TableState, shop_ids: list[int], zone: ZoneInfo) -> int:
    shops = state.shops(shop_ids)
    if not shops:
        return 0
    table = state.table
    statement = select(table.id_column).where(table.shop_column.in_(shops), *conditions(state, zone))
    search = search_of(state)
    return estimated_rows(session, statement if search is None else statement.where(search))


def export_batches(session: Session, state: TableState, shop_ids: list[int], zone: ZoneInfo,
                   batch_size: int = 2000) -> Iterator[list]:
    """The filter's rows, shop by shop in keyset batches: memory stays flat whatever the row count."""
    table = state.table
    where, search, sort = conditions(state, zone), search_of(state), table.sorts_by_key[state.sort]
    for shop_id in state.shops(shop_ids):
        cursor = None
        while True:
            page = keyset_page(session, table.name, table.row_columns, table.id_column, sort,
                               [[table.shop_column == shop_id]], where, cursor, batch_size, search=search)
            if page.rows:
                yield page.rows
            if page.next_cursor is None:
                break
            last = page.rows[-1]
            cursor = Cursor(False, getattr(last, sort.column.key), getattr(last, table.id_column.key))


def saved_views(session: Session, org_id: int, table_name: str, user_id: int) -> list[SavedView]:
    """The user's own views of the table and the ones shared in the organization."""
    return list(session.execute(
        select(SavedView).where(SavedView.organization_id == org_id, SavedView.table_name == table_name,
                                or_(SavedView.user_id == user_id, SavedView.shared.is_(True)))
        .order_by(SavedView.name, SavedView.id)
    ).scalars())
