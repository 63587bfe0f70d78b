"""Every declared table holds together: each sort names an index that exists with the columns its walk needs,
the state a page reads from the query string goes back into the query string whole, and each table has its page."""

from datetime import date
from decimal import Decimal

import pytest
from werkzeug.datastructures import MultiDict

from app.tables.declaration import parse_state
from app.tables.filters import AnyOf, DateRange, Equals, NumberRange, YesNo
from app.tables.registry import TABLES

SHOP_IDS = [7, 8]


def _index_columns(table, name: str) -> list[str]:
    indexes = {index.name: index for index in table.model.__table__.indexes}
    assert name in indexes, f"{table.name}: no index {name!r} on {table.model.__tablename__}"
    return [column.name for column in indexes[name].columns]


@pytest.mark.parametrize("table", TABLES.values(), ids=TABLES.keys())
def test_each_sort_walks_an_index_of_shop_sort_column_and_id(table):
    for sort in table.sorts:
        assert _index_columns(table, sort.index) == ["shop_id", sort.column.key, "id"], sort.key
        for filter_name, index in sort.split.items():
            split = table.filter(filter_name)
            assert isinstance(split, AnyOf), f"{table.name}: only a list of values can split a walk"
            assert _index_columns(table, index) == ["shop_id", split.column.key, sort.column.key, "id"], sort.key


@pytest.mark.parametrize("table", TABLES.values(), ids=TABLES.keys())
def test_a_sort_serves_a_rare_filter_only_through_an_index_leading_with_it(table):
    """A filter a sort `serves` is walked as a plain condition: only right when the sort's own column is the
    filter's (a range of it), or an index (shop_id, the filter's column, the sort's column, id) exists."""
    indexes = [[column.name for column in index.columns] for index in table.model.__table__.indexes]
    for sort in table.sorts:
        for name in sort.serves:
            served = table.filter(name)
            assert served.may_be_rare, f"{table.name}: {sort.key} serves {name}, which is not declared may_be_rare"
            if served.column is not sort.column:
                assert ["shop_id", served.column.key, sort.column.key, "id"] in indexes, (sort.key, name)


@pytest.mark.parametrize("table", TABLES.values(), ids=TABLES.keys())
def test_columns_and_defaults_are_declared_once(table):
    keys = [column.key for column in table.columns]
    assert len(keys) == len(set(keys)) and set(table.default_columns) <= set(keys)
    assert all(column.fields for column in table.columns), "every column is exported"
    assert len({declared.name for declared in table.filters}) == len(table.filters)


def _a_value_for(declared):
    """A set value of each kind of filter, as its form would send it."""
    if isinstance(declared, AnyOf):
        return [-4, 2]
    if isinstance(declared, Equals):
        return "Zásilkovna & co"
    if isinstance(declared, YesNo):
        return False
    if isinstance(declared, DateRange):
        return (date(2025, 1, 31), date(2025, 3, 1))
    if isinstance(declared, NumberRange):
        return (3, 12) if declared.whole else (Decimal("0.50"), Decimal("1200"))
    raise AssertionError(f"a kind of filter this test does not know: {declared!r}")


@pytest.mark.parametrize("table", TABLES.values(), ids=TABLES.keys())
def test_the_query_string_of_a_state_gives_the_same_state(table):
    """What links, saved views and exports carry (`query_args`) is read back (`parse_state`) unchanged."""
    empty = parse_state(table, MultiDict(), SHOP_IDS)
    assert empty.query_string() == "" and empty.sort == table.default_sort
    full = parse_state(table, MultiDict(), SHOP_IDS)
    full.q, full.sort, full.shop = "jana", table.sorts[-1].key, SHOP_IDS[1]
    full.columns = [column.key for column in table.columns][::2]
    full.values = {declared.name: _a_value_for(declared) for declared in table.filters}
    again = parse_state(table, full.query_args(), SHOP_IDS)
    assert (again.q, again.sort, again.shop, again.columns, again.values) == (
        full.q, full.sort, full.shop, full.columns, full.values)


@pytest.mark.parametrize("table", TABLES.values(), ids=TABLES.keys())
def test_each_table_has_its_page(app, table):
    rules = {rule.endpoint: rule.rule for rule in app.url_map.iter_rules()}
    assert rules[table.endpoint] == f"/{table.name}"
