"""A small cache of materialised list results, keyed by (query, store version)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable


class Selections:
    def __init__(self, size: int = 8):
        self._size = size
        self._cache: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, compute: Callable[[], list]) -> list:
        with self._lock:
            hit = self._cache.get(key)
            if hit is not None:
                self._cache.move_to_end(key)
                return hit
        result = compute()
        with self._lock:
            self._cache[key] = result
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return result
