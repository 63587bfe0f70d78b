"""A shop's products and variants (kept in memory: a few thousand variants per shop).

The catalogue is the one generated collection we materialise, because every
order line needs a variant's code, EAN and price; it is still a pure function of
(seed, shop, slot).  Slot p lists merchant pool item p under the merchant's codes
("code"), the same goods under the shop's own codes ("ean": they pair with the
other shops only by EAN), or goods only this shop sells ("unique").
"""

from __future__ import annotations

import bisect
import random
from array import array
from dataclasses import dataclass, field

from sandbox.formats import IndexedGuids, guid_from, mix
from sandbox.generator import kinds, words
from sandbox.generator.pool import PoolItem, make_item, pool_key, suffix, unique_key
from sandbox.generator.profiles import Profile
from sandbox.generator.timeline import Timeline

DAY = 86400
# Shares of slots per kind; shop 0 keeps the merchant's codes for all goods it shares.
SHARE_MASTER = (0.88, 0.88)
SHARE_FOLLOWER = (0.78, 0.88)  # < first: same codes; < second: same EANs, own codes; rest: own goods
TRANSLATED = 0.85  # chance that a product has texts in a non-default language
TRANSLATED_NEW = 0.4  # ... if it was added in the last 90 days
PROMOS_PER_YEAR = 0.6
EUR_PER_CZK_LIST = 25  # list prices in EUR shops: CZK / 25, ending in .90


@dataclass(slots=True)
class Variant:
    vid: int  # index among the shop's variants (demand and supply arrays)
    product: int
    code: str
    ean: str
    price: int  # hundredths, incl. VAT, shop currency
    common_price: int | None
    purchase: int  # hundredths, excl. VAT
    weight: int  # grams
    dims: tuple[int, int, int]  # tenths of cm
    color: int | None
    size: str | None
    visible: bool
    min_supply: int | None  # thousandths
    stock: dict[int, int]  # secondary stock id -> base amount in thousandths (default stock: supply plan)
    claim: int  # thousandths reserved by pending orders
    share: float  # demand share within its product


@dataclass(slots=True)
class Product:
    index: int
    guid: str
    code: str
    type: str
    visibility: str
    noun: int
    adjective: int
    model: str
    category: int
    brand: tuple[str, str] | None
    supplier: int | None
    vat_rate: int
    created: int
    changed: int
    flag: int | None
    material: int
    images: int
    share: str  # "code", "ean" or "unique"
    pool: int | None  # merchant pool slot, None for the shop's own goods
    popularity: float
    margin: float
    promos: list[tuple[int, int, int]] = field(default_factory=list)  # (from, to, price ratio in 1/10000)
    variants: list[Variant] = field(default_factory=list)


def share_of(seed: int, shop: int, p: int) -> str:
    u = (mix(seed, shop, kinds.SHARE, p) & 0xFFFF) / 65536
    same_codes, same_eans = SHARE_MASTER if shop == 0 else SHARE_FOLLOWER
    return "code" if u < same_codes else "ean" if u < same_eans else "unique"


