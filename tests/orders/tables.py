"""Rows for table tests, inserted directly (ties, NULLs and exact values are easier than through a snapshot)."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from app.customers.models import Customer
from app.orders.models import Order
from app.orgs.models import Role
from tests.factories import login, make_member, make_org, make_shop

_numbers = itertools.count(1)
BASE_TIME = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)


def add_order(session, shop, *, code: str | None = None, created: datetime | None = None, **fields) -> Order:
    number = next(_numbers)
    values = dict(
        code=code or f"T{number:07d}", creation_time=created or BASE_TIME - timedelta(minutes=number),
        status_id=-1, status_name="Vyřizuje se", paid=False, email=f"buyer{number}@example.com",
        phone=f"+420600{number:06d}", full_name=f"Buyer {number}", currency="CZK",
        total_with_vat=Decimal("100.00"), total_without_vat=Decimal("82.64"), payment_method="Dobírka",
        shipping_method="PPL", source_name="E-shop", item_count=1,
    )
    values.update(fields)
    values.setdefault("raw", {"code": values["code"], "adminUrl": f"https://shop.test/admin/order/?id={number}",
                              "status": {"id": values["status_id"], "name": values["status_name"]}})
    order = Order(shop_id=shop.id, content_hash=b"x", **values)
    session.add(order)
    session.flush()
    return order


def add_customer(session, shop, *, email: str | None = None, **fields) -> Customer:
    number = next(_numbers)
    values = dict(
        guid=f"guid-{number}", email=email if email is not None else f"customer{number}@example.com",
        phone=f"+420700{number:06d}", full_name=f"Customer {number}",
        creation_time=BASE_TIME - timedelta(days=number), orders_count=0, total_spent=Decimal("0"),
    )
    values.update(fields)
    values.setdefault("raw", {"guid": values["guid"], "accounts": [{"email": values["email"], "mainAccount": True}]})
    customer = Customer(shop_id=shop.id, content_hash=b"x", **values)
    session.add(customer)
    session.flush()
    return customer


ORDER_ROW = re.compile(r'data-order-id="(\d+)"')
CUSTOMER_ROW = re.compile(r'data-customer-id="(\d+)"')
CURSOR = re.compile(r'href="[^"]*[?&;]cursor=([^"&]+)"[^>]*rel="(prev|next)"')


def row_ids(html: str, pattern=ORDER_ROW) -> list[int]:
    return [int(found) for found in pattern.findall(html)]


def cursors(html: str) -> dict[str, str]:
    """rel → cursor of the pager links."""
    from urllib.parse import unquote

    return {rel: unquote(token) for token, rel in CURSOR.findall(html)}


class Tenant:
    """An organization with two shops and an owner who is logged in."""

    def __init__(self, db, client):
        self.org = make_org(db.session)
        self.owner = make_member(db.session, self.org, Role.owner)
        self.shop_a = make_shop(db.session, self.org, "Shop A")
        self.shop_b = make_shop(db.session, self.org, "Shop B")
        login(client, self.owner.email)


@pytest.fixture
def tenant(db, client):
    return Tenant(db, client)


@pytest.fixture
def exports_dir(app, tmp_path, monkeypatch):
    """Exports are written to the test's own folder."""
    monkeypatch.setitem(app.config, "EXPORTS_DIR", str(tmp_path))
    return tmp_path


@pytest.fixture
def stranger(db):
    """Another organization with a shop of its own."""
    org = make_org(db.session)
    return make_shop(db.session, org, "Foreign shop")


@pytest.fixture(scope="session")
def small_snapshots(tmp_path_factory):
    """One sandbox shop's customers and their orders (with notes), generated once per test run."""
    from tests.imports.snapshot_files import generate

    folder = tmp_path_factory.mktemp("table-snapshots")
    return {
        "customers": generate("customers", 30, folder / "customers.jsonl.gz", seed=21),
        "orders": generate("orders", 200, folder / "orders.jsonl.gz", seed=21, customers=30,
                           include="notes,shippingDetails"),
    }


@pytest.fixture
def imported(db, tenant, small_snapshots):
    """Shop A holding the snapshots, imported through the hub's own importer."""
    from app.sync.runner import run_file_import

    for kind in ("customers", "orders"):
        run_file_import(db.session, tenant.shop_a, kind, str(small_snapshots[kind]))
    return tenant.shop_a
