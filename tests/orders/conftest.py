from tests.orders.tables import exports_dir, imported, small_snapshots, stranger, tenant  # noqa: F401  (shared with tests/customers, tests/tables)
