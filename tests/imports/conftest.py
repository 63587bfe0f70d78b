import pytest

from tests.factories import make_org, make_shop
from tests.imports.snapshot_files import generate


@pytest.fixture(scope="session")
def snapshots(tmp_path_factory):
    """Generated once per test run: small files of every kind, all from one sandbox shop (seed 7)."""
    folder = tmp_path_factory.mktemp("snapshots")
    return {
        "orders": generate("orders", 600, folder / "orders.jsonl.gz", customers=300),
        "customers": generate("customers", 300, folder / "customers.jsonl.gz"),
        "products": generate("products", 40, folder / "products.jsonl.gz", include="perStockAmounts"),
        "folder": folder,
    }


@pytest.fixture
def shop(db):
    return make_shop(db.session, make_org(db.session))
