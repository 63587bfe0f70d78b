"""Products and variations, materialised once from the Shoptet sandbox's catalogue.

Product p of a WooCommerce store seeded N is product p of Shoptet shop 0 seeded N:
same SKUs (`1001`, `1001/BIL-M`), names, prices and stock, so a later master-shop
feature can pair the two catalogues by SKU.  A one-variant Shoptet product
becomes a `simple` product, a multi-variant one a `variable` product whose
variations carry the variant codes.  Records are "raw": the REST shape without
date strings (epoch seconds under `_ts`), rendered per request by `render.py`.
"""

from __future__ import annotations

from sandbox.generator import words
from sandbox.generator.catalog import Catalog, Product, Variant
from sandbox.generator.profiles import Profile
from sandbox.woocommerce.generator import ids

LANG = "cs"
LI = words.lang_index(LANG)
COLOR_ATTRIBUTE = (1, "Barva", "pa_barva")
SIZE_ATTRIBUTE = (2, "Velikost", "pa_velikost")


def price_text(hundredths: int) -> str:
    """WooCommerce keeps prices as typed: '249', '19.90'."""
    whole, cents = divmod(hundredths, 100)
    return str(whole) if cents == 0 else f"{whole}.{cents:02d}"


def category(k: int) -> dict:
    name = words.CATEGORIES[k][LI]
    return {"id": ids.CATEGORY_BASE + k, "name": name, "slug": words.ascii_fold(name)}


class WooCatalog:
    def __init__(self, seed: int, n: int, start: int, end: int, profile: Profile, home: str):
        self.home = home
        self.source = Catalog(seed, 0, profile, n, start, end, tuple(range(1, len(profile.stocks) + 1)))
        self.products: list[dict] = []
        self.variations: dict[int, list[dict]] = {}
        for product in self.source.products:
            raw = self._product(product)
            self.products.append(raw)
            if raw["type"] == "variable":
                children = [self._variation(product, k, v, raw) for k, v in enumerate(product.variants)]
                self.variations[raw["id"]] = children
                raw["stock_status"] = parent_stock_status(children)

    def eligible(self, ts: int) -> int:
        """How many products existed at `ts` (orders only buy those)."""
        return self.source.eligible(ts)

    # -- building ---------------------------------------------------------------------------
    def _product(self, product: Product) -> dict:
        pid = ids.product_id(product.index)
        name = self.source.name(product, LANG)
        slug = self.source.slug(product, LANG)
        texts = self.source.texts(product, LANG)
        variable = len(product.variants) > 1
        first = product.variants[0]
        status = {"visible": "publish", "detail-only": "publish", "hidden": "private"}.get(product.visibility, "draft")
        raw = {
            "id": pid, "name": name, "slug": slug, "permalink": f"{self.home}/produkt/{slug}/",
            "type": "variable" if variable else "simple", "status": status, "featured": product.flag == 2,
            "catalog_visibility": "hidden" if product.visibility == "detail-only" else "visible",
            "description": texts["description"], "short_description": texts["shortDescription"],
            "sku": product.code, "global_unique_id": "" if variable else first.ean,
            "date_on_sale_from": None, "date_on_sale_to": None, "total_sales": 0,
            "virtual": product.type == "service", "downloadable": False, "downloads": [],
            "download_limit": -1, "download_expiry": -1, "external_url": "", "button_text": "",
            "tax_status": "taxable", "tax_class": "" if product.vat_rate == self.source.profile.vat_rates[0]
            else "reduced-rate",
            "backorders": "no", "backorders_allowed": False, "backordered": False, "low_stock_amount": None,
            "sold_individually": False, "shipping_class": "", "shipping_class_id": 0, "reviews_allowed": True,
            "average_rating": "0.00", "rating_count": 0, "upsell_ids": [], "cross_sell_ids": [], "parent_id": 0,
            "purchase_note": "", "categories": [category(product.category)], "tags": [],
            "images": [{"id": ids.image_id(product.index, k), "src": f"{self.home}/wp-content/uploads/"
                        f"{product.code}_{k}.jpg", "name": f"{product.code}_{k}", "alt": name}
                       for k in range(product.images)],
            "attributes": _attributes(product) if variable else [], "default_attributes": [],
            "variations": [ids.variation_id(product.index, k) for k in range(len(product.variants))]
            if variable else [],
            "grouped_products": [], "menu_order": 0, "related_ids": [], "has_options": variable,
            "post_password": "", "meta_data": [],
            "_ts": {"created": product.created, "modified": product.changed},
        }
        if variable:
            # Prices and stock of a variable product live on its variations (blank on the parent).
            raw.update({"regular_price": "", "sale_price": "", "manage_stock": False, "stock_quantity": None,
                        "stock_status": "instock",
                        "weight": "", "dimensions": {"length": "", "width": "", "height": ""}})
        else:
            raw.update(_prices(first))
            raw.update(_stock_and_size(first))
        return raw

    def _variation(self, product: Product, k: int, variant: Variant, parent: dict) -> dict:
        options = _options(variant)
        return {
            "id": ids.variation_id(product.index, k), "parent_id": parent["id"],
            "name": f"{parent['name']} - {', '.join(o for _, _, o in options)}", "type": "variation",
            "description": "", "permalink": f"{parent['permalink']}?attribute_pa_variant={k}",
            "sku": variant.code, "global_unique_id": variant.ean,
            "date_on_sale_from": None, "date_on_sale_to": None,
            "status": "publish" if variant.visible else "private", "virtual": parent["virtual"],
            "downloadable": False, "downloads": [], "download_limit": -1, "download_expiry": -1,
            "tax_status": "taxable", "tax_class": parent["tax_class"], "backorders": "no",
            "backorders_allowed": False, "backordered": False, "low_stock_amount": None,
            "shipping_class": "", "shipping_class_id": 0,
            "image": parent["images"][0] if parent["images"] else None,
            "attributes": [{"id": aid, "name": name, "option": option} for aid, name, option in options],
            "menu_order": k + 1, "meta_data": [],
            **_prices(variant), **_stock_and_size(variant),
            "_ts": dict(parent["_ts"]),
        }


