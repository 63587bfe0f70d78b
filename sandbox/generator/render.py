"""Products as Shoptet writes them: list items, the detail (= snapshot line), includes.

Everything that can change at run time is passed in: texts per language, field
and variant overrides, prices per price list (`price_of`) and stock (`stock_of`),
so the same code renders generated and overlaid products.
"""

from __future__ import annotations

from sandbox.formats import amount, fmt_date, fmt_dt, money
from sandbox.generator import words
from sandbox.generator.catalog import Catalog, Product, Variant
from sandbox.generator.pricing import DEFAULT_PRICELIST, PRICELISTS, action_obj, base_price, pricelist_row, purchase_obj


class ProductRenderer:
    def __init__(self, catalog: Catalog, url_base: str):
        self.catalog = catalog
        self.url_base = url_base
        self.currency = catalog.profile.currency

    def default_price_of(self, product: Product, variant: Variant, pricelist: int = DEFAULT_PRICELIST):
        return base_price(product, variant, pricelist, self.currency)

    # -- parts ------------------------------------------------------------------------
    def brand_obj(self, product: Product) -> dict | None:
        return {"code": product.brand[0], "name": product.brand[1]} if product.brand else None

    def supplier_obj(self, product: Product) -> dict | None:
        if product.supplier is None:
            return None
        return {"guid": self.catalog.supplier_guids[product.supplier], "name": words.SUPPLIERS[product.supplier]}

    def category_obj(self, product: Product, lang: str) -> dict:
        li = words.lang_index(lang)
        return {"guid": self.catalog.category_guids[product.category],
                "name": words.CATEGORIES[product.category][li], "visible": True}

    def _slug(self, product: Product, lang: str) -> str:
        """URL slug; an untranslated product keeps the default language's address."""
        if not self.catalog.translated(product, lang):
            lang = self.catalog.profile.language
        return self.catalog.slug(product, lang)

    def image_list(self, product: Product, lang: str) -> list[dict]:
        slug = self._slug(product, lang)
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

    # -- list item ------------------------------------------------------------------------
    def list_item(self, product: Product, lang: str, include, texts: dict | None = None,
                  fields: dict | None = None) -> dict:
        texts = texts or self.catalog.texts(product, lang)
        name = texts["name"]
        if name is None:  # the list's name is required: fall back to the default language (UNCERTAIN)
            name = self.catalog.name(product, self.catalog.profile.language)
        item = {
            "guid": product.guid,
            "name": name,
            "type": product.type,
            "url": f"{self.url_base}/{self._slug(product, lang)}/",
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

    # -- detail -------------------------------------------------------------------------
    def detail(self, product: Product, lang: str, include, stock_of, texts: dict | None = None,
               fields: dict | None = None, variant_fields: dict | None = None, price_of=None) -> dict:
        """Full product object (= `GET /api/products/{guid}` data = snapshot line).

        stock_of(code, with_times) -> [(stock_id, amount_thousandths, claim_thousandths, changed_ts|None)];
        price_of(product, variant, pricelist) -> pricing.Price.
        """
        catalog = self.catalog
        texts = texts or catalog.texts(product, lang)
        price_of = price_of or self.default_price_of
        li = words.lang_index(lang)
        slug = self._slug(product, lang)
        data = {
            "guid": product.guid,
            "type": product.type,
            "name": texts["name"],
            "indexName": words.ascii_fold(catalog.name(product, catalog.profile.language)),
            "brand": self.brand_obj(product),
            "supplier": self.supplier_obj(product),
            "visibility": product.visibility,
            "creationTime": fmt_dt(product.created),
            "changeTime": fmt_dt(product.changed),
            "shortDescription": texts["shortDescription"],
            "description": texts["description"],
            "metaDescription": texts["metaDescription"],
            "url": f"{self.url_base}/{slug}/",
            "conditionGrade": "used" if product.type == "bazar" else None,
            "conditionDescription": None,
            "internalNote": None,
            "preauthorizationRequired": False,
            "hsCode": None,  # required by the spec, missing from the Postman product examples
            "defaultCategory": self.category_obj(product, lang),
            "additionalName": texts["additionalName"],
            "xmlFeedName": texts["xmlFeedName"],
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
        if texts["metaTitle"] is not None:  # a string when present (spec): untranslated products omit it
            data["metaTitle"] = texts["metaTitle"]
        unit = words.UNITS.get(catalog.profile.language, "pcs")
        avail = words.AVAILABILITY.get(lang, ("In stock", "On order"))
        variant_fields = variant_fields or {}
        with_times = "perStockAmounts" in include
        for v in product.variants:
            stocks = stock_of(v.code, with_times)
            total = sum(s[1] for s in stocks)
            price = price_of(product, v, DEFAULT_PRICELIST)
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
                "price": money(price.price) if price.price is not None else None,
                "commonPrice": money(price.common) if price.common is not None else None,
                "manufacturerCode": None,
                "pluCode": None,
                "isbn": None,
                "serialNo": None,
                "mpn": None,
                "includingVat": price.including_vat,
                "vatRate": money(price.vat_rate),
                "currencyCode": price.currency,
                "minStockSupply": amount(v.min_supply) if v.min_supply is not None else None,
                "actionPrice": action_obj(price),
                "image": f"{product.code}_0.jpg",
                "isProductDefaultImage": True,
                "amountDecimalPlaces": 0,
                "availability": {"id": 1, "name": avail[0]} if total > 0 else None,
                "availabilityWhenSoldOut": {"id": 2, "name": avail[1]},
                "negativeStockAllowed": "no-global",
                "atypicalBilling": False,
                "atypicalShipping": False,
                "boxRestriction": False,
                "url": f"{self.url_base}/{slug}/" + (f"?variantId={v.code}" if data["isVariant"] else ""),
            }
            purchase = purchase_obj(price)
            if purchase is not None:
                variant["prices"] = {"purchasePrice": purchase}
            if "variantParameters" in include:
                variant["name"] = catalog.variant_name(v, lang)
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
                variant["perPricelistPrices"] = [
                    {**pricelist_row(v.code, price_of(product, v, pid), pid), "pricelistId": pid}
                    for pid in PRICELISTS
                ]
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

    def _add_includes(self, data: dict, product: Product, lang: str, li: int, include) -> None:
        if "images" in include:
            data["images"] = self.image_list(product, lang)
        if "allCategories" in include:
            cat = self.category_obj(product, lang)
            data["categories"] = [{"guid": cat["guid"], "name": cat["name"], "parentGuid": None}]
        if "flags" in include:
            data["flags"] = []
            if product.flag is not None:
                code, titles = words.FLAGS[product.flag]
                data["flags"].append({"code": code, "title": titles[li],
                                      "dateFrom": fmt_date(product.created), "dateTo": None})
        if "descriptiveParameters" in include:
            data["descriptiveParameters"] = [{
                "name": words.MATERIALS[0][li], "value": words.MATERIALS[1][product.material][li],
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
