from tests.orders.tables import stranger, tenant  # noqa: F401  (the same tenants as the orders tests)
