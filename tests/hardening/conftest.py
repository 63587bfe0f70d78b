from tests.orders.tables import exports_dir, stranger, tenant  # noqa: F401  (an owner with two shops, logged in)
