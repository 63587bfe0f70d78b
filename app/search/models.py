"""The search's indexes, on expressions of columns the imports already write (kept current by those writes).

Declared here, beside the tables they serve (migration global_search creates them), so the models still equal
the migrations. Names compare as `lower(hub_unaccent(x))`: case- and accent-insensitive, trigram-indexed (a
substring, or one typo through word similarity).
"""

from __future__ import annotations

from sqlalchemy import Index, func

from app.catalog.models import Product, ProductText, ProductVariant
from app.customers.models import Customer
from app.orders.models import Order


def normalized(column):
    return func.lower(func.hub_unaccent(column))


SEARCH_INDEXES = (
    Index("ix_customers_search_name", Customer.shop_id, normalized(Customer.full_name).label("name"),
          postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}),
    Index("ix_customers_search_company", Customer.shop_id, normalized(Customer.company).label("company"),
          postgresql_using="gin", postgresql_ops={"company": "gin_trgm_ops"}),
    Index("ix_products_search_name", Product.shop_id, normalized(Product.name).label("name"),
          postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}),
    Index("ix_product_texts_search_name", ProductText.shop_id, normalized(ProductText.name).label("name"),
          postgresql_using="gin", postgresql_ops={"name": "gin_trgm_ops"}),
    Index("ix_product_variants_search_code", ProductVariant.shop_id, func.lower(ProductVariant.code).label("code"),
          postgresql_ops={"code": "text_pattern_ops"}),
    Index("ix_product_variants_search_ean", ProductVariant.shop_id, ProductVariant.ean),
    Index("ix_orders_search_code", Order.shop_id, func.upper(Order.code).label("code"),
          postgresql_ops={"code": "text_pattern_ops"}),
)
