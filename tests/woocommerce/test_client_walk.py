"""The modification-date walk: complete, no version twice, and so under churn and inside crowded seconds."""

from __future__ import annotations

import json
import threading
import time
from collections import Counter

import pytest

from app.woocommerce import WalkCursor
from sandbox.woocommerce.testing import run_woo_sandbox

from .conftest import client_for

ORDERS = 1800


@pytest.fixture(scope="module")
def quiet_store():
    with run_woo_sandbox(seed=21, orders=ORDERS) as store:
        yield store


def _visible(client) -> dict[int, str]:
    """id -> date_modified_gmt of every order `status=any` lists (paged by id: only use on a still store)."""
    return {o["id"]: o["date_modified_gmt"] for o in client.iter_items("/orders", {"orderby": "id",
                                                                                   "order": "asc"})}


def _versions(items) -> list[tuple[int, str]]:
    return [(o["id"], o["date_modified_gmt"]) for o in items]


def test_full_walk_yields_every_order_once(quiet_store):
    with client_for(quiet_store) as client:
        walk = client.walk_modified("/orders")
        versions = _versions(walk)
        assert Counter(versions).most_common(1)[0][1] == 1
        assert dict(versions) == _visible(client)
        minimum = -(-len(versions) // 100)
        assert minimum <= walk.stats.requests <= minimum * 1.1 + 2, walk.stats
        assert walk.stats.restarts == 0


def test_cursor_resumes_and_yields_only_changes(quiet_store):
    with client_for(quiet_store, tls=False) as client:
        first = client.walk_modified("/orders")
        list(first)
        cursor = WalkCursor.from_json(json.loads(json.dumps(first.cursor.to_json())))
        assert cursor == first.cursor and cursor.modified_gmt
        again = client.walk_modified("/orders", cursor=cursor)
        assert list(again) == [], "the overlap window does not hand out the same versions again"
        assert again.stats.requests <= 2
        older, newer = client.get("/orders", per_page=2, orderby="id", order="asc")
        client.update(f"/orders/{older['id']}", {"customer_note": "changed after the walk"})
        time.sleep(1.1)
        client.update(f"/orders/{newer['id']}", {"customer_note": "changed a second later"})
        resumed = client.walk_modified("/orders", cursor=cursor)
        assert [o["id"] for o in resumed] == [older["id"], newer["id"]]
        top = resumed.cursor
        client.delete(f"/orders/{newer['id']}", force=True)  # the newest record vanishes
        after_delete = client.walk_modified("/orders", cursor=top)
        assert list(after_delete) == [] and after_delete.cursor.modified_gmt == top.modified_gmt, \
            "the cursor never moves back"


def test_walk_under_churn_misses_nothing_and_repeats_nothing():
    """A store changing while it is walked (updates, no-op touches, trash, new orders), then a second walk
    from the first one's cursor: together they hold the final version of every order, each version once."""
    with run_woo_sandbox(seed=22, orders=ORDERS, faults={"slow_ms": 15}) as store, client_for(store) as client:
        stop = threading.Event()
        churned: list[dict] = []

        def churn():
            while not stop.is_set():
                churned.append(store.mutate(orders_updated=3, orders_touched=2, orders_trashed=1,
                                            orders_created=1))
                time.sleep(0.03)

        started = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.time() - 1))
        worker = threading.Thread(target=churn, daemon=True)
        worker.start()
        try:
            first = client.walk_modified("/orders")
            first_versions = _versions(first)
        finally:
            stop.set()
            worker.join()
        assert len(churned) >= 10, "the churn ran during the walk"
        second = client.walk_modified("/orders", cursor=first.cursor)
        both = first_versions + _versions(second)
        assert Counter(both).most_common(1)[0][1] == 1, "no version handed out twice"
        final = _visible(client)
        assert set(final.items()) <= set(both), "the final version of every order was handed out"
        untouched = {oid for oid, modified in final.items() if modified < started}
        assert untouched <= {oid for oid, _ in first_versions}, "orders that did not change: in the first walk"


def test_crowded_second_with_records_vanishing_before_the_position():
    """More than a page of orders share one second (a migration); while the walk pages through them, some
    already passed are trashed (positions shift) and some ahead change (they move to the end)."""
    with run_woo_sandbox(seed=23, orders=ORDERS) as store, client_for(store) as client:
        everything = _versions(client.iter_items("/orders", {"orderby": "modified", "order": "asc"}))
        crowded, size = Counter(m for _, m in everything).most_common(1)[0]
        assert size > 100
        group = [oid for oid, m in everything if m == crowded]
        start = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(time.mktime(time.strptime(
            crowded, "%Y-%m-%dT%H:%M:%S")) - time.timezone - 1))
        walk = client.walk_modified("/orders", cursor=WalkCursor(start), overlap_seconds=0, per_page=30)
        handed: list[tuple[int, str]] = []
        for order in walk:
            handed.append((order["id"], order["date_modified_gmt"]))
            if len(handed) == 50:
                for oid in group[10:15]:  # already handed out: everything after them shifts up
                    client.delete(f"/orders/{oid}")
                for oid in group[-3:]:  # not reached yet: they move to the end
                    client.update(f"/orders/{oid}", {"customer_note": "moved"})
        assert walk.stats.restarts >= 1, "the shift was noticed"
        assert Counter(handed).most_common(1)[0][1] == 1
        final = {(oid, m) for oid, m in _visible(client).items() if m >= crowded}
        assert final <= set(handed)
        moved = {oid for oid, m in handed if oid in group[-3:]}
        assert moved == set(group[-3:]) and all(m > crowded for oid, m in handed if oid in moved)
