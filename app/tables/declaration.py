"""A table declared once: its rows, columns, sorts (with the index behind each), filters, search and bulk action.

From a `Table` the layer makes the page (app/tables/pages.py), its reads (app/tables/queries.py), saved views
and CSV exports (app/tables/routes.py, app/tables/exports.py). Every table is keyed by `shop_id` and `id`, and
lists the organization's shops (or one of them): a page is one index range per shop, merged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import ColumnElement, String, literal, or_
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from app.tables import args as a
from app.tables.columns import Column
from app.tables.filters import Filter
from app.tables.folding import fold
from app.tables.keyset import Sort

PHONE_PUNCTUATION = re.compile(r"[\s\-()/.]")


def like_escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


@dataclass(frozen=True)
class Search:
    """What the search box finds, as Czech users type: values starting with the term, names containing it
    whatever its accents and case (`svobodova` finds `Svobodová`), any part of an e-mail (`seznam.cz`), phones
    containing its digits. Each column needs its search index per shop, since a rare term's rows are fetched
    through them (app/tables/keyset.py):
    - prefix, lower_prefix: btree `(shop_id, column varchar_pattern_ops)`;
    - anywhere, contains, phone: GIN `(shop_id, column gin_trgm_ops)` (shop_id through btree_gin);
    - folded: GIN `(shop_id, hub_fold(column) gin_trgm_ops)` (app/tables/folding.py).
    Substrings need 3 characters (trigrams); shorter terms match prefixes only."""

    placeholder: str
    prefix: tuple = ()  # compared as typed (order codes)
    lower_prefix: tuple = ()  # stored lower-case (e-mails): starts with the term, from 1 character
    anywhere: tuple = ()  # stored lower-case (e-mails): any part, from 3 characters
    folded: tuple = ()  # any part, accents and case ignored (names), from 3 characters
    contains: tuple = ()  # any part, case ignored, accents not, from 3 characters
    phone: Any = None  # from 3 digits, spaces and punctuation ignored

    def condition(self, q: str) -> ColumnElement:
        pattern = like_escape(q)
        long_enough = len(q) >= 3
        parts = [column.like(pattern + "%") for column in self.prefix]
        parts += [column.like(pattern.lower() + "%") for column in self.lower_prefix
                  if not (long_enough and any(column is other for other in self.anywhere))]
        if long_enough:
            parts += [column.like(f"%{pattern.lower()}%") for column in self.anywhere]
            if self.folded:
                folded_pattern = fold(literal(f"%{pattern}%", String))
                parts += [fold(column).like(folded_pattern) for column in self.folded]
            parts += [column.ilike(f"%{pattern}%") for column in self.contains]
            digits = PHONE_PUNCTUATION.sub("", q)
            if self.phone is not None and len(digits) >= 3 and digits.lstrip("+").isdigit():
                parts.append(self.phone.like(f"%{like_escape(digits)}%"))
        return or_(*parts)


@dataclass(frozen=True)
class BulkAction:
    """Checkboxes on the rows and a form around the table that posts the chosen ids (`field`) to `endpoint`.

    `template` holds the form's controls, `context` what they need (read only for people with `permission`);
    the answer is swapped into `#result_id`. The rows template draws each row's checkbox, named `field`, when
    `bulk_allowed`.
    """

    name: str
    endpoint: str
    field: str
    permission: str
    template: str
    result_id: str
    context: Callable[[Session, list[int]], dict] = lambda session, shop_ids: {}


@dataclass
class Table:
    """One table. `name` is its URL (`/<name>`), its blueprint (whose `index` endpoint serves the page), the
    salt of its cursors, and the `table_name` of its saved views and exports."""

    name: str
    title: str  # "Orders": the page's heading
    singular: str  # "order": the ids of the page's form and search box
    model: Any  # mapped class with `id` and `shop_id`
    row_columns: tuple  # what a row needs (never a `raw` of kilobytes)
    columns: Sequence[Column]
    default_columns: tuple[str, ...]
    sorts: Sequence[Sort]  # the first is the default
    filters: Sequence[Filter]
    search: Search
    rows_template: str  # draws the <tr> of `page.rows`, a cell per key of `state.columns`
    always: tuple = ()  # conditions of every read (not deleted)
    bulk: BulkAction | None = None
    empty: Any = None  # what the table says when nothing matches ("No orders match."), a lazy_gettext string
    columns_by_key: dict[str, Column] = field(init=False)
    sorts_by_key: dict[str, Sort] = field(init=False)

    def __post_init__(self) -> None:
        self.columns_by_key = {column.key: column for column in self.columns}
        self.sorts_by_key = {sort.key: sort for sort in self.sorts}

    @property
    def default_sort(self) -> str:
        return self.sorts[0].key

    @property
    def endpoint(self) -> str:
        return f"{self.name}.index"

    @property
    def target(self) -> str:
        """The element htmx swaps for filters, search and paging: the page route answers it with the table alone."""
        return f"{self.name}-table"

    @property
    def id_column(self):
        return self.model.id

    @property
    def shop_column(self):
        return self.model.shop_id

    def filter(self, name: str) -> Filter:
        return next(declared for declared in self.filters if declared.name == name)


@dataclass
class TableState:
    """A table as the query string asks for it: search, sort, chosen columns, shop and each filter's value.

    `query_args()` turns it back into the query string (without the cursor), for the links of the next page,
    the other sorts, the export and a saved view.
    """

    table: Table
    q: str | None
    sort: str
    columns: list[str]
    shop: int | None
    values: dict[str, Any]
    currency: str | None = None  # a ranking of amounts one currency at a time: the one shown (app/money/ranking.py)

    def query_args(self) -> MultiDict:
        """Only what differs from the defaults, so links and saved views stay short."""
        args = MultiDict()
        if self.q:
            args.add("q", self.q)
        if self.sort != self.table.default_sort:
            args.add("sort", self.sort)
        if tuple(self.columns) != self.table.default_columns:
            for key in self.columns:
                args.add("cols", key)
        if self.shop is not None:
            args.add("shop", str(self.shop))
        if self.currency:
            args.add("currency", self.currency)
        for declared in self.table.filters:
            for name, value in declared.arguments(self.values[declared.name]):
                args.add(name, value)
        return args

    def query_string(self) -> str:
        return urlencode(list(self.query_args().items(multi=True)))

    def query_string_with(self, name: str, value: str) -> str:
        """The query string with one argument set (a link to the same table in another currency)."""
        args = self.query_args()
        args.setlist(name, [value])
        return urlencode(list(args.items(multi=True)))

    def shops(self, shop_ids: list[int]) -> list[int]:
        """The shops the table lists: the chosen one, or all of the organization's."""
        return [self.shop] if self.shop is not None else shop_ids


def parse_state(table: Table, args: MultiDict, shop_ids: list[int]) -> TableState:
    """Raises FilterError (answer 400) for values the form cannot send, ForeignShop (404) for another's shop."""
    return TableState(
        table=table,
        q=a.text_arg(args, "q", a.MAX_SEARCH_LENGTH),
        sort=a.choice_arg(args, "sort", table.sorts_by_key, table.default_sort),
        columns=a.columns_arg(args, table.columns_by_key, table.default_columns),
        shop=a.shop_arg(args, shop_ids),
        values={declared.name: declared.parse(args) for declared in table.filters},
        currency=a.currency_arg(args, "currency"),
    )
