"""Purchase suggestions: how much of each variant to order from its supplier now, from the forecast.

A periodic review with order-up-to levels, per variant:

- lead time L and order cycle R (days) are the supplier's terms (DEFAULT_TERMS when none are set);
- demand over a span of days is the forecast's p50 spread evenly over each week's days, from today on;
- its uncertainty: each week's σ is (p90 − p10) / (2 × 1.2816) (the band is p10–p90), weeks independent, a
  partly covered week counting by its share;
- safety stock = z(service level) × σ over the lead time; reorder point = demand over L + safety stock;
- order-up-to level = demand over L + R + safety stock; the suggestion is what the stock position (available)
  lacks of it, raised to the MOQ and then rounded up to whole packs; nothing when the position covers it.

Service level, MOQ and pack size are the variant's terms, else the defaults of its ABC class. A supplier's
suggestion totals its lines' value at unit cost and says when it is below the minimum order value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_CEILING, Decimal
from statistics import NormalDist

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.inventory.models import DraftLine, SupplierTerms, VariantMetrics, VariantSeries, VariantTerms
from app.inventory.pool import pooled_codes

SERVICE_LEVELS = {"A": 0.98, "B": 0.95, "C": 0.90}
DEFAULT_TERMS = {"lead_time_days": 14, "order_cycle_days": 14, "min_order_value": Decimal(0)}
BAND_Z = 1.2816  # p90's z: the p10–p90 band is ±1.2816 σ
NO_SUPPLIER = ""


@dataclass
class Plan:
    demand_lead: float
    demand_cover: float
    safety_stock: float
    reorder_point: float
    order_up_to: float
    raw_quantity: float
    quantity: Decimal


def spread(weekly: list[float], forecast_start: date, today: date, days: int) -> list[tuple[int, float]]:
    """(week index, share of the week) covered by `days` days from `today`."""
    offset = max(0, (today - forecast_start).days)
    covered: dict[int, float] = {}
    for day in range(offset, offset + days):
        week = min(day // 7, len(weekly) - 1)  # beyond the horizon: the last week's rate
        covered[week] = covered.get(week, 0.0) + 1 / 7
    return sorted(covered.items())


def plan_variant(p10: list[float], p50: list[float], p90: list[float], forecast_start: date, today: date, *,
                 lead_days: int, cycle_days: int, service_level: float, position: float,
                 moq: Decimal | None = None, pack: Decimal | None = None) -> Plan:
    """The suggestion for one variant (see the module docstring); the worked examples are in the tests."""
    z = NormalDist().inv_cdf(service_level)
    sigma = [max(0.0, (high - low) / (2 * BAND_Z)) for low, high in zip(p10, p90, strict=True)]

    def demand(days: int) -> float:
        return sum(p50[w] * share for w, share in spread(p50, forecast_start, today, days))

    lead_sigma = math.sqrt(sum((sigma[w] * share) ** 2 for w, share in spread(p50, forecast_start, today,
                                                                                lead_days)))
    safety = z * lead_sigma
    demand_lead, demand_cover = demand(lead_days), demand(lead_days + cycle_days)
    order_up_to = demand_cover + safety
    raw = max(0.0, order_up_to - position)
    return Plan(demand_lead, demand_cover, safety, demand_lead + safety, order_up_to, raw,
                round_quantity(raw, moq, pack))


def round_quantity(raw: float, moq: Decimal | None, pack: Decimal | None) -> Decimal:
    """Nothing stays nothing; otherwise at least the MOQ, then up to whole packs."""
    if raw <= 1e-9:
        return Decimal(0)
    quantity = Decimal(str(round(raw, 6)))
    if moq and quantity < moq:
        quantity = moq
    pack = pack if pack and pack > 0 else Decimal(1)
    return (quantity / pack).to_integral_value(rounding=ROUND_CEILING) * pack


@dataclass
class Line:
    variant_code: str
    name: str | None
    abc: str | None
    available: float
    unit_cost: Decimal | None
    cost_is_sale_price: bool
    plan: Plan
    quantity: Decimal  # the buyer's, else the suggestion
    edited: bool

    @property
    def value(self) -> Decimal:
        return (self.quantity * (self.unit_cost or Decimal(0))).quantize(Decimal("0.01"))


@dataclass
class SupplierDraft:
    supplier_key: str
    supplier_name: str
    lead_time_days: int
    order_cycle_days: int
    min_order_value: Decimal
    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return sum((line.value for line in self.lines if line.quantity > 0), Decimal(0))

    @property
    def ordered_lines(self) -> list[Line]:
        return [line for line in self.lines if line.quantity > 0]

    @property
    def below_minimum(self) -> bool:
        return 0 < self.total < self.min_order_value


def supplier_drafts(session: Session, shop_id: int, supplier_key: str | None = None) -> list[SupplierDraft]:
    """Every supplier's suggestion (or one's), lines with something to order or edited by the buyer; a
    follower's variants that its master shop plans for are left to the master (app/inventory/pool.py)."""
    from app.shops.models import Shop

    pooled = pooled_codes(session, session.get(Shop, shop_id))
    terms = {t.supplier_key: t for t in session.scalars(select(SupplierTerms).where(SupplierTerms.shop_id == shop_id))}
    variant_terms = {t.variant_code: t for t in session.scalars(
        select(VariantTerms).where(VariantTerms.shop_id == shop_id))}
    edits = {d.variant_code: d.quantity for d in session.scalars(select(DraftLine).where(DraftLine.shop_id == shop_id))}
    query = (select(VariantMetrics, VariantSeries)
             .join(VariantSeries, (VariantSeries.shop_id == VariantMetrics.shop_id)
                   & (VariantSeries.variant_code == VariantMetrics.variant_code))
             .where(VariantMetrics.shop_id == shop_id).order_by(VariantMetrics.variant_code))
    if supplier_key is not None:
        query = query.where(VariantMetrics.supplier_key == supplier_key) if supplier_key != NO_SUPPLIER else \
            query.where(VariantMetrics.supplier_key.is_(None))
    drafts: dict[str, SupplierDraft] = {}
    for metrics, series in session.execute(query):
        if metrics.variant_code in pooled:
            continue
        key = metrics.supplier_key or NO_SUPPLIER
        draft = drafts.get(key)
        if draft is None:
            own = terms.get(key)
            draft = drafts[key] = SupplierDraft(
                key, metrics.supplier_name or "", own.lead_time_days if own else DEFAULT_TERMS["lead_time_days"],
                own.order_cycle_days if own else DEFAULT_TERMS["order_cycle_days"],
                own.min_order_value if own else DEFAULT_TERMS["min_order_value"])
        vt = variant_terms.get(metrics.variant_code)
        service = (vt.service_level if vt and vt.service_level else SERVICE_LEVELS.get(metrics.abc or "C", 0.9))
        today = metrics.as_of or series.forecast_start
        plan = plan_variant(series.p10, series.p50, series.p90, series.forecast_start, today,
                            lead_days=draft.lead_time_days, cycle_days=draft.order_cycle_days, service_level=service,
                            position=float(metrics.available or 0), moq=vt.moq if vt else None,
                            pack=vt.pack_size if vt else None)
        edited = metrics.variant_code in edits
        quantity = edits[metrics.variant_code] if edited else plan.quantity
        if quantity > 0 or edited:
            draft.lines.append(Line(metrics.variant_code, metrics.name, metrics.abc, float(metrics.available or 0),
                                    metrics.unit_cost, metrics.cost_is_sale_price, plan, quantity, edited))
    return sorted(drafts.values(), key=lambda d: (-d.total, d.supplier_name))
