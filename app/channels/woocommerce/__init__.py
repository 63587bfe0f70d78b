"""The WooCommerce channel: a store's REST API (`wc/v3`, client in app/woocommerce/) behind the channel protocol.

Modules: api.py (credentials, the client of a shop, the store's facts), statuses.py, mapping.py (WooCommerce
JSON → the hub's records, guests derived from the billing e-mail), reader.py (full import and change feeds
by modification date), webhooks.py, writes.py (order status, stock by batch), wcauth.py + routes.py (the
app authorization flow and the paste-keys form), budget.py, channel.py (the protocol, delegating here).
"""
