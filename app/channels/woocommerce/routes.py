"""Connecting a WooCommerce store: WooCommerce's app authorization, or keys pasted by the owner."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("woocommerce", __name__)
