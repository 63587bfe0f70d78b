"""The master shop page: pairing to review, a stock rule's preview, pairing by hand, applying as a job."""

import re

from sqlalchemy import select

from app.catalog.models import VariantStock
from app.master.models import VariantPair
from app.orgs.models import Role
from app.settings.cache import settings_cache
from app.settings.services import update_settings
from app.sync.models import SyncRun
from tests.factories import csrf_token, login, make_member


def _member(db, client, shops, role=Role.owner):
    user = make_member(db.session, shops[0].organization, role)
    db.session.commit()
    login(client, user.email)


def test_without_a_master_the_page_says_where_to_choose_one(db, client, shops):
    _member(db, client, shops)
    assert 'id="master-none"' in client.get("/master").get_data(as_text=True)


def test_review_pairing_preview_pair_by_hand_and_apply(db, client, shops):
    master, follower, _ = shops
    org = master.organization_id
    update_settings(db.session, settings_cache(), org, {"master_shop": master.id})
    update_settings(db.session, settings_cache(), org, {"stock_rule": "follow"}, shop_id=follower.id)
    _member(db, client, shops)
    html = client.get("/master").get_data(as_text=True)
    article = html.split(f'id="follower-{follower.id}"', 1)[1].split("</article>", 1)[0]
    would = int(re.search(r'id="preview-\d+">\D*([\d,]+)', article).group(1).replace(",", ""))
    assert would > 0 and 'name="follower_code"' in article
    assert db.session.execute(select(VariantPair)).first() is None  # a preview stores nothing

    code = re.search(r'name="follower_code" value="([^"]+)"', article).group(1)
    token = csrf_token(client, "/master")
    response = client.post("/master/pair", data={"csrf_token": token, "shop": follower.id, "follower_code": code,
                                                 "not_sold": "1"})
    assert response.status_code == 303
    pair = db.session.execute(select(VariantPair).where(VariantPair.follower_code == code)).scalar_one()
    assert (pair.how, pair.master_code) == ("not_sold", None)
    response = client.post("/master/pair", data={"csrf_token": token, "shop": follower.id, "follower_code": code,
                                                 "master_code": "NO-SUCH"})
    assert response.status_code == 303 and "no variant" in client.get("/master").get_data(as_text=True)

    response = client.post("/master/apply", data={"csrf_token": token, "shop": follower.id})
    assert response.status_code == 303 and "/runs/" in response.headers["Location"]
    run = db.session.execute(select(SyncRun).where(SyncRun.kind == "master_apply")).scalar_one()
    assert run.shop_id == follower.id


def test_a_viewer_sees_the_page_but_cannot_pair_or_apply(db, client, shops):
    _member(db, client, shops, Role.viewer)
    token = csrf_token(client, "/master")
    response = client.post("/master/apply", data={"csrf_token": token, "shop": shops[1].id})
    assert response.status_code == 403


def test_drift_is_reported_on_the_page(db, client, shops):
    master, follower, _ = shops
    org = master.organization_id
    update_settings(db.session, settings_cache(), org, {"master_shop": master.id})
    update_settings(db.session, settings_cache(), org, {"stock_rule": "follow"}, shop_id=follower.id)
    from app.master.pairing import pair_shop
    from app.master.propagation import main_warehouse

    pair_shop(db.session, master, follower)
    pair, amount = db.session.execute(select(VariantPair, VariantStock.amount).join(VariantStock, (
        VariantStock.shop_id == follower.id) & (VariantStock.variant_code == VariantPair.follower_code)).where(
        VariantPair.follower_shop_id == follower.id, VariantPair.how == "code",
        VariantStock.stock_id == main_warehouse(db.session, follower))).first()
    # the hub pushed one less than the follower has now, and saw yet another amount: someone else raised it
    # (a drop could be a sale whose order the hub has not read yet, so it would be held, not reported as drift)
    pair.pushed_stock, pair.seen_stock = amount - 1, amount + 5
    db.session.commit()
    _member(db, client, shops)
    html = client.get("/master").get_data(as_text=True)
    assert re.search(rf'id="drift-{follower.id}">\D*1 ', html)


def test_a_fixed_price_is_set_on_the_page_and_previewed(db, client, shops):
    master, follower, _ = shops
    org = master.organization_id
    update_settings(db.session, settings_cache(), org, {"master_shop": master.id})
    update_settings(db.session, settings_cache(), org, {"price_rule": "fixed"}, shop_id=follower.id)
    from app.master.pairing import pair_shop

    pair_shop(db.session, master, follower)
    code = db.session.execute(select(VariantPair.follower_code).where(
        VariantPair.follower_shop_id == follower.id, VariantPair.master_code.is_not(None))).scalars().first()
    db.session.commit()
    _member(db, client, shops)
    html = client.get("/master").get_data(as_text=True)
    assert re.search(rf'id="price-preview-{follower.id}">[^<]*\b0\b', html)  # no fixed price yet: nothing
    token = csrf_token(client, "/master")
    response = client.post("/master/price", data={"csrf_token": token, "shop": follower.id, "follower_code": code,
                                                   "price": "abc"})
    assert response.status_code == 303 and "as a number" in client.get("/master").get_data(as_text=True)
    response = client.post("/master/price", data={"csrf_token": token, "shop": follower.id, "follower_code": code,
                                                   "price": "249,9"})
    assert response.status_code == 303
    pair = db.session.execute(select(VariantPair).where(VariantPair.follower_shop_id == follower.id,
                                                        VariantPair.follower_code == code)).scalar_one()
    assert str(pair.fixed_price) == "249.90"
    html = client.get("/master").get_data(as_text=True)
    assert re.search(rf'id="price-preview-{follower.id}">[^<]*\b1\b', html) and code in html
