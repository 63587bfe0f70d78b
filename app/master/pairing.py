"""Pair a follower shop's variants with the master shop's: by code, then by EAN (one candidate only).

What a person decided (paired by hand, "not sold here") is kept; automatic pairs are recomputed on every run,
so a variant that appears later is paired by the same rules, and a pair whose master variant is gone is
dropped. A follower variant whose EAN matches several master variants is ambiguous and left for a person.
Pairs are keyed by codes, so they survive re-imports. Flush, never commit.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import delete, func, select
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from app.audit.services import record
from app.catalog.models import ProductVariant
from app.master.models import AUTOMATIC, VariantPair
from app.shops.models import Shop


class PairingError(ValueError):
    """A pairing a person asked for that cannot be made; the message says why."""


@dataclass
class PairingReport:
    by_code: int = 0
    by_ean: int = 0
    kept: int = 0  # paired by hand or marked "not sold here" earlier
    ambiguous: dict[str, list[str]] = field(default_factory=dict)  # follower code → master candidates
    unpaired: list[str] = field(default_factory=list)

    @property
    def paired(self) -> int:
        return self.by_code + self.by_ean + self.kept


def _variants(session: Session, shop_id: int) -> dict[str, str | None]:
    """code → EAN (None when it has none)."""
    rows = session.execute(select(ProductVariant.code, ProductVariant.ean).where(ProductVariant.shop_id == shop_id))
    return {code: (ean or "").strip() or None for code, ean in rows}


def match(master: dict[str, str | None], follower: dict[str, str | None],
          kept: set[str]) -> tuple[dict[str, tuple[str, str]], PairingReport]:
    """The automatic pairs (follower code → (master code, how)) and the report; codes in `kept` are a person's."""
    by_ean: dict[str, list[str]] = defaultdict(list)
    for code, ean in master.items():
        if ean:
            by_ean[ean].append(code)
    pairs: dict[str, tuple[str, str]] = {}
    report = PairingReport()
    for code in sorted(follower):
        ean = follower[code]
        if code in kept:
            report.kept += 1
        elif code in master:
            pairs[code] = (code, "code")
            report.by_code += 1
        elif ean and len(by_ean.get(ean, ())) == 1:
            pairs[code] = (by_ean[ean][0], "ean")
            report.by_ean += 1
        elif ean and ean in by_ean:
            report.ambiguous[code] = sorted(by_ean[ean])
        else:
            report.unpaired.append(code)
    return pairs, report


def pair_shop(session: Session, master: Shop, follower: Shop) -> PairingReport:
    """Store the automatic pairs of `follower` with `master` and report what is left for a person. Only what
    moved is written (compared in memory), so re-pairing an unchanged catalogue costs two reads."""
    existing = {code: (master_shop_id, master_code, how) for code, master_shop_id, master_code, how in session.execute(
        select(VariantPair.follower_code, VariantPair.master_shop_id, VariantPair.master_code, VariantPair.how)
        .where(VariantPair.follower_shop_id == follower.id))}
    kept = {code for code, (shop_id, _, how) in existing.items() if shop_id == master.id and how not in AUTOMATIC}
    pairs, report = match(_variants(session, master.id), _variants(session, follower.id), kept)
    # Pairs with another master (the master shop was changed) and automatic pairs no longer made are dropped.
    gone = [code for code, (shop_id, _, how) in existing.items()
            if shop_id != master.id or (how in AUTOMATIC and code not in pairs)]
    for start in range(0, len(gone), 5000):
        session.execute(delete(VariantPair).where(VariantPair.follower_shop_id == follower.id,
                                                  VariantPair.follower_code == func.any(gone[start:start + 5000])))
    rows = [{"organization_id": follower.organization_id, "follower_shop_id": follower.id, "follower_code": code,
             "master_shop_id": master.id, "master_code": master_code, "how": how}
            for code, (master_code, how) in pairs.items()
            if existing.get(code) != (master.id, master_code, how) or code in gone]
    for start in range(0, len(rows), 1000):
        statement = insert(VariantPair)
        session.execute(statement.on_conflict_do_update(
            index_elements=["follower_shop_id", "follower_code"],
            set_={"master_shop_id": statement.excluded.master_shop_id, "master_code": statement.excluded.master_code,
                  "how": statement.excluded.how}), rows[start:start + 1000])
    return report


def pair_by_hand(session: Session, master: Shop, follower: Shop, follower_code: str, master_code: str | None, *,
                 actor_id: int | None = None) -> VariantPair:
    """A person pairs a follower variant with a master variant, or (master_code None) marks it not sold here."""
    if master.organization_id != follower.organization_id or master.id == follower.id:
        raise PairingError("Pair a variant of another shop of the same organization with the master shop.")
    if not _has(session, follower.id, follower_code):
        raise PairingError(f"{follower.name} has no variant with code {follower_code!r}.")
    if master_code and not _has(session, master.id, master_code):
        raise PairingError(f"The master shop has no variant with code {master_code!r}.")
    how = "hand" if master_code else "not_sold"
    pair = session.execute(select(VariantPair).where(VariantPair.follower_shop_id == follower.id,
                                                     VariantPair.follower_code == follower_code)).scalar_one_or_none()
    old = (pair.master_code, pair.how) if pair else (None, None)
    if pair is None:
        pair = VariantPair(organization_id=follower.organization_id, follower_shop_id=follower.id,
                           follower_code=follower_code, master_shop_id=master.id)
        session.add(pair)
    pair.master_shop_id, pair.master_code, pair.how = master.id, master_code, how
    pair.desired_stock = None
    session.flush()
    record(session, organization_id=follower.organization_id, actor_id=actor_id, action="master.paired",
           target_type="shop", target_id=follower.id, follower_code=follower_code,
           old={"master_code": old[0], "how": old[1]}, new={"master_code": master_code, "how": how})
    return pair


def _has(session: Session, shop_id: int, code: str) -> bool:
    return session.execute(select(ProductVariant.id).where(ProductVariant.shop_id == shop_id,
                                                           ProductVariant.code == code)).first() is not None


def set_fixed_price(session: Session, follower: Shop, follower_code: str, price: Decimal | None, *,
                    actor_id: int | None = None) -> VariantPair:
    """A person sets (or, with None, clears) the price a paired variant gets under the "fixed" price rule."""
    pair = session.execute(select(VariantPair).where(VariantPair.follower_shop_id == follower.id,
                                                     VariantPair.follower_code == follower_code)).scalar_one_or_none()
    if pair is None or pair.master_code is None:
        raise PairingError(f"{follower.name} has no variant {follower_code!r} paired with the master shop.")
    if price is not None and price <= 0:
        raise PairingError("A fixed price is more than zero.")
    old = pair.fixed_price
    pair.fixed_price = None if price is None else Decimal(price).quantize(Decimal("0.01"))
    session.flush()
    record(session, organization_id=follower.organization_id, actor_id=actor_id, action="master.price_fixed",
           target_type="shop", target_id=follower.id, follower_code=follower_code,
           old={"fixed_price": None if old is None else str(old)},
           new={"fixed_price": None if pair.fixed_price is None else str(pair.fixed_price)})
    return pair
