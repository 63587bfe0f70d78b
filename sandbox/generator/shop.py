"""One simulated e-shop: identity, credentials and its generated collections."""

from __future__ import annotations

import random
import string
from collections.abc import Iterator

from sandbox.config import DEFAULT_BASE_END, DEFAULT_YEARS, ShopSizes
from sandbox.formats import mix
from sandbox.generator import kinds
from sandbox.generator.catalog import Catalog
from sandbox.generator.orders import Head, Orders
from sandbox.generator.people import Customers
from sandbox.generator.profiles import profile_for

DAY = 86400
_ALNUM = string.ascii_lowercase + string.digits


def eshop_id_for(seed: int, shop: int) -> int:
    return 300_000 + (seed % 1000) * 100 + shop


class ShopData:
    """Everything generated for shop `index` of a sandbox seeded with `seed`.

    The same (seed, index, sizes, base_end, years) always yields the same records,
    in the server and in `python -m sandbox.generate`.
    """

    def __init__(self, seed: int, index: int, sizes: ShopSizes,
                 base_end: int = DEFAULT_BASE_END, years: int = DEFAULT_YEARS):
        self.seed = seed
        self.index = index
        self.sizes = sizes
        self.base_end = base_end
        self.start = base_end - int(years * 365.25 * DAY)
        self.profile = profile_for(index)
        self.eshop_id = eshop_id_for(seed, index)
        # Public e-shop domain used *inside* records (adminUrl, product url).  A
        # reserved .test domain: stable across ports and never resolvable.
        self.public_url = f"https://{self.profile.slug}.shoptet.test"
        self.stock_ids = tuple(range(1, len(self.profile.stocks) + 1))
        self.catalog = Catalog(seed, index, self.profile, sizes.products, self.start, base_end,
                               self.stock_ids)
        self.customers = Customers(seed, index, sizes.customers, self.start, base_end,
                                   self.profile.customer_countries, self.public_url)
        self.orders = Orders(seed, index, self.profile, sizes.orders, self.start, base_end,
                             self.catalog, self.customers, self.public_url, self.stock_ids[0])
        rng = random.Random(mix(seed, index, kinds.CREDENTIALS))
        partner = random.Random(mix(seed, kinds.CREDENTIALS))
        self.client_id = "sandbox-addon-" + _token(partner, 12)
        self.client_secret = _token(partner, 40)
        self.install_code = _token(rng, 96)
        self.private_token = f"{self.eshop_id}-p-{index + 1}-{_token(rng, 32)}"
        self.signature_key = "".join(f"{rng.getrandbits(8):02x}" for _ in range(16))
        self.contact_email = f"info@{self.profile.slug}.test"

    # -- orders -----------------------------------------------------------------------
    def order_code(self, i: int) -> str:
        return self.orders.code(i)

    def order_index(self, code: str) -> int | None:
        return self.orders.timeline.index_of_code(code)

    def order_head(self, i: int, created: int | None = None) -> Head:
        return self.orders.head(i, created)[0]

    def order_record(self, i: int, include: frozenset = frozenset(), *, detail: bool = True,
                     code: str | None = None, created: int | None = None) -> dict:
        head, rng = self.orders.head(i, created)
        specs = self.orders.lines(head, rng)
        code = code or self.orders.timeline.code(i, head.created)
        if detail:
            return self.orders.detail(head, specs, code, include)
        return self.orders.list_item(head, specs, code)

    def iter_orders(self, start: int = 0, stop: int | None = None,
                    include: frozenset = frozenset()) -> Iterator[dict]:
        """Base orders in code order, without the run-time overlay."""
        stop = self.sizes.orders if stop is None else stop
        for i in range(start, stop):
            yield self.order_record(i, include)

    # -- customers ----------------------------------------------------------------------
    def iter_customers(self) -> Iterator[dict]:
        for j in range(self.sizes.customers):
            yield self.customers.detail(j)

    # -- products -----------------------------------------------------------------------
    def base_stock_of(self, code: str) -> list[tuple[int, int, int, int]]:
        hit = self.catalog.variant(code)
        if hit is None:
            return []
        product, variant = hit
        return [(sid, variant.stock[sid], variant.claim if sid == self.stock_ids[0] else 0, product.changed)
                for sid in self.stock_ids]

    def product_detail(self, p: int, lang: str | None = None, include: frozenset = frozenset(),
                       stock_of=None) -> dict:
        product = self.catalog.products[p]
        return self.catalog.detail(product, lang or self.profile.language, include, self.public_url,
                                   stock_of or self.base_stock_of)

    def iter_products(self, include: frozenset = frozenset()) -> Iterator[dict]:
        for p in range(self.sizes.products):
            yield self.product_detail(p, include=include)

    def base_movements(self, stock_id: int) -> list[tuple[int, str, int, int, str | None]]:
        """Historic stock movements of one stock, oldest first.

        (amountChange thousandths, variant code, changeTime, changedBy, orderCode);
        the store replays them backwards from the current stock to get actualAmount.
        """
        rng = random.Random(mix(self.seed, self.index, kinds.MOVEMENT, stock_id))
        codes = list(self.catalog.by_code)
        count = min(400, 2 * len(codes))
        out = []
        t = self.base_end - 60 * DAY
        for _ in range(count):
            t += int(rng.random() * (60 * DAY / max(1, count)) * 2)
            change = (1 + int(rng.random() * 10)) * 1000 * (1 if rng.random() < 0.4 else -1)
            code = codes[int(rng.random() * len(codes))]
            by = "admin" if change > 0 else "customer"
            out.append((change, code, min(t, self.base_end - 1), by, None))
        return out


def _token(rng: random.Random, length: int) -> str:
    return "".join(_ALNUM[int(rng.random() * len(_ALNUM))] for _ in range(length))