def _prices(variant: Variant) -> dict:
    if variant.common_price and variant.common_price > variant.price:
        return {"regular_price": price_text(variant.common_price), "sale_price": price_text(variant.price)}
    return {"regular_price": price_text(variant.price), "sale_price": ""}


def _stock_and_size(variant: Variant) -> dict:
    length, width, height = (f"{d // 10}.{d % 10}" if d % 10 else str(d // 10) for d in variant.dims)
    quantity = sum(variant.stock.values()) // 1000
    return {
        "manage_stock": True, "stock_quantity": quantity, "stock_status": "instock" if quantity > 0 else "outofstock",
        "weight": f"{variant.weight / 1000:g}", "dimensions": {"length": length, "width": width, "height": height},
    }


def parent_stock_status(children: list[dict]) -> str:
    """A variable product's stock status is derived from its variations."""
    return "instock" if any(c["stock_status"] == "instock" for c in children) else "outofstock"


def _options(variant: Variant) -> list[tuple[int, str, str]]:
    out = []
    if variant.color is not None:
        out.append((COLOR_ATTRIBUTE[0], COLOR_ATTRIBUTE[1], words.COLORS[variant.color][1][LI]))
    if variant.size is not None:
        out.append((SIZE_ATTRIBUTE[0], SIZE_ATTRIBUTE[1], variant.size))
    return out


def _attributes(product: Product) -> list[dict]:
    attributes = []
    for position, (aid, name, _slug) in enumerate((COLOR_ATTRIBUTE, SIZE_ATTRIBUTE)):
        values = []
        for variant in product.variants:
            for option_id, _, option in _options(variant):
                if option_id == aid and option not in values:
                    values.append(option)
        if values:
            attributes.append({"id": aid, "name": name, "slug": _slug, "position": position, "visible": True,
                               "variation": True, "options": values})
    return attributes
