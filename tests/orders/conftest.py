import pytest

from tests.orders.tables import imported, small_snapshots, stranger, tenant  # noqa: F401  (shared with tests/customers)


@pytest.fixture
def exports_dir(app, tmp_path):
    """Exports are written to the test's own folder."""
    app.config["EXPORTS_DIR"] = str(tmp_path)
    yield tmp_path
    app.config["EXPORTS_DIR"] = ""