class Catalog:
    def __init__(self, seed: int, shop: int, profile: Profile, n: int, start: int, end: int,
                 stock_ids: tuple[int, ...]):
        self.seed = seed
        self.shop = shop
        self.profile = profile
        self.stock_ids = stock_ids
        self.start = start
        self.guids = IndexedGuids(seed, shop, kinds.PRODUCT)
        self.timeline = Timeline(n, start - 365 * DAY, end - 7 * DAY,
                                 mix(seed, shop, kinds.TIME_PRODUCT), power=0.8)
        self.end = end
        self.variants: list[Variant] = []
        self.products = [self._make(p) for p in range(n)]
        self.created = array("q", (p.created for p in self.products))
        self.by_code: dict[str, tuple[int, int]] = {}
        for product in self.products:
            for v_idx, v in enumerate(product.variants):
                self.by_code[v.code] = (product.index, v_idx)
        self.category_guids = [guid_from(mix(seed, shop, 0xCA7, k), mix(seed, 0xCA7, k))
                               for k in range(len(words.CATEGORIES))]
        self.supplier_guids = [guid_from(mix(seed, shop, 0x5B, k), mix(seed, 0x5B, k))
                               for k in range(len(words.SUPPLIERS))]

    # -- generation -------------------------------------------------------------------
    def _make(self, p: int) -> Product:
        share = share_of(self.seed, self.shop, p)
        item: PoolItem = make_item(pool_key(self.seed, p) if share != "unique" else unique_key(self.seed, self.shop, p))
        rng = random.Random(mix(self.seed, self.shop, kinds.PRODUCT, p))
        r = rng.random()
        visibility = ("visible" if r < 0.9 else "hidden" if r < 0.95
                      else "detail-only" if r < 0.98 else "blocked")
        created = self.timeline.time(p)
        changed = max(created, min(self.end - DAY, created + int(rng.random() * 400 * DAY)))
        vat_rate = self.profile.vat_rates[item.vat_class]
        if share == "code":
            code = str(1001 + p)
        else:  # the shop's own numbering, never equal to a merchant code
            code = str((self.shop + 1) * 100_000 + (50_000 if share == "ean" else 0) + 1001 + p)
        product = Product(
            index=p, guid=self.guids.guid(p), code=code, type=item.ptype, visibility=visibility,
            noun=item.noun, adjective=item.adjective, model=item.model, category=item.category,
            brand=item.brand, supplier=item.supplier, vat_rate=vat_rate, created=created, changed=changed,
            flag=item.flag, material=item.material, images=item.images, share=share,
            pool=None if share == "unique" else p,
            popularity=item.popularity * (2.718281828 ** (0.35 * rng.gauss(0.0, 1.0))),  # shops differ a little
            margin=item.margin,
        )
        product.promos = self._promos(rng, created)
        euro = self.profile.currency == "EUR"
        for k, (color, size) in enumerate(item.combos):
            if len(item.combos) == 1:
                v_code = code
            elif share == "ean":
                v_code = f"{code}/{k + 1:02d}"
            else:
                v_code = f"{code}/{suffix(color, size)}"
            price_units = item.base * (1 + 0.05 * k)
            price = (int(price_units / EUR_PER_CZK_LIST) * 100 + 90) if euro else int(price_units) * 100
            stock = {sid: 0 if rng.random() < 0.12 else int(rng.random() * 120) * 1000 for sid in self.stock_ids[1:]}
            variant = Variant(
                vid=len(self.variants), product=p, code=v_code, ean=item.eans[k], price=price,
                common_price=(price * 6 // 500) * 100 if rng.random() < 0.3 else None,
                purchase=int(price * 10000 / (10000 + vat_rate) * item.margin),
                weight=item.weights[k], dims=item.dims[k], color=color, size=size,
                visible=rng.random() < 0.95,
                min_supply=int(rng.random() * 5) * 1000 if rng.random() < 0.3 else None,
                stock=stock, claim=int(rng.random() * 3) * 1000 if rng.random() < 0.2 else 0,
                share=item.shares[k],
            )
            self.variants.append(variant)
            product.variants.append(variant)
        return product

    def _promos(self, rng: random.Random, created: int) -> list[tuple[int, int, int]]:
        """Promotion windows (action prices) over the product's life, oldest first."""
        promos = []
        t = max(created, self.start) + int(rng.expovariate(PROMOS_PER_YEAR / 365.0) * DAY)
        while t < self.end - 14 * DAY:
            length = (7 + int(rng.random() * 8)) * DAY
            ratio = 10000 - 500 * (2 + int(rng.random() * 5))  # 10-30 % off
            promos.append((t, t + length, ratio))
            t += length + int(rng.expovariate(PROMOS_PER_YEAR / 365.0) * DAY) + 30 * DAY
        return promos

    # -- lookups ----------------------------------------------------------------------
    def eligible(self, t: float) -> int:
        """How many products exist at t (products are in creation order); at least one."""
        return max(1, bisect.bisect_right(self.created, t))

    def variant(self, code: str) -> tuple[Product, Variant] | None:
        hit = self.by_code.get(code)
        if hit is None:
            return None
        product = self.products[hit[0]]
        return product, product.variants[hit[1]]

    def product_by_guid(self, guid: str) -> Product | None:
        p = self.guids.index(guid)
        return self.products[p] if p is not None and p < len(self.products) else None

    def promo_ratio(self, product: Product, t: float) -> int:
        """Price ratio (1/10000) of an action price valid at t, 10000 if none."""
        for start, stop, ratio in product.promos:
            if start <= t < stop:
                return ratio
            if start > t:
                break
        return 10000

    # -- texts ------------------------------------------------------------------------
    def translated(self, product: Product, lang: str) -> bool:
        """Is the product translated into `lang`? The default language always is."""
        if lang == self.profile.language:
            return True
        chance = TRANSLATED_NEW if product.created > self.end - 90 * DAY else TRANSLATED
        return (mix(self.seed, self.shop, kinds.TEXTS, product.index, words.lang_index(lang)) & 0xFFFF) < chance * 65536

    def name(self, product: Product, lang: str) -> str:
        # Adjectives would need grammatical gender per language; noun + model reads fine.
        return f"{words.NOUNS[product.noun][words.lang_index(lang)]} {product.model}"

    def variant_name(self, variant: Variant, lang: str) -> str | None:
        li = words.lang_index(lang)
        parts = []
        if variant.color is not None:
            parts.append(f"{words.PARAM_NAMES['color'][li]}: {words.COLORS[variant.color][1][li]}")
        if variant.size is not None:
            parts.append(f"{words.PARAM_NAMES['size'][li]}: {variant.size}")
        return ", ".join(parts) or None

    def texts(self, product: Product, lang: str) -> dict:
        """Translatable fields of a product in one language (PATCH ?language= overrides these).

        An untranslated language has no texts: every field is None (Shoptet shows the
        product without a name in that language until someone translates it)."""
        if not self.translated(product, lang):
            return dict.fromkeys(TEXT_KEYS)
        li = words.lang_index(lang)
        name = self.name(product, lang)
        sentences = [s[li] for s in words.DESCRIPTION_SENTENCES]
        material = f"{MATERIAL_LABEL[li]}: {words.MATERIALS[1][product.material][li]}"
        return {
            "name": name,
            "shortDescription": f"<p>{sentences[product.index % 3]}</p>",
            "description": f"<h2>{name}</h2><p>{' '.join(sentences)}</p><ul><li>{material}</li></ul>",
            "metaDescription": sentences[0],
            "additionalName": words.ADJECTIVES[product.adjective][li],
            "metaTitle": name,
            "xmlFeedName": None,
        }

    def slug(self, product: Product, lang: str) -> str:
        return f"{words.ascii_fold(self.name(product, lang))}-{product.code}"


TEXT_KEYS = ("name", "shortDescription", "description", "metaDescription", "additionalName", "metaTitle",
             "xmlFeedName")
MATERIAL_LABEL = words.MATERIALS[0]
