"""Products, variants, texts and stock written straight into the tables, as an import leaves them."""

from __future__ import annotations

import itertools
import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from app.catalog.models import Product, ProductText, ProductVariant, VariantStock

_n = itertools.count(1)
PRODUCT_ROW = re.compile(r'data-product-id="(\d+)"')


def add_product(session, shop, *, name: str = "Konev", texts: dict | None = None, code: str | None = None,
                ean: str | None = None, brand: str | None = "Gardena", category: str | None = "Zahrada",
                visibility: str = "visible", price: str = "199.00", stock: str = "5", **fields) -> Product:
    """A product with one variant and its texts: {language: {field: value}} (the default language's name
    defaults to `name`)."""
    n = next(_n)
    guid = f"guid-{n:06d}"
    product = Product(shop_id=shop.id, guid=guid, name=name, type="product", visibility=visibility, brand=brand,
                      default_category=category, creation_time=datetime(2025, 1, 1, tzinfo=UTC) + timedelta(days=n),
                      content_hash=b"x", raw={"guid": guid, "name": name}, **fields)
    session.add(product)
    code = code or f"C{n:05d}"
    session.add(ProductVariant(shop_id=shop.id, product_guid=guid, code=code, ean=ean or f"859{n:010d}", name=name,
                               price=Decimal(price), currency=shop.currency, stock=Decimal(stock), visible=True,
                               raw={"code": code}))
    session.add(VariantStock(shop_id=shop.id, stock_id=1, variant_code=code, amount=Decimal(stock)))
    texts = dict(texts or {})
    texts.setdefault(shop.default_language, {"name": name})
    for language, values in texts.items():
        session.add(ProductText(shop_id=shop.id, product_guid=guid, language=language, content_hash=b"x", **values))
    session.flush()
    return product
