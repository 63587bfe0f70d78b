"""Writes of the buyer: supplier and variant terms, quantities in a purchase order draft. They validate
everything first (InventoryInputError says what to fix) and flush; the route commits."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.core import inputs
from app.inventory.models import DraftLine, SupplierTerms, VariantMetrics, VariantTerms

MAX_QUANTITY = Decimal("1000000")


class InventoryInputError(ValueError):
    """Bad input from a form, said so a person can fix it."""


def parse_quantity(value: str | None, label: str, *, allow_empty: bool = False) -> Decimal | None:
    text = (value or "").strip().replace(",", ".")
    if not text:
        if allow_empty:
            return None
        raise InventoryInputError(_("%(name)s: enter a number.", name=label))
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise InventoryInputError(_("%(name)s: %(value)s is not a number.", name=label,
                                    value=repr(text[:40]))) from None
    if not number.is_finite() or number < 0 or number > MAX_QUANTITY:
        raise InventoryInputError(_("%(name)s: enter a number from 0 to %(maximum)s.", name=label,
                                    maximum=MAX_QUANTITY))
    return number.quantize(Decimal("0.001"))


def _variant(session: Session, shop_id: int, code: str) -> VariantMetrics:
    metrics = session.scalar(select(VariantMetrics).where(VariantMetrics.shop_id == shop_id,
                                                          VariantMetrics.variant_code == code))
    if metrics is None:
        raise InventoryInputError(_("There is no variant %(code)s in this shop's inventory.", code=code))
    return metrics


def set_draft_quantity(session: Session, shop_id: int, code: str, value: str | None) -> Decimal:
    """The buyer's quantity for a variant; an empty value goes back to the suggestion."""
    _variant(session, shop_id, code)
    quantity = parse_quantity(value, _("Quantity"), allow_empty=True)
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
    lead = _whole(form.get("lead_time_days"), _("Lead time (days)"), 0, 365)
    cycle = _whole(form.get("order_cycle_days"), _("Order cycle (days)"), 1, 365)
    minimum = parse_quantity(form.get("min_order_value"), _("Minimum order value"), allow_empty=True) or Decimal(0)
    terms = session.get(SupplierTerms, (shop_id, supplier_key))
    if terms is None:
        terms = SupplierTerms(shop_id=shop_id, supplier_key=supplier_key)
        session.add(terms)
    terms.lead_time_days, terms.order_cycle_days, terms.min_order_value = lead, cycle, minimum
    session.flush()
    return terms


def set_variant_terms(session: Session, shop_id: int, code: str, form: dict) -> VariantTerms:
    _variant(session, shop_id, code)
    moq = parse_quantity(form.get("moq"), _("MOQ"), allow_empty=True)
    pack = parse_quantity(form.get("pack_size"), _("Pack size"), allow_empty=True)
    if pack is not None and pack <= 0:
        raise InventoryInputError(_("Pack size: enter a number above 0, or leave it empty."))
    service_text = (form.get("service_level") or "").strip()
    service = None
    if service_text:
        label = _("Service level (%(unit)s)", unit="%")
        level = parse_quantity(service_text, label)
        if not Decimal(50) <= level < Decimal(100):
            raise InventoryInputError(_("%(name)s: enter a number from 50 to 99.9.", name=label))
        service = float(level) / 100
    terms = session.get(VariantTerms, (shop_id, code))
    if terms is None:
        terms = VariantTerms(shop_id=shop_id, variant_code=code)
        session.add(terms)
    terms.moq, terms.pack_size, terms.service_level = moq, pack, service
    session.flush()
    return terms


def _whole(value: str | None, label: str, low: int, high: int) -> int:
    """ASCII digits only (`str.isdigit()` accepts "²", which `int()` refuses)."""
    try:
        number = inputs.whole_number(value, label, minimum=low, maximum=high)
    except inputs.InputError:
        number = None
    if number is None:
        raise InventoryInputError(_("%(name)s: enter a whole number from %(minimum)s to %(maximum)s.", name=label,
                                    minimum=low, maximum=high))
    return number
