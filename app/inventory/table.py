"""The inventory table (/inventory): one row per variant, read from the metrics rows, declared once.

Index behind each read (migration inventory):
- days of cover (the default, soonest out first): `ix_inventory_metrics_shop_cover (shop_id, days_of_cover, id)`;
- stock value: `ix_inventory_metrics_shop_value (shop_id, stock_value, id)`;
- velocity: `ix_inventory_metrics_shop_velocity (shop_id, velocity, id)`;
- search: variant code prefix, `ix_inventory_metrics_shop_code_prefix` (pattern ops).
"Stockout within N days" is the days-of-cover range's upper end (`cover_max=N`).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.inventory.models import VariantMetrics
from app.tables.cache import cached_per_shops
from app.tables.columns import Column, number, shop, text, yes_no
from app.tables.declaration import Search, Table
from app.tables.filters import Equals, NumberRange, YesNo
from app.tables.keyset import Sort, parse_decimal


def _suppliers(session, shop_ids: list[int]) -> list[str]:
    return cached_per_shops("inventory suppliers", shop_ids, lambda: sorted(session.scalars(
        select(VariantMetrics.supplier_name).distinct().where(VariantMetrics.shop_id.in_(shop_ids),
                                                              VariantMetrics.supplier_name.is_not(None)))))


def _classes(letters: str):
    return lambda session, shop_ids: list(letters)


INVENTORY = Table(
    name="inventory", title=_l("Inventory"), singular="variant", model=VariantMetrics,
    row_columns=(
        VariantMetrics.id, VariantMetrics.shop_id, VariantMetrics.variant_code, VariantMetrics.name,
        VariantMetrics.supplier_name, VariantMetrics.on_hand, VariantMetrics.available, VariantMetrics.units_7,
        VariantMetrics.units_30, VariantMetrics.units_90, VariantMetrics.units_365, VariantMetrics.velocity,
        VariantMetrics.days_of_cover, VariantMetrics.stockout_on, VariantMetrics.last_sale_on,
        VariantMetrics.stock_value, VariantMetrics.cost_is_sale_price, VariantMetrics.abc, VariantMetrics.xyz,
        VariantMetrics.dead, VariantMetrics.forecast_12w, VariantMetrics.model,
    ),
    columns=(
        Column("variant", _l("Variant"), (("variant_code", text("variant_code")), ("name", text("name")))),
        Column("shop", _l("Shop"), (("shop", shop),)),
        Column("supplier", _l("Supplier"), (("supplier", text("supplier_name")),)),
        Column("on_hand", _l("On hand"), (("on_hand", number("on_hand")), ("available", number("available")))),
        Column("sold", _l("Sold 7/30/90/365 days"), (("units_7", number("units_7")), ("units_30", number("units_30")),
                                                       ("units_90", number("units_90")),
                                                       ("units_365", number("units_365")))),
        Column("velocity", _l("Units a day"), (("velocity", number("velocity")),)),
        Column("cover", _l("Days of cover"), (("days_of_cover", number("days_of_cover")),
                                              ("stockout_on", text("stockout_on")))),
        Column("last_sale", _l("Last sale"), (("last_sale_on", text("last_sale_on")),)),
        Column("value", _l("Stock value"), (("stock_value", number("stock_value")),
                                            ("value_at_sale_price", yes_no("cost_is_sale_price")))),
        Column("class", _l("ABC/XYZ"), (("abc", text("abc")), ("xyz", text("xyz")))),
        Column("dead", _l("Dead stock"), (("dead", yes_no("dead")),)),
        Column("forecast", _l("Forecast 12 weeks"), (("forecast_12w", number("forecast_12w")),
                                                     ("model", text("model")))),
    ),
    default_columns=("variant", "supplier", "on_hand", "sold", "cover", "value", "class", "forecast"),
    sorts=(
        Sort("cover", _l("Soonest out of stock"), VariantMetrics.days_of_cover, descending=False,
             parse=float, nullable=True, index="ix_inventory_metrics_shop_cover"),
        Sort("value", _l("Highest stock value"), VariantMetrics.stock_value, descending=True, parse=parse_decimal,
             nullable=True, index="ix_inventory_metrics_shop_value"),
        Sort("velocity", _l("Fastest selling"), VariantMetrics.velocity, descending=True, parse=float,
             nullable=True, index="ix_inventory_metrics_shop_velocity"),
    ),
    filters=(
        Equals("supplier", VariantMetrics.supplier_name, _l("Supplier"), any_label=_l("Any supplier"),
               choices=_suppliers),
        Equals("abc", VariantMetrics.abc, _l("ABC class"), any_label=_l("Any ABC class"), choices=_classes("ABC")),
        Equals("xyz", VariantMetrics.xyz, _l("XYZ class"), any_label=_l("Any XYZ class"), choices=_classes("XYZ")),
        YesNo("dead", _l("Dead stock"), lambda yes: VariantMetrics.dead.is_(yes),
              options=(_l("Dead stock or not"), _l("Dead stock"), _l("Selling"))),
        NumberRange("cover", VariantMetrics.days_of_cover, _l("Days of cover (stockout within)")),
    ),
    search=Search(_l("Variant code"), prefix=(VariantMetrics.variant_code,)),
    rows_template="inventory/_rows.html",
)
