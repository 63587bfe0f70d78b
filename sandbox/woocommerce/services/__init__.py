"""Writes: what the REST endpoints, batches and the churn do to the store.

Each function validates like WooCommerce (raising `WooError` with its codes),
changes the overlay under the store lock, bumps `date_modified` and emits the
webhook topic the real hooks would fire.  They return raw records.
"""
