"""Reads of the inventory pages: metrics rows, series, the latest backtest, suppliers of a shop."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.inventory.models import Backtest, SupplierTerms, VariantMetrics, VariantSeries, VariantTerms


def series_of(session: Session, metrics: VariantMetrics) -> VariantSeries | None:
    return session.get(VariantSeries, (metrics.shop_id, metrics.variant_code))


def variant_terms(session: Session, metrics: VariantMetrics) -> VariantTerms | None:
    return session.get(VariantTerms, (metrics.shop_id, metrics.variant_code))


def latest_backtest(session: Session, shop_id: int) -> Backtest | None:
    return session.scalar(select(Backtest).where(Backtest.shop_id == shop_id).order_by(Backtest.id.desc()).limit(1))


def suppliers(session: Session, shop_id: int) -> list[dict]:
    """Each supplier of the shop's variants with its terms (or none) and how many variants it has."""
    rows = session.execute(
        select(VariantMetrics.supplier_key, func.max(VariantMetrics.supplier_name), func.count())
        .where(VariantMetrics.shop_id == shop_id).group_by(VariantMetrics.supplier_key)
        .order_by(func.max(VariantMetrics.supplier_name))).all()
    terms = {t.supplier_key: t for t in session.scalars(select(SupplierTerms).where(SupplierTerms.shop_id == shop_id))}
    return [{"key": key or "", "name": name or "", "variants": count, "terms": terms.get(key or "")}
            for key, name, count in rows]
