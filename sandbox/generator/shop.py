"""One simulated e-shop: identity, credentials and its generated collections.

The catalogue and customers are cheap and built at once; the order stream (every
customer's purchase process), demand and supply plans cost seconds at full size
and are built on first use, once, under a lock, so starting a sandbox stays fast
and `python -m sandbox.generate --kind customers` never pays for orders.
"""

from __future__ import annotations

import random
import string
import threading
from collections.abc import Iterator

from sandbox.config import DEFAULT_BASE_END, DEFAULT_YEARS, ShopSizes
from sandbox.formats import mix
from sandbox.generator import kinds
from sandbox.generator.buyers import OrderStream
from sandbox.generator.catalog import Catalog
from sandbox.generator.demand import Demand
from sandbox.generator.order_render import OrderRenderer
from sandbox.generator.orders import Head, Orders
from sandbox.generator.people import Customers
from sandbox.generator.profiles import profile_for
from sandbox.generator.render import ProductRenderer
from sandbox.generator.stocklog import StockLog
from sandbox.generator.supply import SupplyPlan

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
        self.catalog = Catalog(seed, index, self.profile, sizes.products, self.start, base_end, self.stock_ids)
        self.renderer = ProductRenderer(self.catalog, self.public_url)
        self.customers = Customers(seed, index, sizes.customers, self.start, base_end,
                                   self.profile.customer_countries, self.public_url)
        self.orders = Orders(self, self.profile, sizes.orders, base_end, self.public_url, self.stock_ids[0])
        self.order_renderer = OrderRenderer(self.orders)
        self._lazy_lock = threading.Lock()
        self._stream: OrderStream | None = None
        self._demand: Demand | None = None
        self._supply: SupplyPlan | None = None
        self._stock_log: StockLog | None = None
        rng = random.Random(mix(seed, index, kinds.CREDENTIALS))
        partner = random.Random(mix(seed, kinds.CREDENTIALS))
        self.client_id = "sandbox-addon-" + _token(partner, 12)
        self.client_secret = _token(partner, 40)
        self.install_code = _token(rng, 96)
        self.private_token = f"{self.eshop_id}-p-{index + 1}-{_token(rng, 32)}"
        self.signature_key = "".join(f"{rng.getrandbits(8):02x}" for _ in range(16))
        self.contact_email = f"info@{self.profile.slug}.test"

    # -- built on first use -------------------------------------------------------------
    @property
    def stream(self) -> OrderStream:
        if self._stream is None:
            with self._lazy_lock:
                if self._stream is None:
                    self._stream = OrderStream(self.seed, self.index, self.sizes.orders, self.customers,
                                               self.start, self.base_end)
        return self._stream

    @property
    def demand(self) -> Demand:
        if self._demand is None:
            with self._lazy_lock:
                if self._demand is None:
                    self._demand = Demand(self.catalog, self.start, self.base_end)
        return self._demand

    @property
    def supply(self) -> SupplyPlan:
        if self._supply is None:
            demand = self.demand
            with self._lazy_lock:
                if self._supply is None:
                    self._supply = SupplyPlan(self.seed, self.index, self.catalog, demand, self.sizes.orders,
                                              self.start, self.base_end)
        return self._supply

    @property
    def stock_log(self) -> StockLog:
        if self._stock_log is None:
            stream, supply = self.stream, self.supply
            with self._lazy_lock:
                if self._stock_log is None and stream and supply:
                    self._stock_log = StockLog(self)
        return self._stock_log

    def supply_available(self, variant, t: float) -> bool:
        return self.supply.available(variant, t)

    # -- orders -----------------------------------------------------------------------
    def order_code(self, i: int) -> str:
        return self.stream.code(i)

    def order_index(self, code: str) -> int | None:
        return self.stream.index_of_code(code)

    def order_head(self, i: int, created: int | None = None) -> Head:
        return self.orders.head(i, created)

    def order_record(self, i: int, include: frozenset = frozenset(), *, detail: bool = True,
                     code: str | None = None, created: int | None = None, head: Head | None = None,
                     specs: list | None = None) -> dict:
        head = head or self.orders.head(i, created)
        specs = specs or self.orders.lines(head)
        code = code or self.stream.code(i, head.created)
        if detail:
            return self.order_renderer.detail(head, specs, code, include)
        return self.order_renderer.list_item(head, specs, code)

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
    def base_stock_of(self, code: str, with_times: bool = False) -> list[tuple[int, int, int, int | None]]:
        """[(stock id, amount, claim, last change)] at the end of the generated history.

        The last change comes from the stock log (built on first use), so only when asked."""
        hit = self.catalog.variant(code)
        if hit is None:
            return []
        product, variant = hit
        amounts = [self.supply.stock_now(variant)] + [variant.stock[sid] for sid in self.stock_ids[1:]]
        claims = [variant.claim] + [0] * (len(self.stock_ids) - 1)
        changes = [None] * len(self.stock_ids)
        if with_times:
            last = self.stock_log.last_change
            changes = [last.get((sid, variant.vid), product.created) for sid in self.stock_ids]
        return list(zip(self.stock_ids, amounts, claims, changes, strict=True))

    def product_detail(self, p: int, lang: str | None = None, include: frozenset = frozenset(),
                       stock_of=None) -> dict:
        product = self.catalog.products[p]
        return self.renderer.detail(product, lang or self.profile.language, include, stock_of or self.base_stock_of)

    def iter_products(self, include: frozenset = frozenset()) -> Iterator[dict]:
        for p in range(self.sizes.products):
            yield self.product_detail(p, include=include)

    def secondary_movements(self, stock_id: int) -> list[tuple[int, str, int, int, str | None]]:
        """Historic movements of a secondary stock (transfers, counts), oldest first.

        (amountChange thousandths, variant code, changeTime, changedBy, orderCode); the
        default stock's log comes from orders and deliveries (`stocklog`)."""
        rng = random.Random(mix(self.seed, self.index, kinds.MOVEMENT, stock_id))
        codes = list(self.catalog.by_code)
        count = min(400, 2 * len(codes))
        out = []
        t = self.base_end - 60 * DAY
        for _ in range(count):
            t += int(rng.random() * (60 * DAY / max(1, count)) * 2)
            change = (1 + int(rng.random() * 10)) * 1000 * (1 if rng.random() < 0.4 else -1)
            code = codes[int(rng.random() * len(codes))]
            out.append((change, code, min(t, self.base_end - 1), "admin", None))
        return out


def _token(rng: random.Random, length: int) -> str:
    return "".join(_ALNUM[int(rng.random() * len(_ALNUM))] for _ in range(length))
