"""Exchange rates that move a little every day, like the Czech National Bank's.

`rate(order_currency, shop_currency, t)` is how many units of the shop's default
currency one unit of the order's currency was worth on t's day: what Shoptet
writes into an order's `price.exchangeRate` ("reflects the historical value valid
in the instant of the order creation") and into `GET /api/eshop` currencies
(today's rate).  A deterministic function of the day, so order i always carries
the same rate.
"""

from __future__ import annotations

import math

from sandbox.generator.calendar import local_day

PER_EUR = {"EUR": 1.0, "CZK": 25.0, "PLN": 4.3, "HUF": 395.0}
DECIMALS = {"CZK": 0, "EUR": 2, "PLN": 2, "HUF": 0}
TITLES = {"CZK": ("Koruna česká", "Kč"), "EUR": ("Euro", "€"), "PLN": ("Złoty", "zł"), "HUF": ("Forint", "Ft")}
_PHASE = {"EUR": 0.0, "CZK": 0.7, "PLN": 2.1, "HUF": 4.0}


def per_eur(currency: str, day: int) -> float:
    """Units of `currency` per euro on a local day: slow drift plus weekly wiggle."""
    if currency == "EUR":
        return 1.0
    phase = _PHASE[currency]
    drift = 0.04 * math.sin(2 * math.pi * day / 620.0 + phase) + 0.015 * math.sin(2 * math.pi * day / 47.0 + phase)
    return round(PER_EUR[currency] * (1.0 + drift), 4)


def rate(order_currency: str, shop_currency: str, t: float) -> float:
    """Shop-currency units per order-currency unit on t's day, rounded as Shoptet writes it (8 places)."""
    if order_currency == shop_currency:
        return 1.0
    day = local_day(t)
    return round(per_eur(shop_currency, day) / per_eur(order_currency, day), 8)


def rate_text(value: float) -> str:
    return f"{value:.8f}"


def convert(hundredths: int, rate_value: float, currency: str) -> int:
    """A shop-currency price (hundredths) in the order's currency, rounded to its decimals."""
    if rate_value == 1.0:
        return hundredths
    value = hundredths / rate_value
    step = 10 ** (2 - DECIMALS.get(currency, 2))
    return int(round(value / step)) * step
