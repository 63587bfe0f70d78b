"""Filter-form choices (statuses in use, recent payment and shipping methods, customer groups) and a filter's
row estimate, per set of shops, kept a minute per process: they change rarely, each costs a statement (and its
Python) on every page, and a stale one only lists an option, or says "≈ 1.4 M", a minute too long or too late.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

from cachetools import TTLCache

T = TypeVar("T")

CHOICES_TTL_SECONDS = 60
_choices: TTLCache = TTLCache(maxsize=4096, ttl=CHOICES_TTL_SECONDS)
_choices_lock = threading.Lock()


def cached_per_shops(kind: str, shop_ids: list[int], compute: Callable[[], T]) -> T:
    """`compute()` once a minute per `kind` and set of shops (the kind names the filter where it matters)."""
    key = (kind, tuple(sorted(shop_ids)))
    with _choices_lock:
        if key in _choices:
            return _choices[key]
    value = compute()
    with _choices_lock:
        _choices[key] = value
    return value


def forget_cached_per_shops() -> None:
    with _choices_lock:
        _choices.clear()
