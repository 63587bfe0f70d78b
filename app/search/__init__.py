"""One search box for orders, customers and products of the organization (app/search/queries.py)."""
