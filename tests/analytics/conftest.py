"""A sandbox shop with buy-till-you-die customers, imported through the hub's own importer."""

from __future__ import annotations

import pytest

from tests.orders.tables import exports_dir, stranger, tenant  # noqa: F401  (the orders tests' tenants)

CUSTOMERS = 4000
ORDERS = 9000


@pytest.fixture(scope="session")
def btyd_snapshots(tmp_path_factory):
    """One sandbox shop's customers and orders (BG/NBD buyers, guests, seasonality), generated once."""
    from tests.imports.snapshot_files import generate

    folder = tmp_path_factory.mktemp("analytics-snapshots")
    return {
        "customers": generate("customers", CUSTOMERS, folder / "customers.jsonl.gz", seed=19),
        "orders": generate("orders", ORDERS, folder / "orders.jsonl.gz", seed=19, customers=CUSTOMERS),
    }


@pytest.fixture
def btyd_shop(btyd_snapshots, db, tenant):  # noqa: F811
    """Shop A holding the snapshots (mapped by the shop's channel, loaded by COPY: tests/analytics/loading.py)."""
    from tests.analytics.loading import load

    load(db.session, tenant.shop_a, btyd_snapshots["customers"], btyd_snapshots["orders"])
    return tenant.shop_a


@pytest.fixture
def cli(app):
    runner = app.test_cli_runner()

    def invoke(*args):
        return runner.invoke(args=["hub", *map(str, args)])

    return invoke
