"""Paging with `page`/`per_page` and `X-WP-TotalPages`."""

from __future__ import annotations

import math

from .conftest import requests_of


def test_pages_until_total_pages(store, make_client):
    client = make_client()
    before = requests_of(store)
    pages = list(client.iter_pages("/orders", {"status": "completed", "orderby": "id", "order": "asc"}))
    total = pages[0].total
    assert len(pages) == pages[0].total_pages == math.ceil(total / 100)
    ids = [o["id"] for page in pages for o in page.items]
    assert len(ids) == len(set(ids)) == total and ids == sorted(ids)
    assert requests_of(store) - before == len(pages), "one request per page, no probe past the end"


def test_items_with_a_smaller_page(make_client):
    client = make_client(tls=False)
    customers = list(client.iter_items("/customers", {"orderby": "id"}, per_page=40))
    assert len(customers) == len({c["id"] for c in customers}) > 40
