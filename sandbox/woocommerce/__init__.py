"""Local simulator of the WooCommerce REST API `wc/v3` (see sandbox/README.md, "WooCommerce").

A second, independent sandbox beside the Shoptet one: its own WSGI app, store,
auth (consumer keys: HTTP Basic over TLS, OAuth 1.0a one-legged over plain HTTP),
signed webhooks, churn and fault switches.  It borrows only the Shoptet
generator's deterministic building blocks (hashing, timelines, people, the product
catalogue) so both sandboxes draw the same people and SKUs from the same seed.
`python -m sandbox.woocommerce` starts it; `sandbox.woocommerce.testing` runs it from tests.
"""
