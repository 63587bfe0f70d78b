"""Deterministic WooCommerce store data: record i is rebuilt from (seed, kind, i).

Products and variations (a few thousand) are materialised once; customers and
orders are never stored: they are regenerated on demand, so 200 k+ orders cost
only the small per-order index the list queries need (store/index.py).
"""
