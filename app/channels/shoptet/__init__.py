"""The Shoptet channel: the hub's Shoptet specifics behind the protocol of app/channels/base.py.

api.py (credentials, client, shop facts), token_cache.py, budget.py, install.py + routes.py (the addon
install), snapshots.py + reader.py (full imports), feeds.py (change feeds, stock movements), mapping.py
(Shoptet JSON → the hub's records), statuses.py, webhooks.py, writes.py; channel.py ties them together.
`app/shoptet/` stays the Flask-free API client library; this package is where the hub meets it.
"""
