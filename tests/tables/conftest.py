from tests.orders.tables import exports_dir, imported, small_snapshots, stranger, tenant  # noqa: F401  (the same tenants as the orders tests)
