"""The Shoptet channel: the hub's Shoptet specifics behind the protocol of app/channels/base.py.

`app/shoptet/` stays the Flask-free API client library; this package is where the hub meets it.
"""
