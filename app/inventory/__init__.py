"""Inventory planning: per-variant metrics, censored demand history, forecasts with a backtest, purchase
suggestions per supplier (issue 18). metrics.py and history.py read order items and the stock log,
forecast.py fits the models, purchase.py turns forecasts into order quantities, tasks.py is the ledger job."""
