"""Status changes from the hub: recorded, queued, sent to Shoptet (the sandbox, over HTTP) by the job, with each
order's outcome shown and the local rows updated."""

from collections import namedtuple

import httpx
import pytest
from sqlalchemy import select

from app.core.namespace import rq_name
from app.orders import tasks
from app.orders.models import Order, OrderStatusChange, OrderStatusChangeItem
from app.queues import fetch_job
from app.shops.services import add_shop
from sandbox.testing import run_sandbox
from tests.factories import csrf_token
from tests.orders.tables import add_order

DONE, CANCELLED = -2, -4
Ref = namedtuple("Ref", "id code")  # an order as plain values: the job's session end detaches ORM objects


@pytest.fixture(scope="module")
def sandbox():
    with run_sandbox(seed=11, shops=1, orders=30) as handle:
        yield handle


@pytest.fixture
def connected(db, tenant, sandbox):
    """Shop A talks to the sandbox shop; three of its real orders are in the hub (in status 'new')."""
    info = sandbox.shops[0]
    shop = add_shop(db.session, tenant.org.id, name="Sandbox shop", eshop_id=info["eshop_id"],
                    private_token=info["private_token"], api_url=sandbox.base_url, languages="cs")
    listing = httpx.get(sandbox.url("/api/orders"), params={"itemsPerPage": 3}, headers=sandbox.private_headers())
    codes = [order["code"] for order in listing.json()["data"]["orders"]]
    orders = [add_order(db.session, shop, code=code, status_id=-1, status_name="Vyřizuje se") for code in codes]
    # Another order with the name of the target status, so the hub knows what to call it.
    add_order(db.session, shop, status_id=DONE, status_name="Vyřízena")
    return shop, [Ref(order.id, order.code) for order in orders]



def _remote_status(sandbox, code: str) -> int:
    response = httpx.get(sandbox.url(f"/api/orders/{code}"), headers=sandbox.private_headers())
    return response.json()["data"]["order"]["status"]["id"]


def _post(client, path, data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/orders")})


def test_bulk_change_goes_through_a_job_and_reports_each_order(app, client, db, connected, sandbox):
    shop, orders = connected
    bogus = add_order(db.session, shop, code="NO-SUCH-ORDER")
    bogus = Ref(bogus.id, bogus.code)
    chosen = [*orders[:2], bogus]
    response = _post(client, "/orders/status", {"order_id": [str(o.id) for o in chosen], "status_id": str(DONE)})
    assert response.status_code == 303
    change = db.session.execute(select(OrderStatusChange)).scalar_one()
    assert change.status == "queued" and change.status_name == "Vyřízena"
    change_id = change.id
    job = fetch_job(app.extensions["redis"], f"order-status-change-{change_id}")
    assert job.args == [change_id] and job.origin == rq_name("orders")

    assert tasks.apply_status_change(change_id) == "failed"  # one of three could not be changed

    outcomes = dict(db.session.execute(
        select(OrderStatusChangeItem.order_id, OrderStatusChangeItem.outcome)
        .where(OrderStatusChangeItem.change_id == change_id)).all())
    assert outcomes == {orders[0].id: "changed", orders[1].id: "changed", bogus.id: "failed"}
    for order in orders[:2]:
        row = db.session.get(Order, order.id)
        assert (row.status_id, row.status_name, row.raw["status"]["id"]) == (DONE, "Vyřízena", DONE)
        assert _remote_status(sandbox, order.code) == DONE
    assert db.session.get(Order, orders[2].id).status_id == -1

    page = client.get(f"/orders/status-changes/{change_id}").get_data(as_text=True)
    assert "NO-SUCH-ORDER" in page and "not changed" in page and "1 order(s) were not changed" in page
    polled = client.get(f"/orders/status-changes/{change_id}", headers={"HX-Request": "true"})
    assert polled.status_code == 286 and "every 1s" not in polled.get_data(as_text=True)
    history = client.get(f"/orders/{orders[0].id}").get_data(as_text=True)
    assert 'id="status-history"' in history and "Vyřizuje se" in history and "changed" in history


def test_single_change_from_the_detail_page(client, db, connected, sandbox):
    shop, orders = connected
    response = client.post(f"/orders/{orders[2].id}/status", headers={"HX-Request": "true"},
                           data={"status_id": str(CANCELLED), "csrf_token": csrf_token(client, "/orders")})
    assert response.status_code == 202 and 'hx-trigger="every 1s"' in response.get_data(as_text=True)
    change_id = db.session.execute(select(OrderStatusChange.id)).scalar_one()
    assert tasks.apply_status_change(change_id) == "done"
    assert _remote_status(sandbox, orders[2].code) == CANCELLED
    assert tasks.apply_status_change(change_id) == "skipped"  # a job delivered twice does nothing more


def test_shoptet_refusing_the_status_fails_every_order_with_its_message(client, db, connected):
    shop, orders = connected
    _post(client, "/orders/status", {"order_id": [str(orders[0].id)], "status_id": "987654"})
    change_id = db.session.execute(select(OrderStatusChange.id)).scalar_one()
    assert tasks.apply_status_change(change_id) == "failed"
    item = db.session.execute(select(OrderStatusChangeItem)).scalar_one()
    assert item.outcome == "failed" and "statusId" in item.error


def test_more_than_100_orders_or_foreign_ids_are_refused(client, db, tenant, stranger, connected):
    shop, orders = connected
    many = [str(n) for n in range(1, 102)]
    assert _post(client, "/orders/status", {"order_id": many, "status_id": str(DONE)}).status_code == 303
    foreign = add_order(db.session, stranger)
    response = _post(client, "/orders/status", {"order_id": [str(orders[0].id), str(foreign.id)],
                                                "status_id": str(DONE)})
    assert response.status_code == 404
    assert client.post(f"/orders/{foreign.id}/status", data={
        "status_id": str(DONE), "csrf_token": csrf_token(client, "/orders")}).status_code == 404
    assert db.session.execute(select(OrderStatusChange)).first() is None
    refused = client.post("/orders/status", headers={"HX-Request": "true"}, data={
        "order_id": many, "status_id": str(DONE), "csrf_token": csrf_token(client, "/orders")})
    assert refused.status_code == 200 and "At most 100" in refused.get_data(as_text=True)


def test_another_organizations_change_is_404(app, client, db, tenant, stranger):
    change = OrderStatusChange(organization_id=stranger.organization_id, status_id=DONE, status="done")
    db.session.add(change)
    db.session.flush()
    assert client.get(f"/orders/status-changes/{change.id}").status_code == 404
