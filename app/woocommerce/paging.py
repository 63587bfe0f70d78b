"""Walking a list page by page (`page`/`per_page` up to 100, `X-WP-TotalPages`), one page in memory."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .transport import Transport

MAX_PER_PAGE = 100


@dataclass(slots=True)
class Page:
    items: list[dict]
    page: int
    total: int | None
    total_pages: int | None


def iter_pages(transport: Transport, path: str, params: Mapping[str, Any] | None = None, *,
               per_page: int = MAX_PER_PAGE, start_page: int = 1) -> Iterator[Page]:
    """Pages until `X-WP-TotalPages` (or an empty or short page: the list may shrink while paging).

    Page numbers over a list that changes while it is read skip or repeat records; for
    incremental syncs use `ModifiedWalk`, which does not.
    """
    page = start_page
    while True:
        response = transport.request("GET", path, params={**(params or {}), "page": page, "per_page": per_page})
        items = response.data if isinstance(response.data, list) else []
        current = Page(items, page, response.total, response.total_pages)
        yield current
        last = response.total_pages if response.total_pages is not None else page
        if page >= last or len(items) < per_page:
            return
        page += 1


def iter_items(transport: Transport, path: str, params: Mapping[str, Any] | None = None, *,
               per_page: int = MAX_PER_PAGE) -> Iterator[dict]:
    for page in iter_pages(transport, path, params, per_page=per_page):
        yield from page.items
