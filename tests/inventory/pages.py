"""Inventory rows for page tests, inserted directly: metrics, a series with its forecast, terms."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.inventory.models import VariantMetrics, VariantSeries

FORECAST_START = date(2025, 12, 29)


def add_variant(session, shop, code: str, *, supplier: str | None = "sup-1", supplier_name: str | None = "Acme",
                available: float = 5, weekly: float = 7, **fields) -> VariantMetrics:
    values = dict(shop_id=shop.id, variant_code=code, product_guid="g", name=f"Variant {code}", category="Garden",
                  supplier_key=supplier, supplier_name=supplier_name if supplier else None,
                  on_hand=Decimal(str(available)), available=Decimal(str(available)), unit_cost=Decimal("100.00"),
                  cost_is_sale_price=False, stock_value=Decimal(str(available * 100)), units_7=Decimal(7),
                  units_30=Decimal(30), units_90=Decimal(90), units_365=Decimal(365), revenue_365=Decimal(36500),
                  stockout_days_90=0, velocity=weekly / 7, days_of_cover=available / (weekly / 7) if weekly else None,
                  abc="A", xyz="X", dead=False, model="TSB+AutoETS", model_error=0.8, baseline_error=0.9,
                  forecast_12w=weekly * 12, as_of=FORECAST_START)
    values.update(fields)
    metrics = VariantMetrics(**values)
    session.add(metrics)
    band = 2.5632
    session.add(VariantSeries(shop_id=shop.id, variant_code=code, first_week=date(2024, 1, 1),
                              sold=[weekly] * 20, demand=[weekly] * 20, stockout_days=[0] * 19 + [3],
                              forecast_start=FORECAST_START, p10=[max(0.0, weekly - band)] * 12, p50=[weekly] * 12,
                              p90=[weekly + band] * 12, source="own"))
    session.flush()
    return metrics
