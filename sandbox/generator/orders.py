"""Orders: order i is rebuilt from random.Random(mix(seed, shop, ORDER, i)).

The order's time and buyer come from the shop's `OrderStream` (customers' buy-till-
you-die processes plus guests); what it contains comes from `Demand` (seasonal,
long-tailed, boosted by launches and promotions, never a sold-out variant).
Drawing happens in a fixed order (status, lines, then the rest of the head) so
the stock log can replay an order's lines without building its person, and cheap
filters can stop after the head and still see exactly the values the full record
will have.  This module is the hot path of `python -m sandbox.generate`, hence the
plain loops and integer money.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sandbox.formats import IndexedGuids, mix
from sandbox.generator import kinds, rates
from sandbox.generator.people import Person, draw_person
from sandbox.generator.profiles import (
    COUNTRY_CURRENCY,
    FOREIGN_CURRENCY_SHARE,
    PAYMENT_METHODS,
    SHIPPING_METHODS,
    Profile,
    method_guid,
    methods_region,
)

DAY = 86400
# Number of product lines: mean ~3.4, so with shipping + payment + occasional coupon
# and gift lines an order has ~5.7 items (8 M items / 1.4 M orders in production).
_LINE_COUNTS = (1,) * 22 + (2,) * 20 + (3,) * 17 + (4,) * 13 + (5,) * 10 + (6,) * 8 + (7,) * 5 + (8,) * 3 + (10,) * 2
PAID_STATUSES = {-2, 2, 3}
COMPLETED_STATUSES = {-2, 3}
CANCELLED = -4
MAX_CHANGE_DELAY = 14 * DAY  # base changeTime never trails creationTime by more


@dataclass(slots=True)
class Head:
    """Everything drawn for an order; lines are priced by `Orders.lines`."""

    index: int
    created: int
    changed: int
    status: int
    customer: int | None
    person: Person
    currency: str
    shipping: int
    payment: int
    source: int
    language: str
    paid: bool
    delivery: tuple | None
    ip: str
    remark: str | None
    picks: list  # [(variant, qty thousandths, price ratio 1/10000)]
    coupon: int | None
    gift: object | None  # a Variant


def draw_status(r: float, age: int) -> int:
    if age > 30 * DAY:
        return -2 if r < 0.85 else -4 if r < 0.93 else 3
    if age > 3 * DAY:
        return -2 if r < 0.5 else 3 if r < 0.75 else -4 if r < 0.8 else 2 if r < 0.9 else -1
    return -1 if r < 0.4 else 1 if r < 0.65 else 2 if r < 0.8 else -3 if r < 0.9 else 4


class Orders:
    def __init__(self, data, profile: Profile, n: int, end: int, admin_base: str, stock_id: int):
        self.data = data  # ShopData: stream, demand and supply are built on first use
        self.seed = data.seed
        self.shop = data.index
        self.profile = profile
        self.n = n
        self.end = end
        self.catalog = data.catalog
        self.customers = data.customers
        self.admin_base = admin_base
        self.stock_id = stock_id
        self.guids = IndexedGuids(self.seed, self.shop, kinds.ORDER_GUID)
        region = methods_region(profile.country)
        euro = profile.currency == "EUR"
        seed, shop = self.seed, self.shop
        self.shippings = [
            (method_guid(seed, shop, 1, k), name, price // 25 if euro and region == "CZ" else price, company)
            for k, (name, price, company) in enumerate(SHIPPING_METHODS[region])
        ]
        self.payments = [
            (method_guid(seed, shop, 2, k), name, billing, price // 25 if euro and region == "CZ" else price)
            for k, (name, billing, price) in enumerate(PAYMENT_METHODS[region])
        ]

    # -- drawing ----------------------------------------------------------------------
    def _draw_lines(self, rng: random.Random, created: int, available) -> tuple[list, int | None, object]:
        demand = self.data.demand
        pick = demand.basket(created, available)
        picks = []
        for _ in range(_LINE_COUNTS[int(rng.random() * len(_LINE_COUNTS))]):
            variant = pick(rng)
            r = rng.random()
            qty = 1000 if r < 0.7 else 2000 if r < 0.9 else (3 + int(rng.random() * 3)) * 1000
            ratio = 10000 if rng.random() < 0.9 else 9000
            if variant is not None:
                picks.append((variant, qty, ratio))
        coupon = 10 + int(rng.random() * 20) if rng.random() < 0.1 else None
        gift = demand.pick_gift(rng, created, available) if rng.random() < 0.05 else None
        return picks, coupon, gift

    def sales(self, i: int) -> tuple[bool, list, object]:
        """(cancelled, picks, gift) of base order i: what the stock log replays."""
        rng = random.Random(mix(self.seed, self.shop, kinds.ORDER, i))
        created = self.data.stream.time(i)
        status = draw_status(rng.random(), self.end - created)
        picks, _coupon, gift = self._draw_lines(rng, created, self.data.supply.available)
        return status == CANCELLED, picks, gift

    def head(self, i: int, created: int | None = None, available=None) -> Head:
        """Order i: base orders (i < n) from the stream; later ones (created at run time) get
        a random buyer and lines that `available` (the live stock) allows."""
        rng = random.Random(mix(self.seed, self.shop, kinds.ORDER, i))
        stream = self.data.stream if i < self.n else None
        if created is None:
            created = stream.time(i)
        status = draw_status(rng.random(), self.end - created)
        picks, coupon, gift = self._draw_lines(rng, created, available or self.data.supply.available)
        if stream is not None:
            customer = stream.owner(i)
        elif self.customers.n and rng.random() >= 0.25:
            customer = int(rng.random() * self.customers.n)
        else:
            customer = None
        if customer is not None:
            person = self.customers.person(customer)
        else:
            person = draw_person(rng, self.profile.customer_countries, "", with_extras=False)
        shipping = int(rng.random() * len(self.shippings))
        payment = int(rng.random() * len(self.payments))
        currency = self.profile.currency
        wanted = COUNTRY_CURRENCY.get(person.country, currency)
        if wanted != currency and wanted in self.profile.currencies and rng.random() < FOREIGN_CURRENCY_SHARE:
            currency = wanted
        language = self.profile.language
        if person.country.lower() in self.profile.languages:
            language = person.country.lower()
        elif person.country == "CZ" and "cs" in self.profile.languages:
            language = "cs"
        source = -2 if rng.random() < 0.03 else -1
        billing = self.payments[payment][2]
        paid = status in PAID_STATUSES or (billing == 4 and status != -4)
        delay = {-2: 10, 3: 4, -4: 3}.get(status, 1)
        changed = min(max(created, self.end - 1), created + int(rng.random() * delay * DAY))
        delivery = None
        if person.delivery and rng.random() < 0.6:
            delivery = person.delivery[0]
        octets = (1 + int(rng.random() * 222), int(rng.random() * 255), int(rng.random() * 255),
                  1 + int(rng.random() * 253))
        ip = ".".join(map(str, octets))
        remark = "Prosím doručit odpoledne." if rng.random() < 0.05 else None
        return Head(i, created, changed, status, customer, person, currency, shipping, payment,
                    source, language, paid, delivery, ip, remark, picks, coupon, gift)

    def unit_price(self, product, variant, t: float) -> int:
        """Base price (shop currency, incl. VAT) of a variant at t: its action price during a promotion."""
        ratio = self.catalog.promo_ratio(product, t) if product.promos else 10000
        if ratio == 10000:
            return variant.price
        step = 10 ** (2 - rates.DECIMALS.get(self.profile.currency, 2))
        return variant.price * ratio // 10000 // step * step

    def lines(self, head: Head, price_of=None) -> list[tuple]:
        """Line specs: (itemType, product, variant, qty_thousandths, unit_price, vat_rate, ratio,
        line_with_vat, line_without_vat); for non-product lines `variant` is the method
        index or coupon code.  price_of(product, variant) overrides the generated price."""
        products = self.catalog.products
        rate = rates.rate(head.currency, self.profile.currency, head.created)
        currency = head.currency
        specs = []
        subtotal = 0
        for variant, qty, ratio in head.picks:
            product = products[variant.product]
            base = price_of(product, variant) if price_of else self.unit_price(product, variant, head.created)
            price = rates.convert(base, rate, currency)
            line = price * qty // 1000 * ratio // 10000
            specs.append((product.type, product, variant, qty, price, product.vat_rate, ratio,
                          line, without_vat(line, product.vat_rate)))
            subtotal += line
        standard = self.profile.vat_rates[0]
        if head.coupon is not None:
            discount = -(subtotal // 10)
            specs.append(("discount-coupon", None, f"SLEVA{head.coupon}", 1000,
                          discount, standard, 10000, discount, without_vat(discount, standard)))
        if head.gift is not None:
            product = products[head.gift.product]
            specs.append(("gift", product, head.gift, 1000, 0, product.vat_rate, 10000, 0, 0))
        ship_price = rates.convert(self.shippings[head.shipping][2], rate, currency)
        pay_price = rates.convert(self.payments[head.payment][3], rate, currency)
        specs.append(("shipping", None, head.shipping, 1000, ship_price, standard, 10000,
                      ship_price, without_vat(ship_price, standard)))
        specs.append(("billing", None, head.payment, 1000, pay_price, standard, 10000,
                      pay_price, without_vat(pay_price, standard)))
        return specs


def without_vat(with_vat: int, rate: int) -> int:
    """Price without VAT, rounded half up, from a VAT-inclusive price (hundredths)."""
    if with_vat < 0:
        return -without_vat(-with_vat, rate)
    return (with_vat * 20000 + 10000 + rate) // (2 * (10000 + rate))
