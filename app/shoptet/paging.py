"""Generators over Shoptet's paginated lists, one page in memory at a time.

A walk over 50 pages must cost about as much memory as a walk over one, so
each page's items are released (slot by slot, as they are handed out) before
the next page is requested.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .errors import NotFound
from .transport import Transport

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Page:
    """One fetched page: its items and Shoptet's paginator numbers."""

    items: list[Any]
    page: int
    page_count: int
    total_count: int
    items_per_page: int
    request_id: str | None = None


def _int(v: Any, default: int = 0) -> int:
    try:
        return int(v)
    except (TypeError, ValueError):
        return default


def fetch_page(
    transport: Transport, path: str, list_key: str, params: Mapping[str, Any], page: int, items_per_page: int | None
) -> Page:
    query = {**params, "page": page}
    if items_per_page is not None:
        query["itemsPerPage"] = items_per_page
    resp = transport.request("GET", path, params=query)
    data = resp.data if isinstance(resp.data, dict) else {}
    items = data.get(list_key) or []
    pg = data.get("paginator") or {}
    return Page(
        items=items,
        page=_int(pg.get("page"), page),
        page_count=_int(pg.get("pageCount"), page if items else 0),
        total_count=_int(pg.get("totalCount"), len(items)),
        items_per_page=_int(pg.get("itemsPerPage"), len(items)),
        request_id=resp.request_id,
    )


def iter_pages(
    transport: Transport,
    path: str,
    list_key: str,
    params: Mapping[str, Any] | None = None,
    *,
    items_per_page: int | None = None,
    start_page: int = 1,
    max_pages: int | None = None,
    on_total_change: Callable[[int, int], None] | None = None,
) -> Iterator[Page]:
    """Yield pages lazily until ``pageCount`` is reached.

    If ``totalCount`` changes during the walk (records added/removed while
    paging, so items may shift between pages) ``on_total_change(old, new)``
    is called, or a warning logged; re-sync with the ``changes`` endpoints.
    """
    params = dict(params or {})
    page_no = start_page
    first_total: int | None = None
    fetched = 0
    while True:
        try:
            page = fetch_page(transport, path, list_key, params, page_no, items_per_page)
        except NotFound as err:
            # Past the last page (list shrank while walking): nothing more to read.
            if err.error_code == "page-not-found" and fetched:
                return
            raise
        fetched += 1
        if first_total is None:
            first_total = page.total_count
        elif page.total_count != first_total:
            if on_total_change is not None:
                on_total_change(first_total, page.total_count)
            else:
                log.warning("%s: totalCount changed %s -> %s while paging", path, first_total, page.total_count)
            first_total = page.total_count
        last = page.page >= page.page_count or not page.items
        yield page
        if last or (max_pages is not None and fetched >= max_pages):
            return
        page_no += 1
        del page


def iter_items(
    transport: Transport,
    path: str,
    list_key: str,
    params: Mapping[str, Any] | None = None,
    *,
    items_per_page: int | None = None,
    on_total_change: Callable[[int, int], None] | None = None,
) -> Iterator[Any]:
    """Yield the items of every page; only the current page is held."""
    for page in iter_pages(
        transport, path, list_key, params, items_per_page=items_per_page, on_total_change=on_total_change
    ):
        items = page.items
        page.items = []
        del page
        for i in range(len(items)):
            item, items[i] = items[i], None
            yield item
        del items


def iter_by_cursor(
    transport: Transport,
    path: str,
    list_key: str,
    params: Mapping[str, Any] | None = None,
    *,
    cursor_param: str = "lastId",
    cursor_field: str = "id",
    start: int | None = None,
    items_per_page: int | None = None,
) -> Iterator[Any]:
    """Keyset walk (e.g. stock movements by ``lastId``): always ask for page 1 after the last id seen.

    Unlike page numbers this cannot skip or repeat records that arrive during
    the walk.
    """
    params = dict(params or {})
    cursor = start
    while True:
        query = dict(params)
        if cursor is not None:
            query[cursor_param] = cursor
        page = fetch_page(transport, path, list_key, query, 1, items_per_page)
        items, more = page.items, page.page_count > 1
        del page
        if not items:
            return
        advanced = False
        for i in range(len(items)):
            item, items[i] = items[i], None
            value = item.get(cursor_field) if isinstance(item, dict) else None
            if value is not None and (cursor is None or value > cursor):
                cursor, advanced = value, True
            yield item
        del items
        if not more or not advanced:
            return
