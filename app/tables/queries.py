"""Reads of a declared table: its keyset page, its row estimate, its export's batches, and its saved views.

A page walks one index range per *branch*: per shop, the sort's index `(shop_id, sort column, id)`; with an
`AnyOf` filter the sort splits by (its `Sort.split`, e.g. a status under newest / oldest), per shop and
chosen value, the index `(shop_id, filter column, sort column, id)`. Other filters are checked on the rows
the walk reads; a search walks a bounded window first and asks the search indexes where the term is rare
(app/tables/keyset.py), and so does a filter declared `may_be_rare` under a sort that does not `serve` it.
Counts are exact up to a bound (`bounded_count`: "176", "more than 10 000"), read under a time limit; past
it, the planner's estimate, said as one ("about 74 000").
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, text
from sqlalchemy.exc import OperationalError
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


def conditions(state: TableState, zone: ZoneInfo, split: Filter | None = None,
               apart: tuple[Filter, ...] = ()) -> list[ColumnElement]:
    """Every filter's condition but the splitting one's (the branches carry it) and those kept `apart`."""
    where: list[ColumnElement] = list(state.table.always)
    for declared in state.table.filters:
        if declared is not split and declared not in apart:
            where += declared.where(state.values[declared.name], zone)
    return where


def search_of(state: TableState) -> ColumnElement | None:
    return state.table.search.condition(state.q) if state.q else None


def rare_filters(state: TableState, zone: ZoneInfo) -> tuple[Filter, ...]:
    """The set filters that may be rare and that the sort's index does not lead with: a plain walk of the sort's
    index could read a whole shop to find a page of them (customers with a CLV over 1 000 under the newest sort),
    so the walk treats them as a search does: a bounded window, then their own indexes (app/tables/keyset.py)."""
    serves = state.table.sorts_by_key[state.sort].serves
    return tuple(declared for declared in state.table.filters
                 if declared.may_be_rare and declared.name not in serves
                 and declared.where(state.values[declared.name], zone))


def walked_search(state: TableState, zone: ZoneInfo, rare: tuple[Filter, ...]) -> ColumnElement | None:
    """The search term and the rare filters: what the bounded walk looks for."""
    parts = [part for declared in rare for part in declared.where(state.values[declared.name], zone)]
    search = search_of(state)
    if search is not None:
        parts.insert(0, search)
    return and_(*parts) if parts else None


def table_page(session: Session, state: TableState, shop_ids: list[int], zone: ZoneInfo, cursor: Cursor | None,
               size: int, scales: dict[int, Decimal] | None = None) -> Page:
    """`scales` (shop id → factor): the sort's amounts ranked converted into one currency (app/money/ranking.py)."""
    table, split = state.table, _split(state)
    per_branch = None
    if scales:
        values = state.values[split.name] if split is not None else [None]
        per_branch = [scales[shop] for shop in state.shops(shop_ids) for _ in values]
    rare = rare_filters(state, zone)
    return keyset_page(session, table.name, table.row_columns, table.id_column, table.sorts_by_key[state.sort],
                       branches(state, shop_ids, split), conditions(state, zone, split, rare), cursor, size,
                       search=walked_search(state, zone, rare), scales=per_branch)


def estimate(session: Session, state: TableState, shop_ids: list[int], zone: ZoneInfo) -> int:
    """The planner's estimate (an export's progress bar); pages say `bounded_count`."""
    statement = matching(state, shop_ids, zone)
    return 0 if statement is None else estimated_rows(session, statement)


COUNT_BOUND = 10_000  # up to this many rows a page says exactly how many match
COUNT_TIME_LIMIT_MS = 30  # a count that takes longer (a rare filter no index serves) gives way to the estimate
_SET_TIMEOUT = text("SELECT set_config('statement_timeout', :limit, true)")


@dataclass(frozen=True)
class RowCount:
    """How many rows match, as the page says it: exactly, more than the bound, or (past the time limit) about."""

    value: int
    kind: Literal["exact", "more", "about"]

    def at_least(self, seen: int) -> RowCount:
        """Never say fewer rows than the page shows (`seen`: its rows, plus one when there is a next page): a
        count a minute old, or an estimate, gives way to "more than" what is on the page."""
        if self.kind == "more" or self.value >= seen:
            return self
        return RowCount(max(seen - 1, 0), "more")


def matching(state: TableState, shop_ids: list[int], zone: ZoneInfo) -> Select | None:
    """The ids of every row the table's filters and search match (None: no shop to list)."""
    shops = state.shops(shop_ids)
    if not shops:
        return None
    table = state.table
    statement = select(table.id_column).where(table.shop_column.in_(shops), *conditions(state, zone))
    search = search_of(state)
    return statement if search is None else statement.where(search)


def bounded_count(session: Session, state: TableState, shop_ids: list[int], zone: ZoneInfo,
                  bound: int | None = None, time_limit_ms: int | None = None) -> RowCount:
    """COUNT over at most `bound` + 1 rows, in a savepoint with a statement timeout: exact when the answer is
    small, "more than `bound`" when it is not, the planner's estimate when counting would be slow."""
    bound = COUNT_BOUND if bound is None else bound
    time_limit_ms = COUNT_TIME_LIMIT_MS if time_limit_ms is None else time_limit_ms
    statement = matching(state, shop_ids, zone)
    if statement is None:
        return RowCount(0, "exact")
    counting = select(func.count()).select_from(statement.limit(bound + 1).subquery("counted"))
    try:
        with session.begin_nested():
            before = session.execute(text("SELECT current_setting('statement_timeout'), "
                                          "set_config('statement_timeout', :limit, true)"),
                                     {"limit": str(time_limit_ms)}).scalar_one()
            counted = session.execute(counting).scalar_one()
            session.execute(_SET_TIMEOUT, {"limit": before})
    except OperationalError as exc:  # QueryCanceled: the savepoint's rollback restored the timeout
        if getattr(exc.orig, "sqlstate", None) != "57014":
            raise
        return RowCount(estimated_rows(session, statement), "about")
    return RowCount(bound, "more") if counted > bound else RowCount(counted, "exact")


def export_batches(session: Session, state: TableState, shop_ids: list[int], zone: ZoneInfo,
                   batch_size: int = 2000) -> Iterator[list]:
    """The filter's rows, shop by shop in keyset batches: memory stays flat whatever the row count."""
    table = state.table
    rare = rare_filters(state, zone)
    where, search, sort = conditions(state, zone, apart=rare), walked_search(state, zone, rare), \
        table.sorts_by_key[state.sort]
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
