"""The order index: every base order's dates, status and customer in flat arrays.

Built once (about a second per 200 k orders, in a background thread at start),
it answers list queries without generating orders: the orders sorted by creation
and by modification ("dimensions"), each with per-status counts per block of 64
positions, so `X-WP-Total` and "the item at offset O" cost a binary search, not
a scan of 200 k records.
"""

from __future__ import annotations

import threading
from array import array
from bisect import bisect_left, bisect_right

BLOCK_SHIFT = 6


class Dimension:
    """Base orders in one sort order; position p holds order index `perm[p]` (identity when perm is None)."""

    def __init__(self, keys: array, perm: array | None, status: bytes, n_status: int):
        self.keys = keys
        self.perm = perm
        self.status = status
        self.rank: array | None = None
        if perm is not None:
            self.rank = array("i", bytes(4 * len(perm)))
            for pos, i in enumerate(perm):
                self.rank[i] = pos
        n_blocks = (len(keys) >> BLOCK_SHIFT) + 1
        self.blocks = []
        for code in range(n_status):
            prefix = array("i", [0]) * (n_blocks + 1)
            running = 0
            for b in range(n_blocks):
                prefix[b] = running
                start = b << BLOCK_SHIFT
                running += status.count(code, start, start + (1 << BLOCK_SHIFT))
            prefix[n_blocks] = running
            self.blocks.append(prefix)

    def __len__(self) -> int:
        return len(self.keys)

    def index_at(self, pos: int) -> int:
        return pos if self.perm is None else self.perm[pos]

    def pos_of(self, i: int) -> int:
        return i if self.rank is None else self.rank[i]

    def count(self, a: int, b: int, statuses) -> int:
        """Base orders at positions [a, b) whose (base) status is in `statuses`."""
        if b <= a:
            return 0
        return sum(self._prefix(b, s) - self._prefix(a, s) for s in statuses)

    def _prefix(self, pos: int, code: int) -> int:
        start = (pos >> BLOCK_SHIFT) << BLOCK_SHIFT
        return self.blocks[code][pos >> BLOCK_SHIFT] + self.status.count(code, start, pos)

    def after(self, ts: int) -> int:
        """First position whose key is > ts (filters are exclusive)."""
        return bisect_right(self.keys, ts)

    def before(self, ts: int) -> int:
        """First position whose key is >= ts."""
        return bisect_left(self.keys, ts)


class OrderIndex:
    def __init__(self, orders, n_status: int):
        n = orders.n
        created = array("q", bytes(8 * n))
        modified = array("q", bytes(8 * n))
        status = bytearray(n)
        customer = array("i", bytes(4 * n))
        for i in range(n):
            head = orders.head(i)
            created[i] = head.created
            modified[i] = head.modified
            status[i] = head.status
            customer[i] = head.customer
        self.n = n
        self.created = created
        self.modified = modified
        self.status = bytes(status)
        self.customer = customer
        order = sorted(range(n), key=lambda i: modified[i] * n + i)  # (date_modified, id): ids grow with i
        perm = array("i", order)
        self.dims = {
            "created": Dimension(created, None, self.status, n_status),
            "modified": Dimension(array("q", (modified[i] for i in order)), perm,
                                  bytes(self.status[i] for i in order), n_status),
        }


class LazyIndex:
    """Builds the index once, in the background from start; readers wait for it."""

    def __init__(self, orders, n_status: int):
        self._orders = orders
        self._n_status = n_status
        self._index: OrderIndex | None = None
        self._lock = threading.Lock()

    def start(self) -> None:
        threading.Thread(target=self.get, name="woo-order-index", daemon=True).start()

    def get(self) -> OrderIndex:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    self._index = OrderIndex(self._orders, self._n_status)
        return self._index
