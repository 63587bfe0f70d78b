"""What a platform provides to the hub: the channel protocol.

A channel is the one place that knows a platform (Shoptet today, WooCommerce next): how to reach a shop's
API with its stored credentials, what the shop is, how to read all of a kind and what changed since a time,
how the platform's records map onto the hub's rows, what its webhooks mean, how the hub's changes go back,
and how its rate budget is counted. The core (ledger, runner, pipeline, scheduler, inbox, tables, metrics)
calls only this protocol, on the channel `app.channels.channel_for(shop)` picks by `shop.platform`.
"""

from __future__ import annotations


class ChannelError(Exception):
    """A platform's failure, told so a person can act on it; `retryable` says whether trying later may help."""

    retryable = False

    def __init__(self, message: str, *, retryable: bool | None = None):
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable


class MissingCredentials(ChannelError):
    """The shop has no usable credentials; connect it again."""
