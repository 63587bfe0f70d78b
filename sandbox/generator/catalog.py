"""Products and variants (kept in memory: a few thousand variants per shop).

The catalogue is the one generated collection we materialise, because every
order line needs a variant's code, EAN and price; it is still a pure function of
(seed, shop, product index).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from sandbox.formats import IndexedGuids, amount, ean13, fmt_date, fmt_dt, guid_from, mix, money
from sandbox.generator import kinds, words
from sandbox.generator.profiles import Profile
from sandbox.generator.timeline import Timeline

DAY = 86400
UNITS = {"cs": "ks", "sk": "ks", "de": "Stk.", "pl": "szt.", "hu": "db"}
AVAILABILITY = {
    "cs": ("Skladem", "Na objednávku"), "sk": ("Na sklade", "Na objednávku"),
    "de": ("Auf Lager", "Auf Bestellung"), "pl": ("Dostępny", "Na zamówienie"),
    "hu": ("Raktáron", "Rendelésre"),
}
MATERIALS = (
    ("Materiál", "Materiál", "Material", "Material", "Materiał", "Anyag"),
    (("dřevo", "drevo", "Holz", "wood", "drewno", "fa"),
     ("plast", "plast", "Kunststoff", "plastic", "plastik", "műanyag"),
     ("kov", "kov", "Metall", "metal", "metal", "fém"),
     ("bavlna", "bavlna", "Baumwolle", "cotton", "bawełna", "pamut")),
)
FLAGS = (("new", ("Novinka", "Novinka", "Neu", "New", "Nowość", "Új")),
         ("action", ("Akce", "Akcia", "Aktion", "Sale", "Promocja", "Akció")),
         ("tip", ("Tip", "Tip", "Tipp", "Tip", "Polecamy", "Tipp")))


@dataclass(slots=True)
class Variant:
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
    stock: dict[int, int]  # stock id -> base amount in thousandths
    claim: int  # thousandths reserved by pending orders


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
    variants: list[Variant] = field(default_factory=list)


class Catalog:
    def __init__(self, seed: int, shop: int, profile: Profile, n: int, start: int, end: int,
                 stock_ids: tuple[int, ...]):
        self.seed = seed
        self.shop = shop
        self.profile = profile
        self.stock_ids = stock_ids
        self.guids = IndexedGuids(seed, shop, kinds.PRODUCT)
        self.timeline = Timeline(n, start - 365 * DAY, end - 7 * DAY,
                                 mix(seed, shop, kinds.TIME_PRODUCT), power=0.8)
        self.end = end
        self.products = [self._make(p) for p in range(n)]
        self.by_code: dict[str, tuple[int, int]] = {}
        for p in self.products:
            for v_idx, v in enumerate(p.variants):
                self.by_code[v.code] = (p.index, v_idx)
        self.category_guids = [guid_from(mix(seed, shop, 0xCA7, k), mix(seed, 0xCA7, k))
                               for k in range(len(words.CATEGORIES))]
        self.supplier_guids = [guid_from(mix(seed, shop, 0x5B, k), mix(seed, 0x5B, k))
                               for k in range(len(words.SUPPLIERS))]

    # -- generation -------------------------------------------------------------------
    def _make(self, p: int) -> Product:
        rng = random.Random(mix(self.seed, self.shop, kinds.PRODUCT, p))
        r = rng.random()
        ptype = "bazar" if r < 0.02 else "service" if r < 0.03 else "product"
        r = rng.random()
        visibility = ("visible" if r < 0.9 else "hidden" if r < 0.95
                      else "detail-only" if r < 0.98 else "blocked")
        noun = int(rng.random() * len(words.NOUNS))
        created = self.timeline.time(p)
        changed = min(self.end - DAY, created + int(rng.random() * 400 * DAY))
        changed = max(changed, created)
        euro = self.profile.currency == "EUR"
        vat_rate = self.profile.vat_rates[0 if rng.random() < 0.85 else 1]
        product = Product(
            index=p, guid=self.guids.guid(p), code=str(1001 + p), type=ptype,
            visibility=visibility, noun=noun,
            adjective=int(rng.random() * len(words.ADJECTIVES)),
            model=f"{words.MODELS[int(rng.random() * len(words.MODELS))]} {1 + int(rng.random() * 40)}",
            category=noun % len(words.CATEGORIES),
            brand=words.BRANDS[int(rng.random() * len(words.BRANDS))] if rng.random() < 0.8 else None,
            supplier=int(rng.random() * len(words.SUPPLIERS)) if rng.random() < 0.6 else None,
            vat_rate=vat_rate, created=created, changed=changed,
            flag=int(rng.random() * len(FLAGS)) if rng.random() < 0.2 else None,
            material=int(rng.random() * len(MATERIALS[1])),
            images=1 + int(rng.random() * 4),
        )
        # Log-uniform base price: CZK 49..4999, EUR 1.99..199.
        base = 49 * (100 ** rng.random())
        n_variants = 1 if rng.random() < 0.5 else 2 + int(rng.random() * 7)
        combos = self._variant_params(rng, n_variants)
        for k, (color, size) in enumerate(combos):
            code = product.code if len(combos) == 1 else f"{product.code}/{_suffix(color, size)}"
            price_units = base * (1 + 0.05 * k)
            price = (int(price_units / 25) * 100 + 90) if euro else int(price_units) * 100
            stock = {}
            for sid in self.stock_ids:
                stock[sid] = 0 if rng.random() < 0.12 else int(rng.random() * 120) * 1000
            product.variants.append(Variant(
                code=code,
                ean=ean13(859_000_000_000 + mix(self.seed, self.shop, p, k) % 1_000_000_000),
                price=price,
                common_price=(price * 6 // 500) * 100 if rng.random() < 0.3 else None,
                purchase=int(price * 10000 / (10000 + vat_rate) * 0.6),
                weight=50 + int(rng.random() * 15000),
                dims=(50 + int(rng.random() * 600), 50 + int(rng.random() * 600),
                      10 + int(rng.random() * 300)),
                color=color, size=size,
                visible=rng.random() < 0.95,
                min_supply=int(rng.random() * 5) * 1000 if rng.random() < 0.3 else None,
                stock=stock,
                claim=int(rng.random() * 3) * 1000 if rng.random() < 0.2 else 0,
            ))
        return product

    @staticmethod
    def _variant_params(rng: random.Random, n: int) -> list[tuple[int | None, str | None]]:
        if n == 1:
            return [(None, None)]
        mode = rng.random()
        if mode < 0.4:
            colors = rng.sample(range(len(words.COLORS)), min(n, len(words.COLORS)))
            return [(c, None) for c in colors]
        if mode < 0.7:
            return [(None, s) for s in words.SIZES[: min(n, len(words.SIZES))]]
        color = int(rng.random() * len(words.COLORS))
        other = (color + 1) % len(words.COLORS)
        sizes = words.SIZES[1:5]
        combos = [(c, s) for c in (color, other) for s in sizes]
        return combos[: max(2, n)]

    # -- lookups ----------------------------------------------------------------------
    def eligible(self, t: float) -> int:
        """How many products existed at time t (at least one)."""
        return max(1, self.timeline.count_at(t))

    def variant(self, code: str) -> tuple[Product, Variant] | None:
        hit = self.by_code.get(code)
        if hit is None:
            return None
        product = self.products[hit[0]]
        return product, product.variants[hit[1]]

    def product_by_guid(self, guid: str) -> Product | None:
        p = self.guids.index(guid)
        return self.products[p] if p is not None and p < len(self.products) else None

    # -- texts ------------------------------------------------------------------------
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
        """Translatable fields of a product in one language (PATCH ?language= overrides these)."""
        li = words.lang_index(lang)
        name = self.name(product, lang)
        sentences = [s[li] for s in words.DESCRIPTION_SENTENCES]
        return {
            "name": name,
            "shortDescription": f"<p>{sentences[product.index % 3]}</p>",
            "description": "<p>" + " ".join(sentences) + "</p>",
            "metaDescription": sentences[0],
            "additionalName": words.ADJECTIVES[product.adjective][li],
            "metaTitle": name,
            "xmlFeedName": None,
        }

    def slug(self, product: Product, lang: str) -> str:
        return f"{words.ascii_fold(self.name(product, lang))}-{product.code}"

    # -- rendering --------------------------------------------------------------------
    def brand_obj(self, product: Product) -> dict | None:
        return {"code": product.brand[0], "name": product.brand[1]} if product.brand else None

    def supplier_obj(self, product: Product) -> dict | None:
        if product.supplier is None:
            return None
        return {"guid": self.supplier_guids[product.supplier], "name": words.SUPPLIERS[product.supplier]}

    def category_obj(self, product: Product, lang: str) -> dict:
        li = words.lang_index(lang)
        return {"guid": self.category_guids[product.category],
                "name": words.CATEGORIES[product.category][li], "visible": True}

    def image_list(self, product: Product, lang: str) -> list[dict]:
        slug = self.slug(product, lang)
        return [
            {
                "name": f"{product.code}_{k}.jpg",
                "seoName": f"{slug}{'' if k == 0 else '-' + str(k)}.jpg",
                "cdnName": f"{product.code}_{k}.jpg?{product.created:x}",
                "signedCdnNames": None,  # spec-required (with gallery); Postman images omit both
                "priority": k + 1,
                "description": None,
                "changeTime": fmt_dt(product.created),
                "isMainImage": k == 0,
                "gallery": "product",
            }
            for k in range(product.images)
        ]

    def main_image(self, product: Product, lang: str) -> dict:
        image = self.image_list(product, lang)[0]
        return {k: image[k] for k in ("name", "seoName", "cdnName", "signedCdnNames", "priority",
                                      "description", "changeTime")}

    def list_item(self, product: Product, lang: str, include: set[str], url_base: str,
                  texts: dict | None = None, fields: dict | None = None) -> dict:
        texts = texts or self.texts(product, lang)
        item = {
            "guid": product.guid,
            "name": texts["name"],
            "type": product.type,
            "url": f"{url_base}/{self.slug(product, lang)}/",
            "visibility": product.visibility,
            "creationTime": fmt_dt(product.created),
            "changeTime": fmt_dt(product.changed),
            "brand": self.brand_obj(product),
            "supplier": self.supplier_obj(product),
            "defaultCategory": self.category_obj(product, lang),
            "voteAverageScore": None,
            "voteCount": 0,
            "preauthorizationRequired": False,
        }
        if "images" in include:
            item["mainImage"] = self.main_image(product, lang)
        if fields:
            item.update({k: v for k, v in fields.items() if k in item})
        return item

    def detail(self, product: Product, lang: str, include: set[str], url_base: str,
               stock_of, texts: dict | None = None, fields: dict | None = None,
               variant_fields: dict | None = None) -> dict:
        """Full product object (= `GET /api/products/{guid}` data = snapshot line).

        stock_of(code) -> [(stock_id, amount_thousandths, claim_thousandths, changed_ts)].
        """
        texts = texts or self.texts(product, lang)
        li = words.lang_index(lang)
        slug = self.slug(product, lang)
        data = {
            "guid": product.guid,
            "type": product.type,
            "name": texts["name"],
            "indexName": words.ascii_fold(self.name(product, self.profile.language)),
            "brand": self.brand_obj(product),
            "supplier": self.supplier_obj(product),
            "visibility": product.visibility,
            "creationTime": fmt_dt(product.created),
            "changeTime": fmt_dt(product.changed),
            "shortDescription": texts["shortDescription"],
            "description": texts["description"],
            "metaDescription": texts["metaDescription"],
            "url": f"{url_base}/{slug}/",
            "conditionGrade": "used" if product.type == "bazar" else None,
            "conditionDescription": None,
            "internalNote": None,
            "preauthorizationRequired": False,
            "hsCode": None,  # required by the spec, missing from the Postman product examples
            "defaultCategory": self.category_obj(product, lang),
            "additionalName": texts["additionalName"],
            "xmlFeedName": texts["xmlFeedName"],
            "metaTitle": texts["metaTitle"],
            "adult": False,
            "atypicalBilling": False,
            "atypicalShipping": False,
            "allowIPlatba": True,
            "allowOnlinePayments": True,
            "sizeIdName": None,
            "voteAverageScore": None,
            "voteCount": 0,
            "isVariant": len(product.variants) > 1,
            "variants": [],
        }
        unit = UNITS.get(self.profile.language, "pcs")
        avail = AVAILABILITY.get(lang, ("In stock", "On order"))
        variant_fields = variant_fields or {}
        for v in product.variants:
            stocks = stock_of(v.code)
            total = sum(s[1] for s in stocks)
            variant = {
                "code": v.code,
                "ean": v.ean,
                "stock": amount(total),
                "unit": unit,
                "weight": amount(v.weight),
                "width": f"{v.dims[0] // 10}.{v.dims[0] % 10}",
                "height": f"{v.dims[1] // 10}.{v.dims[1] % 10}",
                "depth": f"{v.dims[2] // 10}.{v.dims[2] % 10}",
                "visible": v.visible,
                "price": money(v.price),
                "commonPrice": money(v.common_price) if v.common_price else None,
                "manufacturerCode": None,
                "pluCode": None,
                "isbn": None,
                "serialNo": None,
                "mpn": None,
                "includingVat": True,
                "vatRate": money(product.vat_rate),
                "currencyCode": self.profile.currency,
                "minStockSupply": amount(v.min_supply) if v.min_supply is not None else None,
                "actionPrice": None,
                "image": f"{product.code}_0.jpg",
                "isProductDefaultImage": True,
                "amountDecimalPlaces": 0,
                "availability": {"id": 1, "name": avail[0]} if total > 0 else None,
                "availabilityWhenSoldOut": {"id": 2, "name": avail[1]},
                "negativeStockAllowed": "no-global",
                "atypicalBilling": False,
                "atypicalShipping": False,
                "boxRestriction": False,
                "url": f"{url_base}/{slug}/" + (f"?variantId={v.code}" if data["isVariant"] else ""),
                "prices": {"purchasePrice": {"price": money(v.purchase),
                                             "vatRate": money(product.vat_rate),
                                             "includingVat": False}},
            }
            if "variantParameters" in include:
                variant["name"] = self.variant_name(v, lang)
                variant["parameters"] = self._parameters(v, li)
            if "measureUnit" in include:
                variant["measureUnit"] = None
            if "perStockAmounts" in include:
                variant["perStockAmounts"] = [
                    {"stockId": sid, "amount": amount(a), "claim": amount(c), "location": None,
                     "lastAmountUpdate": fmt_dt(ts)}
                    for sid, a, c, ts in stocks
                ]
            if "recyclingFee" in include:
                variant["recyclingFee"] = None
            if "consumptionTax" in include:
                variant["consumptionTax"] = None
            if "perPricelistPrices" in include:
                variant["perPricelistPrices"] = [self._pricelist_price(product, v)]
            override = variant_fields.get(v.code)
            if override:
                variant.update(override)
            data["variants"].append(variant)
        self._add_includes(data, product, lang, li, include)
        if fields:
            data.update(fields)
        return data

    def _parameters(self, v: Variant, li: int) -> list[dict]:
        params = []
        if v.color is not None:
            abbr, names, hex_color = words.COLORS[v.color]
            params.append({"paramName": words.PARAM_NAMES["color"][li], "paramIndex": "barva",
                           "paramValue": abbr.lower(), "displayName": words.PARAM_NAMES["color"][li],
                           "rawValue": names[li], "color": hex_color, "image": None,
                           "valuePriority": v.color + 1})
        if v.size is not None:
            params.append({"paramName": words.PARAM_NAMES["size"][li], "paramIndex": "velikost",
                           "paramValue": v.size.lower(), "displayName": words.PARAM_NAMES["size"][li],
                           "rawValue": v.size, "color": None, "image": None,
                           "valuePriority": words.SIZES.index(v.size) + 1})
        return params

    def _pricelist_price(self, product: Product, v: Variant) -> dict:
        return {
            "code": v.code, "currencyCode": self.profile.currency, "includingVat": True,
            "vatRate": money(product.vat_rate), "pricelistId": 1,
            "price": {"price": money(v.price),
                      "commonPrice": money(v.common_price) if v.common_price else None,
                      "buyPrice": money(v.purchase), "priceRatio": "1.000", "actionPrice": None},
            "sales": {"minPriceRatio": "0.000", "freeShipping": False, "freeBilling": False,
                      "loyaltyDiscount": True, "volumeDiscount": True, "quantityDiscount": True,
                      "discountCoupon": True},
            "orderableAmount": {"minimumAmount": None, "maximumAmount": None},
        }

    def _add_includes(self, data: dict, product: Product, lang: str, li: int, include: set[str]):
        if "images" in include:
            data["images"] = self.image_list(product, lang)
        if "allCategories" in include:
            cat = self.category_obj(product, lang)
            data["categories"] = [{"guid": cat["guid"], "name": cat["name"], "parentGuid": None}]
        if "flags" in include:
            data["flags"] = []
            if product.flag is not None:
                code, titles = FLAGS[product.flag]
                data["flags"].append({"code": code, "title": titles[li],
                                      "dateFrom": fmt_date(product.created), "dateTo": None})
        if "descriptiveParameters" in include:
            data["descriptiveParameters"] = [{
                "name": MATERIALS[0][li], "value": MATERIALS[1][product.material][li],
                "description": None, "priority": 1}]
        if "warranty" in include:
            data["warranty"] = None
        if "setItems" in include:
            data["setItems"] = None
        for key in ("surchargeParameters", "filteringParameters", "gifts", "relatedFiles",
                    "relatedVideos"):
            if key in include:
                data[key] = []
        for key in ("alternativeProducts", "relatedProducts"):
            if key in include:
                data[key] = None


def _suffix(color: int | None, size: str | None) -> str:
    parts = []
    if color is not None:
        parts.append(words.COLORS[color][0])
    if size is not None:
        parts.append(size)
    return "-".join(parts)
