"""Registered customers (WordPress users with the `customer` role), rebuilt on demand.

Customer j is the person j of the Shoptet generator's shop 0 with the same seed,
so the two sandboxes share their people.  Guests are not customers: their orders
carry `customer_id: 0` and only the billing details.
"""

from __future__ import annotations

import hashlib

from sandbox.formats import mix
from sandbox.generator.people import Customers, Person
from sandbox.woocommerce.generator import ids

PAYING_SALT = 0x9A1


def billing(person: Person) -> dict:
    return {
        "first_name": person.first, "last_name": person.last, "company": person.company or "",
        "address_1": f"{person.street} {person.house}", "address_2": "", "city": person.city, "state": "",
        "postcode": person.zip, "country": person.country, "email": person.email, "phone": person.phone or "",
    }


def shipping(person: Person) -> dict:
    if person.delivery:
        full_name, street, house, city, zip_code, _region, _code = person.delivery[0]
        first, _, last = full_name.partition(" ")
        return {"first_name": first, "last_name": last, "company": "", "address_1": f"{street} {house}",
                "address_2": "", "city": city, "state": "", "postcode": zip_code, "country": person.country,
                "phone": ""}
    address = billing(person)
    del address["email"]
    address["phone"] = ""
    return address


def avatar_url(email: str) -> str:
    digest = hashlib.md5(email.strip().lower().encode(), usedforsecurity=False).hexdigest()
    return f"https://secure.gravatar.com/avatar/{digest}?s=96&d=mm&r=g"


class WooCustomers:
    def __init__(self, seed: int, n: int, start: int, end: int, countries: tuple[tuple[str, float], ...]):
        self.seed = seed
        self.n = n
        self.people = Customers(seed, 0, n, start, end, countries, "")
        self.timeline = self.people.timeline

    def raw(self, j: int) -> dict:
        person = self.people.person(j)
        created, changed = self.people.times(j)
        return {
            "id": ids.customer_id(j), "email": person.email, "first_name": person.first, "last_name": person.last,
            "role": "customer", "username": person.email.split("@")[0],
            "billing": billing(person), "shipping": shipping(person),
            "is_paying_customer": mix(self.seed, PAYING_SALT, j) % 100 < 85,
            "avatar_url": avatar_url(person.email), "meta_data": [],
            "_ts": {"created": created, "modified": changed},
        }

    def person(self, j: int) -> Person:
        return self.people.person(j)
