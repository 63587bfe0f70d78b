"""Every declared table, by name: saved views, exports and the export job find a table's declaration here."""

from __future__ import annotations

from app.catalog.table import PRODUCTS
from app.customers.table import CUSTOMERS
from app.inventory.table import INVENTORY
from app.orders.table import ORDERS
from app.tables.declaration import Table

TABLES: dict[str, Table] = {table.name: table for table in (ORDERS, CUSTOMERS, PRODUCTS, INVENTORY)}
