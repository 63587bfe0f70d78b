"""Platforms behind one protocol (base.py); `channel_for(shop)` picks a shop's channel by `shop.platform`."""
