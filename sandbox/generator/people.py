"""Customers (registered) and the person data of guest orders.

A `Person` is the cheap core shared by customer records and by the orders that
reference them; the full customer object is built from it on demand.  Some people
are registered in several shops of the merchant: customer slot j with
j % SHARED_EVERY == SHARED_SLOT is, in each shop with chance SHARED_CHANCE, the
merchant-level person j (same name, e-mail and phone in every shop that has them).
Marketing consent is not a customer field in Shoptet's API: a customer who agreed
is in the system mailing list "newsletters" (`GET /api/mailing-lists/newsletters`).
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from sandbox.formats import IndexedGuids, fmt_date, fmt_dt, mix
from sandbox.generator import kinds, words
from sandbox.generator.calendar import IntensityTimeline

DAY = 86400
SHARED_EVERY = 10
SHARED_SLOT = 3
SHARED_CHANCE = 0.6
MERCHANT_COUNTRIES = (("CZ", 0.6), ("SK", 0.3), ("DE", 0.1))
CONSENT = 0.45  # share of customers who agreed to receive newsletters when registering
UNSUBSCRIBED = 0.15  # ... of whom later opted out


@dataclass(slots=True)
class Person:
    first: str
    last: str
    country: str
    city: str
    zip: str
    region: str
    region_code: str
    street: str
    house: str
    email: str
    phone: str | None
    company: str | None
    company_id: str | None
    vat_id: str | None
    birth: int | None  # epoch seconds of birth date
    delivery: list[tuple]  # extra delivery addresses: (fullName, street, house, city, zip, region, code)

    @property
    def full_name(self) -> str:
        return f"{self.first} {self.last}"

    def billing_address(self) -> dict:
        return {
            "company": self.company,
            "fullName": self.full_name,
            "street": self.street,
            "houseNumber": self.house,
            "city": self.city,
            "district": None,
            "additional": None,
            "zip": self.zip,
            "countryCode": self.country,
            "regionName": self.region,
            "regionShortcut": self.region_code,
            "companyId": self.company_id,
            "vatId": self.vat_id,
            "vatIdValidationStatus": "verified" if self.vat_id else None,
            "taxId": None,
        }


def draw_person(rng: random.Random, countries: tuple[tuple[str, float], ...], email_tag: str,
                with_extras: bool) -> Person:
    """Draw a person from `rng`; `email_tag` makes the e-mail unique."""
    r = rng.random()
    country = countries[-1][0]
    for code, share in countries:
        if r < share:
            country = code
            break
        r -= share
    firsts = words.FIRST_NAMES[country]
    first, gender = firsts[int(rng.random() * len(firsts))]
    lasts = words.LAST_NAMES[country]
    last = lasts[int(rng.random() * len(lasts))][0 if gender == "m" else 1]
    city, zip_code, region, region_code = words.CITIES[country][int(rng.random() * len(words.CITIES[country]))]
    streets = words.STREETS[country]
    street = streets[int(rng.random() * len(streets))]
    house = f"{1 + int(rng.random() * 180)}" + ("/" + str(1 + int(rng.random() * 40)) if rng.random() < 0.3 else "")
    domains = words.MAIL_DOMAINS[country]
    domain = domains[int(rng.random() * len(domains))]
    email = f"{words.ascii_fold(first)}.{words.ascii_fold(last)}{email_tag}@{domain}"
    prefix, leads = words.PHONE_PREFIX[country]
    phone = None
    if rng.random() < 0.9:
        phone = f"{prefix}{leads[int(rng.random() * len(leads))]}{int(rng.random() * 1e8):08d}"
    company = company_id = vat_id = None
    if rng.random() < 0.12:
        company = f"{last} {words.COMPANY_SUFFIX[country]}"
        company_id = f"{int(rng.random() * 1e8):08d}"
        vat_id = f"{country}{company_id}" if rng.random() < 0.7 else None
    birth = None
    delivery: list[tuple] = []
    if with_extras:
        if rng.random() < 0.3:
            birth = -315_619_200 + int(rng.random() * 40 * 365 * DAY)  # 1960..2000
        for _ in range(int(rng.random() * 2.6)):
            c_city, c_zip, c_region, c_code = words.CITIES[country][int(rng.random() * len(words.CITIES[country]))]
            delivery.append((f"{first} {last}", streets[int(rng.random() * len(streets))],
                             str(1 + int(rng.random() * 99)), c_city, c_zip, c_region, c_code))
    return Person(first, last, country, city, zip_code, region, region_code, street, house, email, phone,
                  company, company_id, vat_id, birth, delivery)


class Customers:
    """Registered customers of one shop; customer j is rebuilt from (seed, shop, j)."""

    def __init__(self, seed: int, shop: int, n: int, start: int, end: int,
                 countries: tuple[tuple[str, float], ...], admin_base: str):
        self.seed = seed
        self.shop = shop
        self.n = n
        self.end = end
        self.countries = countries
        self.admin_base = admin_base
        self.guids = IndexedGuids(seed, shop, kinds.CUSTOMER)
        self.account_guids = IndexedGuids(seed, shop, kinds.ACCOUNT)
        self.address_guids = IndexedGuids(seed, shop, kinds.ADDRESS)
        self.timeline = IntensityTimeline(n, start, end, mix(seed, shop, kinds.TIME_CUSTOMER))
        self._cache: dict[int, Person] = {}

    def index_of(self, guid: str) -> int | None:
        j = self.guids.index(guid)
        return j if j is not None and j < self.n else None

    def person(self, j: int) -> Person:
        hit = self._cache.get(j)
        if hit is not None:
            return hit
        if self.shared(j):
            rng = random.Random(mix(self.seed, kinds.PERSON_POOL, j))
            person = draw_person(rng, MERCHANT_COUNTRIES, str(j), with_extras=True)
        else:
            rng = random.Random(mix(self.seed, self.shop, kinds.CUSTOMER, j))
            person = draw_person(rng, self.countries, str(j), with_extras=True)
        if len(self._cache) >= 1024:
            self._cache.clear()
        self._cache[j] = person
        return person

    def shared(self, j: int) -> bool:
        """Is customer j the merchant-level person j (registered in other shops too)?"""
        if j % SHARED_EVERY != SHARED_SLOT:
            return False
        return (mix(self.seed, self.shop, kinds.PERSON_POOL, j) & 0xFFFF) < SHARED_CHANCE * 65536

    def consent(self, j: int) -> tuple[int, int | None] | None:
        """(subscribed at, unsubscribed at or None) of customer j's newsletter consent, None if never."""
        h = mix(self.seed, self.shop, kinds.CONSENT, j)
        if (h & 0xFFFF) >= CONSENT * 65536:
            return None
        created = self.timeline.time(j)
        left = None
        if ((h >> 16) & 0xFFFF) < UNSUBSCRIBED * 65536:
            left = created + (30 + (h >> 32) % 670) * DAY
            if left >= self.end:
                left = None
        return created, left

    def times(self, j: int) -> tuple[int, int]:
        created = self.timeline.time(j)
        delta = mix(self.seed, self.shop, kinds.CUSTOMER, j, 1) % (200 * DAY)
        if delta % 3 == 0:
            return created, created  # a third of customers never changed after sign-up
        return created, min(max(created, self.end - 1), created + delta)

    def list_item(self, j: int) -> dict:
        person = self.person(j)
        created, changed = self.times(j)
        return {
            "guid": self.guids.guid(j),
            "creationTime": fmt_dt(created),
            "changeTime": fmt_dt(changed),
            "billCompany": person.company,
            "billFullName": person.full_name,
            "adminUrl": f"{self.admin_base}/admin/zakaznici-detail/?id={j + 1}",
        }

    def detail(self, j: int) -> dict:
        person = self.person(j)
        created, changed = self.times(j)
        h = mix(self.seed, self.shop, kinds.CUSTOMER, j, 2)
        group = {"id": 2, "name": "VIP"} if h % 10 == 0 else None
        accounts = [{
            "guid": self.account_guids.guid(j * 4),
            "fullName": person.full_name,
            "email": person.email,
            "phone": person.phone,
            "mainAccount": True,
            "authorized": True,
            "emailVerified": (h >> 8) % 5 != 0,
        }]
        if (h >> 16) % 12 == 0:
            accounts.append({
                "guid": self.account_guids.guid(j * 4 + 1),
                "fullName": None,
                "email": f"objednavky.{j}@{person.email.split('@')[1]}",
                "phone": None,
                "mainAccount": False,
                "authorized": True,
                "emailVerified": False,
            })
        delivery = []
        for k, (name, street, house, city, zip_code, region, code) in enumerate(person.delivery):
            delivery.append({
                "guid": self.address_guids.guid(j * 4 + k),
                "company": None,
                "fullName": name,
                "street": street,
                "houseNumber": house,
                "city": city,
                "district": None,
                "additional": None,
                "zip": zip_code,
                "countryCode": person.country,
                "regionName": region,
                "regionShortcut": code,
                "isDefault": k == 0,
            })
        return {
            "guid": self.guids.guid(j),
            "billingAddress": person.billing_address(),
            "deliveryAddress": delivery,
            "creationTime": fmt_dt(created),
            "changeTime": fmt_dt(changed),
            "customerGroup": group,
            "priceList": {"id": 1, "name": "Základní ceník"} if group else None,
            "remark": None,
            "priceRatio": "0.9500" if group else "1.0000",
            "birthDate": fmt_date(person.birth) if person.birth is not None else None,
            "accounts": accounts,
            "disabledOrders": (h >> 24) % 200 == 0,
            "remarks": [],
            "adminUrl": f"{self.admin_base}/admin/zakaznici-detail/?id={j + 1}",
        }
