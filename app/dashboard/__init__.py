"""The merchant's home: sales rollups kept current with the orders, the sales summary and the dashboard page."""
