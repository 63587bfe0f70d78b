"""Deterministic data generator.

`ShopData(seed, shop_index, sizes)` describes one e-shop.  Orders and customers
are never stored: record i is rebuilt on demand from random.Random(mix(seed,
shop, kind, i)), so 1.4 M orders cost no memory.  Only the catalogue (a few
thousand variants) is kept, because every order line needs it.
"""

from sandbox.generator.shop import ShopData

__all__ = ["ShopData"]
