"""Static description of each simulated e-shop: languages, currency, methods, statuses.

Shops cycle through PROFILES; shop k >= len(PROFILES) reuses profile k % len with a
numbered name, so any --shops value works.
"""

from __future__ import annotations

from dataclasses import dataclass

from sandbox.formats import guid_from, mix


@dataclass(frozen=True)
class Profile:
    name: str
    slug: str
    country: str
    language: str
    languages: tuple[str, ...]
    currency: str
    currencies: tuple[str, ...]
    vat_rates: tuple[int, int]  # standard, reduced in hundredths of a percent
    customer_countries: tuple[tuple[str, float], ...]
    stocks: tuple[str, ...]


PROFILES = (
    Profile("Zelená zahrada", "zelena-zahrada", "CZ", "cs", ("cs", "sk", "en"), "CZK",
            ("CZK", "EUR"), (2100, 1200), (("CZ", 0.86), ("SK", 0.14)),
            ("Hlavní sklad", "Prodejna Brno")),
    Profile("Dobré víno", "dobre-vino", "SK", "sk", ("sk", "cs", "hu"), "EUR", ("EUR", "CZK", "HUF"),
            (2300, 1900), (("SK", 0.8), ("CZ", 0.15), ("HU", 0.05)), ("Sklad Bratislava",)),
    Profile("Bergsport Shop", "bergsport", "DE", "de", ("de", "en"), "EUR", ("EUR",),
            (1900, 700), (("DE", 0.75), ("AT", 0.25)),
            ("Zentrallager", "Filiale Wien", "Außenlager")),
    Profile("Hračkárna Pískoviště", "piskoviste", "CZ", "cs", ("cs", "pl"), "CZK", ("CZK", "PLN"),
            (2100, 1200), (("CZ", 0.9), ("PL", 0.1)), ("Sklad",)),
)

COUNTRY_NAMES = {"CZ": "Česká republika", "SK": "Slovensko", "DE": "Deutschland",
                 "AT": "Österreich", "PL": "Polska", "HU": "Magyarország"}

# The currency a foreign customer pays in, if the shop offers it (else the shop's own).
COUNTRY_CURRENCY = {"CZ": "CZK", "SK": "EUR", "DE": "EUR", "AT": "EUR", "PL": "PLN", "HU": "HUF"}
FOREIGN_CURRENCY_SHARE = 0.7  # of foreign customers' orders, when the shop offers their currency

# System statuses have negative ids, custom ones positive (Shoptet convention).
# (id, names per (cs, sk, de, en), markAsPaid, system, stockClaimResolved)
ORDER_STATUSES = (
    (-1, ("Vyřizuje se", "Vybavuje sa", "In Bearbeitung", "Processing"), False, True, False),
    (-2, ("Vyřízena", "Vybavená", "Erledigt", "Completed"), True, True, True),
    (-3, ("Nevyřízena", "Nevybavená", "Unerledigt", "Pending"), False, True, False),
    (-4, ("Stornována", "Stornovaná", "Storniert", "Cancelled"), False, True, True),
    (1, ("Čeká na platbu", "Čaká na platbu", "Wartet auf Zahlung", "Awaiting payment"), False, False, False),
    (2, ("Zaplaceno", "Zaplatené", "Bezahlt", "Paid"), True, False, False),
    (3, ("Odesláno", "Odoslané", "Versendet", "Shipped"), True, False, True),
    (4, ("Připraveno k vyzvednutí", "Pripravené na vyzdvihnutie", "Abholbereit", "Ready for pickup"),
     False, False, False),
)
DEFAULT_STATUS = -1
CANCELLED_STATUS = -4
STATUS_IDS = tuple(s[0] for s in ORDER_STATUSES)

BILLING_METHODS = {1: "Dobírka", 2: "Převodem", 3: "Hotově", 4: "Kartou"}

# (name, billing method id, price in hundredths of shop currency CZK-ish; EUR shops divide by 25)
PAYMENT_METHODS = {
    "CZ": (("Dobírka", 1, 3900), ("Bankovní převod", 2, 0), ("Platební karta online", 4, 0),
           ("Hotově při převzetí", 3, 0)),
    "SK": (("Dobierka", 1, 150), ("Bankový prevod", 2, 0), ("Platobná karta", 4, 0)),
    "DE": (("Nachnahme", 1, 400), ("Vorkasse", 2, 0), ("Kreditkarte", 4, 0), ("Barzahlung", 3, 0)),
}
# (name, price, shipping company code)
SHIPPING_METHODS = {
    "CZ": (("Zásilkovna", 7900, "zasilkovna"), ("PPL", 12900, "ppl"),
           ("Česká pošta - Balík Do ruky", 13900, "ceska-posta"), ("Osobní odběr", 0, None)),
    "SK": (("Packeta", 290, "zasilkovna"), ("SPS", 450, "sps"), ("Osobný odber", 0, None)),
    "DE": (("DHL Paket", 549, "dhl"), ("DPD", 499, "dpd"), ("Hermes", 449, "hermes"),
           ("Abholung im Laden", 0, None)),
}
SOURCES = ((-1, "E-shop"), (-2, "Pokladna"), (-4, "Marketplace"))


def status_name(status_id: int, lang: str) -> str:
    idx = {"cs": 0, "sk": 1, "de": 2}.get(lang, 3)
    for sid, names, *_ in ORDER_STATUSES:
        if sid == status_id:
            return names[idx]
    raise KeyError(status_id)


def method_guid(seed: int, shop: int, kind: int, index: int) -> str:
    h = mix(seed, shop, 0x5EED, kind, index)
    return guid_from(h, mix(h, 3))


def profile_for(shop: int) -> Profile:
    base = PROFILES[shop % len(PROFILES)]
    if shop < len(PROFILES):
        return base
    n = shop // len(PROFILES) + 1
    return Profile(**{**base.__dict__, "name": f"{base.name} {n}", "slug": f"{base.slug}-{n}"})


def methods_region(country: str) -> str:
    return country if country in PAYMENT_METHODS else ("DE" if country == "AT" else "CZ")
