from tests.orders.tables import tenant  # noqa: F401  (an organization with two shops, its owner logged in)
