from tests.orders.tables import imported, small_snapshots, stranger, tenant  # noqa: F401  (shared with tests/customers)
