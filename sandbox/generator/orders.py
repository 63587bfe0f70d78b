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

from sandbox.formats import IndexedGuids, amount, fmt_dt, mix, money
from sandbox.generator import kinds, rates, words
from sandbox.generator.people import Person, draw_person
from sandbox.generator.profiles import (
    BILLING_METHODS,
    COUNTRY_CURRENCY,
    FOREIGN_CURRENCY_SHARE,
    PAYMENT_METHODS,
    SHIPPING_METHODS,
    Profile,
    method_guid,
    methods_region,
    status_name,
)

DAY = 86400
# Number of product lines: mean ~3.4, so with shipping + payment + occasional coupon
# and gift lines an order has ~5.7 items (8 M items / 1.4 M orders in production).
_LINE_COUNTS = (1,) * 22 + (2,) * 20 + (3,) * 17 + (4,) * 13 + (5,) * 10 + (6,) * 8 + (7,) * 5 + (8,) * 3 + (10,) * 2
PAID_STATUSES = {-2, 2, 3}
COMPLETED_STATUSES = {-2, 3}
CANCELLED = -4
MAX_CHANGE_DELAY = 14 * DAY  # base changeTime never trails creationTime by more
# Line templates are shared across orders; the cap keeps memory flat on huge runs.
TEMPLATE_CACHE = 4096


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
        self._main_images: dict[tuple[int, str], dict] = {}
        self._templates: dict[tuple, dict] = {}

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
                          line, _without_vat(line, product.vat_rate)))
            subtotal += line
        standard = self.profile.vat_rates[0]
        if head.coupon is not None:
            discount = -(subtotal // 10)
            specs.append(("discount-coupon", None, f"SLEVA{head.coupon}", 1000,
                          discount, standard, 10000, discount, _without_vat(discount, standard)))
        if head.gift is not None:
            product = products[head.gift.product]
            specs.append(("gift", product, head.gift, 1000, 0, product.vat_rate, 10000, 0, 0))
        ship_price = rates.convert(self.shippings[head.shipping][2], rate, currency)
        pay_price = rates.convert(self.payments[head.payment][3], rate, currency)
        specs.append(("shipping", None, head.shipping, 1000, ship_price, standard, 10000,
                      ship_price, _without_vat(ship_price, standard)))
        specs.append(("billing", None, head.payment, 1000, pay_price, standard, 10000,
                      pay_price, _without_vat(pay_price, standard)))
        return specs

    # -- rendering --------------------------------------------------------------------
    def code(self, i: int) -> str:
        return self.data.stream.code(i)

    def exchange_rate(self, head: Head) -> str:
        return rates.rate_text(rates.rate(head.currency, self.profile.currency, head.created))

    def totals(self, specs: list[tuple]) -> tuple[int, int]:
        with_vat = without = 0
        for spec in specs:
            with_vat += spec[7]
            without += spec[8]
        return with_vat, without

    def price_obj(self, head: Head, specs: list[tuple]) -> dict:
        with_vat, without = self.totals(specs)
        return {
            "vat": money(with_vat - without),
            "toPay": money(with_vat),
            "currencyCode": head.currency,
            "withoutVat": money(without),
            "withVat": money(with_vat),
            "exchangeRate": self.exchange_rate(head),
        }

    def list_item(self, head: Head, specs: list[tuple], code: str) -> dict:
        person = head.person
        ship = self.shippings[head.shipping]
        pay = self.payments[head.payment]
        lang = self.profile.language
        return {
            "code": code,
            "guid": self.guids.guid(head.index),
            "creationTime": fmt_dt(head.created),
            "changeTime": fmt_dt(head.changed),
            "fullName": person.first + " " + person.last,
            "company": person.company,
            "email": person.email,
            "phone": person.phone,
            "remark": head.remark,
            "customerGuid": self.customers.guids.guid(head.customer) if head.customer is not None else None,
            "cashDeskOrder": head.source == -2,
            "adminUrl": f"{self.admin_base}/admin/objednavky-detail/?id={head.index + 1}",
            "status": {"id": head.status, "name": status_name(head.status, lang)},
            "source": {"id": head.source, "name": "Pokladna" if head.source == -2 else "E-shop"},
            "shipping": {"guid": ship[0], "name": ship[1]},
            "paymentMethod": {"guid": pay[0], "name": pay[1]},
            "price": self.price_obj(head, specs),
            "paid": head.paid,
        }

    def detail(self, head: Head, specs: list[tuple], code: str, include: frozenset | set) -> dict:
        person = head.person
        ship = self.shippings[head.shipping]
        pay = self.payments[head.payment]
        status = {"id": head.status, "name": status_name(head.status, self.profile.language)}
        completed = head.status in COMPLETED_STATUSES
        items = []
        base_item_id = head.index * 16 + 1
        ship_item_id = pay_item_id = 0
        images = "images" in include
        stock_location = "stockLocation" in include
        surcharges = "surchargeParameters" in include
        flags = "productFlags" in include
        templates = self._templates
        foreign = head.currency != self.profile.currency
        for k, spec in enumerate(specs):
            item_type, product, variant, qty, unit, vat_rate, ratio, line_with, line_without = spec
            if item_type == "discount-coupon" or foreign:
                # A coupon's amount differs per order, a foreign price with the day's rate: never cached.
                template = self._template(head, spec)
            else:
                key = (item_type, variant if product is None else variant.code, unit, head.language)
                template = templates.get(key)
                if template is None:
                    template = self._template(head, spec)
                    if len(templates) >= TEMPLATE_CACHE:
                        templates.clear()
                    templates[key] = template
            item = template.copy()
            item_id = base_item_id + k
            qty_text = _AMOUNTS.get(qty) or amount(qty)
            item["amount"] = qty_text
            item["status"] = status
            if qty != 1000 or ratio != 10000:
                item["priceRatio"] = f"{ratio // 10000}.{ratio % 10000:04d}"
                item["itemPrice"] = {"withVat": money(line_with), "withoutVat": money(line_without),
                                     "vat": money(line_with - line_without),
                                     "vatRate": template["unitPrice"]["vatRate"]}
            item["itemId"] = item_id
            item["amountCompleted"] = qty_text if completed else "0.000"
            if product is not None:
                if images:
                    item["mainImage"] = self._main_image(product, head.language)
                if stock_location:
                    item["stockLocation"] = f"{chr(65 + product.index % 6)}-{product.index % 40 + 1:02d}"
            elif item_type == "shipping":
                ship_item_id = item_id
            elif item_type == "billing":
                pay_item_id = item_id
            if surcharges:
                item["surchargeParametersTexts"] = []
                item["surchargeParameters"] = []
            if flags:
                item["productFlags"] = []
            items.append(item)
        billing = person.billing_address()
        if head.delivery is None:
            delivery = {k: billing[k] for k in _DELIVERY_KEYS}
        else:
            name, street, house, city, zip_code, region, region_code = head.delivery
            delivery = {"company": None, "fullName": name, "street": street, "houseNumber": house,
                        "city": city, "district": None, "additional": None, "zip": zip_code,
                        "countryCode": person.country, "regionName": region,
                        "regionShortcut": region_code}
        order = {
            "code": code,
            "guid": self.guids.guid(head.index),
            "externalCode": None,
            "creationTime": fmt_dt(head.created),
            "changeTime": fmt_dt(head.changed),
            "email": person.email,
            "phone": person.phone,
            "birthDate": None,
            "clientIPAddress": head.ip,
            "customerGuid": self.customers.guids.guid(head.customer) if head.customer is not None else None,
            "cashDeskOrder": head.source == -2,
            "stockId": self.stock_id,
            "addressesEqual": head.delivery is None,
            "vatPayer": True,
            "vatMode": "Normal" if person.country == self.profile.country else "One Stop Shop",
            "billingMethod": {"id": pay[2], "name": BILLING_METHODS[pay[2]]},
            "paymentMethod": {"guid": pay[0], "name": pay[1]},
            "shipping": {"guid": ship[0], "name": ship[1]},
            "adminUrl": f"{self.admin_base}/admin/objednavky-detail/?id={head.index + 1}",
            "status": status,
            "source": {"id": head.source, "name": "Pokladna" if head.source == -2 else "E-shop"},
            "price": self.price_obj(head, specs),
            "paid": head.paid,
            "billingAddress": billing,
            "deliveryAddress": delivery,
            "onlinePaymentLink": None,
            "language": head.language,
            "referer": None,
            "paymentMethods": [{"paymentMethod": {"guid": pay[0], "name": pay[1]}, "itemId": pay_item_id}],
            "shippings": [{"shipping": {"guid": ship[0], "name": ship[1]}, "itemId": ship_item_id}],
            "items": items,
        }
        if "notes" in include:
            order["notes"] = {
                "customerRemark": head.remark,
                "eshopRemark": None,
                "trackingNumber": f"Z{head.index:010d}" if completed and ship[3] else None,
                "trackingUrl": None,
                "additionalFields": [],
            }
        if "shippingDetails" in include:
            order["shippingDetails"] = None if ship[3] is None else {
                "branchId": None, "shippingCompanyCode": ship[3], "shippingServiceCode": None,
                "name": ship[1], "note": None, "place": None, "street": None, "city": None,
                "zipCode": None, "countryCode": person.country, "link": None, "latitude": None,
                "longitude": None, "carrierId": None,
            }
        if "paymentTransactions" in include:
            order["paymentTransactions"] = []
            if pay[2] == 4 and head.paid:
                order["paymentTransactions"].append({
                    "transactionId": f"TX{head.index:09d}",
                    "price": order["price"]["toPay"],
                    "status": "paid",
                    "creationTime": order["creationTime"],
                    "changeTime": order["creationTime"],
                })
        return order

    def _template(self, head: Head, spec: tuple) -> dict:
        """Static part of an order line; shared across orders (copied, never mutated)."""
        item_type, product, variant, _qty, unit, vat_rate, _ratio, _lw, _lwo = spec
        rate = money(vat_rate)
        unit_without = _without_vat(unit, vat_rate)
        unit_price = {"withVat": money(unit), "withoutVat": money(unit_without),
                      "vat": money(unit - unit_without), "vatRate": rate}
        if product is not None:
            purchase = rates.convert(variant.purchase, rates.rate(head.currency, self.profile.currency, head.created),
                                     head.currency)
            return {
                "productGuid": product.guid,
                "code": variant.code,
                "ean": variant.ean,
                "itemType": item_type,
                "productType": product.type,
                "name": self.catalog.name(product, head.language),
                "variantName": self.catalog.variant_name(variant, head.language),
                "brand": product.brand[1] if product.brand else None,
                "remark": None,
                "weight": amount(variant.weight),
                "additionalField": None,
                "amount": "1.000",
                "amountUnit": "ks",
                "priceRatio": "1.0000",
                "status": None,
                "itemPrice": unit_price,
                "unitPrice": unit_price,
                # The spec's purchasePrice/unitPrice; older Postman examples use `buyPrice`
                # and a numeric `ean` instead.
                "purchasePrice": {"withVat": money(purchase * (10000 + vat_rate) // 10000),
                                  "withoutVat": money(purchase),
                                  "vat": money(purchase * vat_rate // 10000), "vatRate": rate},
                "recyclingFee": None,
                "supplierName": None,
                "itemId": 0,
                "warrantyDescription": None,
                "amountCompleted": "0.000",
            }
        if item_type == "shipping":
            name, code_value = self.shippings[variant][1], None
        elif item_type == "billing":
            name, code_value = self.payments[variant][1], None
        else:
            name = f"{words.COUPON_NAMES[words.lang_index(head.language)]} {variant}"
            code_value = variant
        return {
            "productGuid": None,
            "code": code_value,
            "ean": None,
            "itemType": item_type,
            "productType": None,
            "name": name,
            "variantName": None,
            "brand": None,
            "remark": None,
            "weight": "0.000",
            "additionalField": None,
            "amount": "1.000",
            "amountUnit": None,
            "priceRatio": "1.0000",
            "status": None,
            "itemPrice": unit_price,
            "unitPrice": unit_price,
            "purchasePrice": None,
            "recyclingFee": None,
            "itemId": 0,
            "warrantyDescription": None,
            "amountCompleted": "0.000",
        }

    def _main_image(self, product, lang: str) -> dict:
        key = (product.index, lang)
        image = self._main_images.get(key)
        if image is None:
            image = self.data.renderer.main_image(product, lang)
            self._main_images[key] = image
        return image


_AMOUNTS = {k * 1000: f"{k}.000" for k in range(1, 11)}
_DELIVERY_KEYS = ("company", "fullName", "street", "houseNumber", "city", "district", "additional",
                  "zip", "countryCode", "regionName", "regionShortcut")


def _without_vat(with_vat: int, rate: int) -> int:
    """Price without VAT, rounded half up, from a VAT-inclusive price (hundredths)."""
    if with_vat < 0:
        return -_without_vat(-with_vat, rate)
    return (with_vat * 20000 + 10000 + rate) // (2 * (10000 + rate))
