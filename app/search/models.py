"""The global search's own index, on an expression of a column the imports already write (kept current by those
writes). Declared here, beside the table it serves (migration global_search creates it), so the models still
equal the migrations. Names are searched through the tables' folded indexes (`hub_fold`, declared with their
models), codes and EANs through the catalogue's (app/catalog/models.py).
"""

from __future__ import annotations

from sqlalchemy import Index, func

from app.orders.models import Order

SEARCH_INDEXES = (
    Index("ix_orders_search_code", Order.shop_id, func.upper(Order.code).label("code"),
          postgresql_ops={"code": "text_pattern_ops"}),
)
