"""Pairing follower variants with the master's: by code, then EAN; ambiguity; by hand; across re-imports."""

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.catalog.models import ProductVariant
from app.master.models import VariantPair
from app.master.pairing import PairingError, pair_by_hand, pair_shop
from tests.master.conftest import import_products


def _variants(db, shop):
    return {v.code: v for v in db.session.execute(select(ProductVariant).where(ProductVariant.shop_id == shop.id))
            .scalars()}


def _pairs(db, shop):
    return {p.follower_code: (p.master_code, p.how) for p in db.session.execute(
        select(VariantPair).where(VariantPair.follower_shop_id == shop.id)).scalars()}


def test_pairs_by_code_then_by_ean_and_lists_what_is_left(db, shops):
    master, follower = shops[0], shops[1]
    report = pair_shop(db.session, master, follower)
    master_variants, follower_variants = _variants(db, master), _variants(db, follower)
    pairs = _pairs(db, follower)
    # the sandbox's shops share codes, some goods only by EAN, and some are unique to a shop
    assert report.by_code > 0 and report.by_ean > 0 and report.unpaired
    assert report.by_code + report.by_ean + len(report.ambiguous) + len(report.unpaired) == len(follower_variants)
    for code, (master_code, how) in pairs.items():
        if how == "code":
            assert master_code == code
        else:
            assert how == "ean" and master_code != code
            assert master_variants[master_code].ean == follower_variants[code].ean
    for code in report.unpaired:
        ean = follower_variants[code].ean
        assert code not in master_variants and not any(v.ean == ean for v in master_variants.values() if ean)


def test_two_candidates_by_ean_are_ambiguous_until_a_person_pairs_by_hand(db, shops):
    master, follower = shops[0], shops[1]
    pair_shop(db.session, master, follower)
    code, (master_code, _) = next((c, p) for c, p in _pairs(db, follower).items() if p[1] == "ean")
    master_variants = _variants(db, master)
    twin = next(v for c, v in master_variants.items() if c != master_code)
    twin.ean = master_variants[master_code].ean  # a second master variant with the same EAN
    db.session.flush()
    report = pair_shop(db.session, master, follower)
    assert report.ambiguous[code] == sorted([master_code, twin.code]) and code not in _pairs(db, follower)

    pair_by_hand(db.session, master, follower, code, twin.code, actor_id=None)
    unpaired = pair_shop(db.session, master, follower).unpaired[0]
    pair_by_hand(db.session, master, follower, unpaired, None)
    report = pair_shop(db.session, master, follower)
    assert code not in report.ambiguous and unpaired not in report.unpaired
    assert _pairs(db, follower)[code] == (twin.code, "hand")
    assert _pairs(db, follower)[unpaired] == (None, "not_sold")
    audited = db.session.execute(select(AuditEvent).where(AuditEvent.action == "master.paired")).scalars().all()
    assert [event.details["follower_code"] for event in audited] == [code, unpaired]
    with pytest.raises(PairingError, match="no variant"):
        pair_by_hand(db.session, master, follower, code, "NO-SUCH-CODE")


def test_pairs_survive_a_re_import(db, shops):
    master, follower = shops[0], shops[2]
    pair_shop(db.session, master, follower)
    unpaired = pair_shop(db.session, master, follower).unpaired[0]
    pair_by_hand(db.session, master, follower, unpaired, None)
    before = _pairs(db, follower)
    import_products(db, follower)
    import_products(db, master)
    pair_shop(db.session, master, follower)
    assert _pairs(db, follower) == before
