"""Platforms behind one protocol (base.py); a shop's channel is picked by `shop.platform`.

Adding a platform: a package `app/channels/<platform>/` with a `Channel` subclass, and its dotted name in
`PLATFORMS` below (README: "Adding a platform"). The packages are imported on first use, by name, as
Redash loads its query runners: a channel uses the core (records, the inbox, the connect service) that in
turn looks channels up here, so importing them when this module loads would be an import cycle.
"""

from __future__ import annotations

from importlib import import_module

from app.channels.base import Channel

PLATFORMS = (
    "app.channels.shoptet.channel:ShoptetChannel",
    "app.channels.woocommerce.channel:WooCommerceChannel",
)

_channels: dict[str, Channel] = {}


class UnknownPlatform(ValueError):
    """A platform the hub has no channel for; the message lists the ones it has."""


def channels() -> dict[str, Channel]:
    """Every platform's channel, by `shop.platform`."""
    if not _channels:
        for dotted in PLATFORMS:
            module, _, name = dotted.partition(":")
            channel = getattr(import_module(module), name)()
            _channels[channel.platform] = channel
    return _channels


def channel_named(platform: str) -> Channel:
    known = channels()
    if platform not in known:
        raise UnknownPlatform(f"Unknown platform '{platform}': the hub connects {', '.join(sorted(known))} shops.")
    return known[platform]


def channel_for(shop) -> Channel:
    """The channel of the shop's platform (`shop.platform`)."""
    return channel_named(shop.platform)
