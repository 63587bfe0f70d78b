from tests.orders.tables import imported, small_snapshots, stranger, tenant  # noqa: F401  (the same tenants as the orders tests)
