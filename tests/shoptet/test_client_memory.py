"""Paging keeps one page in memory: peak for 50 pages stays within 1.5x of 1 page.

tracemalloc sees only this process (the sandbox is a subprocess), i.e. the
client: httpx, JSON decoding and the generator.
"""

from __future__ import annotations

import gc
import itertools
import tracemalloc

PAGE = 50  # /api/orders maximum


def _peak_walking(client, pages: int) -> tuple[int, int]:
    gc.collect()
    tracemalloc.reset_peak()
    base = tracemalloc.get_traced_memory()[0]
    seen = 0
    for order in itertools.islice(client.iter_orders(items_per_page=PAGE), pages * PAGE):
        seen += 1
        del order
    peak = tracemalloc.get_traced_memory()[1] - base
    return peak, seen


def test_peak_memory_50_pages_within_1_5x_of_one_page(make_client):
    client = make_client(0)
    # Warm up connection pool, token limiter and lazy imports outside the measurement.
    list(itertools.islice(client.iter_orders(items_per_page=PAGE), PAGE + 1))
    tracemalloc.start()
    try:
        one, n1 = _peak_walking(client, 1)
        fifty, n50 = _peak_walking(client, 50)
    finally:
        tracemalloc.stop()
    assert (n1, n50) == (PAGE, 50 * PAGE)
    assert one > 50_000  # a page is big enough to dominate the measurement
    print(f"peak: 1 page {one} B, 50 pages {fifty} B")
    assert fifty <= 1.5 * one, f"1 page peak {one} B, 50 pages peak {fifty} B"
