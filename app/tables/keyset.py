"""Keyset pages over tables keyed by shop (orders, customers, ...): any page costs what the first costs.

A page is the UNION ALL of one small index range scan per *branch* (a shop, or a shop and a status: the
equality prefix of a composite index such as `(shop_id, creation_time, id)`), each limited to `size + 1`
rows, merged and limited again. So a page of an organization with three shops reads at most
3 × (size + 1) index entries, wherever in the table it starts.

Sort columns may be NULL (a customer without orders has no last order): NULLs come last in the forward
direction, and rows are walked in two segments, the values, then the NULLs (by id), each of them an
index range of its own. The cursor is signed (itsdangerous), so a tampered or foreign one is refused.

Amounts in each shop's own currency are ranked across shops in one currency by a factor per branch
(`scales`: the reporting currency's rate, app/money/rates.py): each branch still walks its index (a positive
factor keeps its order), the merge orders by the converted value, and the cursor holds that value; a branch's
bound is the exact converted comparison plus the index range it implies.

A searched page cannot trust the planner to choose between walking the sort index and asking the search
indexes: its statistics are the whole table's, and a name common in one shop may not occur in another. It
walks a bounded window first and asks the search indexes only where the term turned out rare
(`_searched_rows`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation
from typing import Any

import orjson
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import ColumnElement, Numeric, Select, literal, select, text, tuple_, union_all
from sqlalchemy import column as sql_column
from sqlalchemy.orm import Session

VALUE_SEGMENT, NULL_SEGMENT = "value", "null"
PART_LABEL = "keyset_part"  # which part (index range) of the page a row came from
SCALED_LABEL = "keyset_scaled"  # the sort value converted by the branch's factor (ranking across currencies)
BOUND_PLACES = Decimal("1E-12")
SEARCH_WINDOW = 2000  # rows of the sort index a searched page walks first
DENSE_SEARCH_HITS = 10  # hits in that first walk that make a longer walk cheaper than the search indexes
MAX_SEARCH_WALK = 40_000  # the longest walk a searched page makes before asking the search indexes


class BadCursor(ValueError):
    """A cursor that was not made by this hub for this sort (tampered, truncated, or another table's)."""


@dataclass(frozen=True)
class Sort:
    """One order of a table, and the index its walk reads.

    `index` is `(shop_id, column, id)`; `split` names, per filter, the index `(shop_id, <the filter's column>,
    column, id)` that lets the walk take one branch per shop and filter value (see app/tables/queries.py).
    tests/tables/test_declarations.py checks that every named index exists with exactly those columns.
    """

    key: str
    label: str
    column: Any  # the mapped column the index orders by, after the branch's equality prefix
    descending: bool
    parse: Callable[[str], Any]  # cursor text → value (datetime.fromisoformat, Decimal, int)
    nullable: bool = False
    index: str = ""
    split: Mapping[str, str] = field(default_factory=dict)
    # Filters that may be rare (`Filter.may_be_rare`) whose rows this sort's walk reaches directly anyway: the
    # planner walks an index that leads with them, e.g. (shop_id, segment, clv, id) for a segment under the
    # CLV sort. The others are searched like a search term (app/tables/queries.py).
    serves: tuple[str, ...] = ()
    # An amount in each shop's base currency: across shops of different currencies it is ranked through the
    # reporting currency, or one currency at a time (app/money/ranking.py), never as raw numbers.
    in_shop_currency: bool = False


@dataclass(frozen=True)
class Cursor:
    backward: bool  # True: the page *before* this position (the "previous" link)
    value: Any
    row_id: int


@dataclass
class Page:
    rows: list
    next_cursor: str | None
    prev_cursor: str | None


def _serializer(table: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"keyset-cursor:{table}")


def _value_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def encode_cursor(table: str, sort: Sort, cursor: Cursor) -> str:
    payload = [sort.key, int(cursor.backward), _value_text(cursor.value), cursor.row_id]
    return _serializer(table).dumps(payload)


def decode_cursor(table: str, sort: Sort, token: str) -> Cursor:
    try:
        sort_key, backward, value, row_id = _serializer(table).loads(token)
    except (BadSignature, ValueError, TypeError) as exc:
        raise BadCursor("This page link is not valid; start again from the first page.") from exc
    if sort_key != sort.key or not isinstance(row_id, int) or backward not in (0, 1):
        raise BadCursor("This page link belongs to another sort order; start again from the first page.")
    try:
        parsed = None if value is None else sort.parse(value)
    except (ValueError, TypeError, InvalidOperation) as exc:
        raise BadCursor("This page link is not valid; start again from the first page.") from exc
    return Cursor(bool(backward), parsed, row_id)


def parse_decimal(value: str) -> Decimal:
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError("not a finite number")
    return number


def _segments(sort: Sort, cursor: Cursor | None) -> list[tuple[str, bool]]:
    """The segments to read in walking order, each with whether the cursor bounds it.

    Forward the order is values, then NULLs; backward it is reversed. The segment the cursor sits in is
    bounded by it, those after it are read whole, those before it not at all.
    """
    order = [VALUE_SEGMENT, NULL_SEGMENT] if sort.nullable else [VALUE_SEGMENT]
    if cursor is not None and cursor.backward:
        order.reverse()
    if cursor is None:
        return [(segment, False) for segment in order]
    start = order.index(NULL_SEGMENT if cursor.value is None else VALUE_SEGMENT)
    return [(segment, index == start) for index, segment in enumerate(order) if index >= start]


def search_window(size: int) -> int:
    """Rows of the sort index a searched page walks before asking the search indexes (more for export batches)."""
    return max(SEARCH_WINDOW, 20 * (size + 1))


class _PageQuery:
    """The statements of one page: one index range per *part* (a branch and a segment), merged."""

    def __init__(self, columns: Sequence, id_column, sort: Sort, cursor: Cursor | None, size: int,
                 scales: Sequence[Decimal] | None = None):
        self.columns, self.id_column, self.sort, self.cursor, self.size = columns, id_column, sort, cursor, size
        self.backward = cursor is not None and cursor.backward
        self.ascending = sort.descending == self.backward
        self.scales = scales
        if scales is not None and sort.nullable:
            raise ValueError("a scaled sort needs a column without NULLs")
        self.value_key = SCALED_LABEL if scales is not None else sort.column.key
        self.part_scales: list[Decimal | None] = []
        # The columns by name, for selects over a subquery of the parts: plain `column()` clauses, since
        # building a subquery's `.c` collection for every part cost more than running the walk.
        self.names = {column.key: sql_column(column.key, column.type) for column in columns}
        if scales is not None:
            self.names[SCALED_LABEL] = sql_column(SCALED_LABEL, Numeric())

    def _selected(self, number: int) -> list:
        scale = self.part_scales[number] if self.scales is not None else None
        if scale is None:
            return list(self.columns)
        return [*self.columns, (self.sort.column * literal(scale, Numeric())).label(SCALED_LABEL)]

    def _scaled_bound(self, scale: Decimal) -> list[ColumnElement]:
        """Rows past the cursor in converted terms: exactly (the tuple), and the index range that implies."""
        sort, cursor, id_column = self.sort, self.cursor, self.id_column
        position = tuple_(sort.column * literal(scale, Numeric()), id_column)
        bound = tuple_(literal(cursor.value, Numeric()), literal(cursor.row_id, id_column.type))
        unscaled = cursor.value / scale
        if self.ascending:
            return [position > bound, sort.column >= unscaled.quantize(BOUND_PLACES, rounding=ROUND_FLOOR)]
        return [position < bound, sort.column <= unscaled.quantize(BOUND_PLACES, rounding=ROUND_CEILING)]

    def parts(self, branches: Sequence[Sequence[ColumnElement]]) -> list[list[ColumnElement]]:
        sort, cursor, id_column = self.sort, self.cursor, self.id_column
        parts = []
        for number, branch in enumerate(branches):
            for segment, bounded in _segments(sort, cursor):
                scale = self.scales[number] if self.scales is not None else None
                self.part_scales.append(scale)
                where = list(branch)
                if segment == NULL_SEGMENT:
                    where.append(sort.column.is_(None))
                    if bounded:
                        where.append(id_column > cursor.row_id if self.ascending else id_column < cursor.row_id)
                else:
                    if sort.nullable:
                        where.append(sort.column.is_not(None))
                    if bounded and scale is not None:
                        where += self._scaled_bound(scale)
                    elif bounded:
                        position = tuple_(sort.column, id_column)
                        bound = tuple_(literal(cursor.value, sort.column.type),
                                       literal(cursor.row_id, id_column.type))
                        where.append(position > bound if self.ascending else position < bound)
                parts.append(where)
        return parts

    def _order(self, value, row_id) -> tuple:
        # NULL rows are ordered by (column, id) too: the column is NULL throughout, and the index order stays usable.
        return (value.asc(), row_id.asc()) if self.ascending else (value.desc(), row_id.desc())

    def part_select(self, part: list, conditions: Sequence[ColumnElement], number: int) -> Select:
        return (select(*self._selected(number), literal(number).label(PART_LABEL)).where(*part, *conditions)
                .order_by(*self._order(self.sort.column, self.id_column)).limit(self.size + 1))

    def walk_select(self, part: list, conditions: Sequence[ColumnElement], search: ColumnElement,
                    number: int, window_rows: int) -> Select:
        """The part's search hits among its first `window_rows` rows in sort order (a bounded walk of the sort
        index: the subquery's LIMIT stops the walk whatever the planner thinks of the term)."""
        window = (select(*self._selected(number), search.label("search_hit")).where(*part, *conditions)
                  .order_by(*self._order(self.sort.column, self.id_column))
                  .limit(window_rows).subquery("window"))
        names = self.names
        value, row_id = names[self.value_key], names[self.id_column.key]
        return (select(*names.values(), literal(number).label(PART_LABEL)).select_from(window)
                .where(sql_column("search_hit").is_(True)).order_by(*self._order(value, row_id))
                .limit(self.size + 1))

    def merged(self, selects: list[Select]) -> Select:
        """The parts' rows in walking order, size + 1 of them (to know whether there is more)."""
        merged = (selects[0] if len(selects) == 1 else union_all(*selects)).subquery("page")
        value, row_id = self.names[self.value_key], self.names[self.id_column.key]
        value_order, id_order = self._order(value, row_id)
        value_order = value_order.nulls_first() if self.backward else value_order.nulls_last()
        return (select(*self.names.values(), sql_column(PART_LABEL)).select_from(merged)
                .order_by(value_order, id_order).limit(self.size + 1))

    def in_walking_order(self, rows: list) -> list:
        key, row_id = self.value_key, self.id_column.key
        values = sorted((row for row in rows if getattr(row, key) is not None),
                        key=lambda row: (getattr(row, key), getattr(row, row_id)), reverse=not self.ascending)
        nulls = sorted((row for row in rows if getattr(row, key) is None),
                       key=lambda row: getattr(row, row_id), reverse=not self.ascending)
        return (nulls + values if self.backward else values + nulls)[: self.size + 1]


@contextmanager
def _search_indexes_only(session: Session):
    """Plan the next statement with bitmap scans only, so the search indexes (trigram, prefix) find a term's
    few rows directly; the planner, estimating from table-wide statistics, might instead walk the sort index
    through a whole shop that holds none of them."""
    before = session.execute(text("SELECT current_setting('enable_indexscan'), "
                                  "current_setting('enable_indexonlyscan'), current_setting('enable_seqscan')")).one()
    switch = text("SELECT set_config('enable_indexscan', :a, true), set_config('enable_indexonlyscan', :b, true), "
                  "set_config('enable_seqscan', :c, true)")
    session.execute(switch, {"a": "off", "b": "off", "c": "off"})
    try:
        yield
    finally:
        session.execute(switch, dict(zip("abc", before, strict=True)))


def _walk(session: Session, query: _PageQuery, parts: dict[int, list], windows: dict[int, int],
          conditions: Sequence[ColumnElement], search: ColumnElement) -> dict[int, list]:
    """Each part's hits within its window, in one statement."""
    walks = [query.walk_select(parts[number], conditions, search, number, windows[number]) for number in windows]
    hits: dict[int, list] = {number: [] for number in windows}
    for row in session.execute(walks[0] if len(walks) == 1 else union_all(*walks)).all():
        hits[getattr(row, PART_LABEL)].append(row)
    return hits


def _searched_rows(session: Session, query: _PageQuery, parts: list, conditions: Sequence[ColumnElement],
                   search: ColumnElement) -> list:
    """A searched page, robust to terms whose frequency differs by shop (the planner's statistics are the
    whole table's, so it may walk a shop that holds none of a term's rows from end to end).

    1. A bounded walk of each part's sort index: a common term fills the page right there.
    2. Where the term was seen often enough to be worth it, a longer walk, sized by the density seen.
    3. Elsewhere the term is rare (or the part small): its rows are fetched through the search indexes and
       sorted, which costs what its few rows cost. Walking reads the heap in index order (cheap, neighbouring
       rows), the search indexes read it row by row (dear), hence the order of the attempts.
    """
    pending = dict(enumerate(parts))
    rows: list = []
    first_window = search_window(query.size)
    windows = {number: first_window for number in pending}
    for attempt in (1, 2):
        hits = _walk(session, query, pending, windows, conditions, search)
        for number, part_rows in hits.items():
            if len(part_rows) > query.size:
                rows += part_rows
                del pending[number]
        if attempt == 1:
            windows = {number: min(MAX_SEARCH_WALK, 2 * (query.size + 1) * first_window // len(hits[number]))
                       for number in pending if len(hits[number]) >= DENSE_SEARCH_HITS}
            if not windows:
                break
    if pending:
        with _search_indexes_only(session):
            rows += session.execute(query.merged(
                [query.part_select(part, [*conditions, search], number) for number, part in pending.items()])).all()
    return query.in_walking_order(rows)


def keyset_page(session: Session, table: str, columns: Sequence, id_column, sort: Sort,
                branches: Sequence[Sequence[ColumnElement]], conditions: Sequence[ColumnElement],
                cursor: Cursor | None, size: int, search: ColumnElement | None = None,
                scales: Sequence[Decimal] | None = None) -> Page:
    """One page after (or before) `cursor`; `search` is kept apart from the other conditions because the
    search indexes, not the sort index, may be the way to its rows (see `_searched_rows`). `scales`, one
    positive factor per branch, ranks the branches' values converted (amounts in each shop's currency)."""
    if not branches:
        return Page([], None, None)
    query = _PageQuery(columns, id_column, sort, cursor, size, scales)
    parts = query.parts(branches)
    if search is None:
        rows = list(session.execute(query.merged(
            [query.part_select(part, conditions, number) for number, part in enumerate(parts)])).all())
    else:
        rows = _searched_rows(session, query, parts, conditions, search)
    more = len(rows) > size
    rows = rows[:size]
    if query.backward:
        rows.reverse()
    if not rows:
        return Page([], None, None)

    def link(row, towards_start: bool) -> str:
        value = getattr(row, query.value_key)
        return encode_cursor(table, sort, Cursor(towards_start, value, getattr(row, id_column.key)))

    has_next = (not query.backward and more) or query.backward
    has_prev = (query.backward and more) or (not query.backward and cursor is not None)
    return Page(rows, link(rows[-1], False) if has_next else None, link(rows[0], True) if has_prev else None)


def estimated_rows(session: Session, statement: Select) -> int:
    """The planner's row estimate for `statement`: what a page can say instead of COUNT(*) over millions."""
    connection = session.connection()
    compiled = statement.compile(dialect=connection.dialect, compile_kwargs={"render_postcompile": True})
    plan = connection.exec_driver_sql(f"EXPLAIN (FORMAT JSON) {compiled}", compiled.params).scalar_one()
    if isinstance(plan, str):
        plan = orjson.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])
