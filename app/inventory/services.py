"""Writes of the buyer: supplier and variant terms, quantities in a purchase order draft. They validate
everything first (InventoryInputError says what to fix) and flush; the route commits."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.inventory.models import DraftLine, SupplierTerms, VariantMetrics, VariantTerms

MAX_QUANTITY = Decimal("1000000")


class InventoryInputError(ValueError):
    """Bad input from a form, said so a person can fix it."""


def parse_quantity(value: str | None, label: str, *, allow_empty: bool = False) -> Decimal | None:
    text = (value or "").strip().replace(",", ".")
    if not text:
        if allow_empty:
            return None
        raise InventoryInputError(f"{label}: enter a number.")
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise InventoryInputError(f"{label}: '{value}' is not a number.") from None
    if not number.is_finite() or number < 0 or number > MAX_QUANTITY:
        raise InventoryInputError(f"{label}: enter a number from 0 to {MAX_QUANTITY}.")
    return number.quantize(Decimal("0.001"))


def _variant(session: Session, shop_id: int, code: str) -> VariantMetrics:
    metrics = session.scalar(select(VariantMetrics).where(VariantMetrics.shop_id == shop_id,
                                                          VariantMetrics.variant_code == code))
    if metrics is None:
        raise InventoryInputError(f"There is no variant {code} in this shop's inventory.")
    return metrics


def set_draft_quantity(session: Session, shop_id: int, code: str, value: str | None) -> Decimal:
    """The buyer's quantity for a variant; an empty value goes back to the suggestion."""
    _variant(session, shop_id, code)
    quantity = parse_quantity(value, "Quantity", allow_empty=True)
    if quantity is None:
        session.execute(delete(DraftLine).where(DraftLine.shop_id == shop_id, DraftLine.variant_code == code))
        return Decimal(-1)
    session.execute(insert(DraftLine).values(shop_id=shop_id, variant_code=code, quantity=quantity)
                    .on_conflict_do_update(index_elements=["shop_id", "variant_code"],
                                           set_={"quantity": quantity, "updated_at": func.now()}))
    return quantity


def clear_draft(session: Session, shop_id: int, codes: list[str]) -> None:
    session.execute(delete(DraftLine).where(DraftLine.shop_id == shop_id, DraftLine.variant_code.in_(codes)))


def set_supplier_terms(session: Session, shop_id: int, supplier_key: str, form: dict) -> SupplierTerms:
    lead = _whole(form.get("lead_time_days"), "Lead time (days)", 0, 365)
    cycle = _whole(form.get("order_cycle_days"), "Order cycle (days)", 1, 365)
    minimum = parse_quantity(form.get("min_order_value"), "Minimum order value", allow_empty=True) or Decimal(0)
    terms = session.get(SupplierTerms, (shop_id, supplier_key))
    if terms is None:
        terms = SupplierTerms(shop_id=shop_id, supplier_key=supplier_key)
        session.add(terms)
    terms.lead_time_days, terms.order_cycle_days, terms.min_order_value = lead, cycle, minimum
    session.flush()
    return terms


def set_variant_terms(session: Session, shop_id: int, code: str, form: dict) -> VariantTerms:
    _variant(session, shop_id, code)
    moq = parse_quantity(form.get("moq"), "MOQ", allow_empty=True)
    pack = parse_quantity(form.get("pack_size"), "Pack size", allow_empty=True)
    if pack is not None and pack <= 0:
        raise InventoryInputError("Pack size: enter a number above 0, or leave it empty.")
    service_text = (form.get("service_level") or "").strip()
    service = None
    if service_text:
        level = parse_quantity(service_text, "Service level (%)")
        if not Decimal(50) <= level < Decimal(100):
            raise InventoryInputError("Service level (%): enter a number from 50 to 99.9.")
        service = float(level) / 100
    terms = session.get(VariantTerms, (shop_id, code))
    if terms is None:
        terms = VariantTerms(shop_id=shop_id, variant_code=code)
        session.add(terms)
    terms.moq, terms.pack_size, terms.service_level = moq, pack, service
    session.flush()
    return terms


def _whole(value: str | None, label: str, low: int, high: int) -> int:
    text = (value or "").strip()
    if not text.isdigit() or not low <= int(text) <= high:
        raise InventoryInputError(f"{label}: enter a whole number from {low} to {high}.")
    return int(text)
