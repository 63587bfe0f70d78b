"""Texts and visibility from the master: its own text in its language, only approved translations in others,
the follower's overlay wins, only differences, no echo, drift corrected, visibility follows, a dry run sends
nothing."""

import re
import uuid

import httpx
import pytest
from sqlalchemy import func, select

from app.catalog.models import ProductText, TranslationUnit, UnitState
from app.catalog.texts import text_hash
from app.master.models import TextPush
from app.master.pairing import pair_shop
from app.master.texts import desired_text, product_pairs
from app.orgs.models import Role
from app.settings.cache import settings_cache
from app.settings.services import update_settings
from app.shops.models import Shop
from app.sync.models import SyncRun
from app.sync.runner import execute_run, sync_now
from tests.factories import login, make_member
from tests.master.conftest import import_products

S = UnitState


def _product(sandbox, index, guid, language=None):
    response = httpx.get(sandbox.url(f"/api/products/{guid}"), headers=sandbox.private_headers(index),
                         params={"language": language} if language else None)
    assert response.status_code == 200, response.text
    return response.json()["data"]


def _patch(sandbox, index, guid, data, language=None):
    response = httpx.patch(sandbox.url(f"/api/products/{guid}"), headers=sandbox.private_headers(index),
                           params={"language": language} if language else None, json={"data": data})
    assert response.status_code == 200, response.text


def _unit(db, shop, guid, language, state, text, source, *, overlay=False, field="name"):
    db.session.add(TranslationUnit(organization_id=shop.organization_id, shop_id=shop.id, product_guid=guid,
                                   language=language, field=field, state=state, text=text,
                                   source_hash=text_hash(source), overlay=overlay))


def _pairs(db, master, follower):
    """Follower product → master product, after pairing the variants."""
    pair_shop(db.session, master, follower)
    db.session.commit()
    return product_pairs(db.session, master, follower)


def _master_name(db, master, guid):
    return db.session.execute(select(ProductText.name).where(
        ProductText.shop_id == master.id, ProductText.product_guid == guid,
        ProductText.language == master.default_language)).scalar_one()


def _renamed_in_master(db, sandbox, master, guids):
    """Give these master products new names in the master's language (so followers differ), and import."""
    for guid in guids:
        _patch(sandbox, 0, guid, {"name": f"Mistr {uuid.uuid4().hex[:10]}"})
    import_products(db, master)


@pytest.fixture
def rules(db, shops, hub):
    """Shop 1 (Slovak by default, Czech too) follows the master (shop 0, Czech, with Slovak and English) by
    the rules the test sets; shop 2's rules are off."""
    master, follower, _ = shops
    org = master.organization_id
    hub("settings-set", "--org", org, "master_shop", master.id)

    def follow(*names, shop=follower):
        for name in names:
            hub("settings-set", "--org", org, "--shop", shop.id, name, "follow")
        return org

    assert follower.default_language != master.default_language
    assert master.default_language in follower.language_list
    return master, follower, follow


def test_desired_text_never_an_unapproved_translation():
    master = Shop(default_language="cs", languages="cs,sk")
    texts = {"cs": ProductText(name="Zahradní hadice")}
    source = text_hash("Zahradní hadice")

    def unit(state, *, overlay=False, source_hash=source, text="Záhradná hadica"):
        return TranslationUnit(state=state, overlay=overlay, source_hash=source_hash, text=text)

    # the master's language: its own text, whatever units say
    assert desired_text(master, "cs", "name", texts, None, None) == ("Zahradní hadice", False)
    assert desired_text(master, "cs", "name", texts, None, unit(S.draft)) == ("Zahradní hadice", False)
    # another language: approved or synced only, and made from the master's current text
    for state in (S.approved, S.synced):
        assert desired_text(master, "sk", "name", texts, None, unit(state)) == ("Záhradná hadica", False)
        assert desired_text(master, "sk", "name", texts, unit(state), None) == ("Záhradná hadica", False)
    for state in (S.missing, S.draft, S.in_review, S.outdated, S.conflict):
        assert desired_text(master, "sk", "name", texts, None, unit(state)) == (None, True), state
        assert desired_text(master, "sk", "name", texts, unit(state), unit(state)) == (None, True), state
    stale = unit(S.approved, source_hash=text_hash("Stará hadice"))
    assert desired_text(master, "sk", "name", texts, None, stale) == (None, True)
    assert desired_text(master, "sk", "name", texts, None, None) == (None, True)
    assert desired_text(master, "sk", "description", texts, None, None) == (None, False)  # no source: nothing
    # the follower's own text (an overlay) wins, in the master's language too, and waits until approved
    own = unit(S.approved, overlay=True, text="Jen u nás")
    assert desired_text(master, "cs", "name", texts, own, None) == ("Jen u nás", False)
    assert desired_text(master, "sk", "name", texts, own, unit(S.approved)) == ("Jen u nás", False)
    for state in (S.draft, S.in_review, S.outdated, S.conflict):
        assert desired_text(master, "sk", "name", texts, unit(state, overlay=True), unit(S.approved)) == (None, True)


def test_off_touches_nothing_follow_sends_the_masters_text_only_differences_no_echo_drift_corrected(
        db, sandbox, shops, hub, rules):
    master, follower, follow = rules
    org = master.organization_id
    pairs = _pairs(db, master, follower)
    assert len(pairs) >= 8
    chosen = sorted(pairs)[:3]
    _renamed_in_master(db, sandbox, master, [pairs[guid] for guid in chosen])
    names = {guid: _master_name(db, master, pairs[guid]) for guid in chosen}

    summary = hub("master-apply", "--org", org, "--dry-run")["followers"][str(follower.id)]
    assert (summary["text_rule"], summary["text_changed"], summary["texts_waiting"]) == ("off", 0, 0)

    follow("text_rule")
    before = {guid: _product(sandbox, 1, guid, "cs")["name"] for guid in chosen}
    dry = hub("master-apply", "--org", org, "--dry-run")["followers"][str(follower.id)]
    assert dry["text_changed"] >= len(chosen) and dry["texts_waiting"] > 0
    assert {guid: _product(sandbox, 1, guid, "cs")["name"] for guid in chosen} == before  # a dry run sends nothing
    assert db.session.execute(select(func.count()).select_from(TextPush)).scalar() == 0

    applied = hub("master-apply", "--org", org)["followers"][str(follower.id)]
    assert (applied["text_changed"], applied["failed"]) == (dry["text_changed"], 0)
    assert applied["texts_waiting"] == dry["texts_waiting"]
    for guid in chosen:  # the master's own text into its language; not into the follower's Slovak
        assert _product(sandbox, 1, guid, "cs")["name"] == names[guid]
        assert _product(sandbox, 1, guid, "sk")["name"] != names[guid]

    again = hub("master-apply", "--org", org)["followers"][str(follower.id)]
    assert (again["text_changed"], again["drift"]) == (0, 0)  # only differences
    import_products(db, follower)  # the pushes come back: no echo to act on
    echo = hub("master-apply", "--org", org)["followers"][str(follower.id)]
    assert (echo["text_changed"], echo["drift"]) == (0, 0)

    _patch(sandbox, 1, chosen[0], {"name": "Someone else's name"}, "cs")  # someone changes it in the follower
    import_products(db, follower)
    drifted = hub("master-apply", "--org", org)["followers"][str(follower.id)]
    assert (drifted["drift"], drifted["text_changed"]) == (1, 1)
    assert _product(sandbox, 1, chosen[0], "cs")["name"] == names[chosen[0]]  # the master wins


def test_only_approved_translations_of_the_masters_text_are_sent(db, sandbox, shops, hub, rules):
    master, follower, follow = rules
    org = follow("text_rule")
    pairs = _pairs(db, master, follower)
    guids = sorted(pairs)[3:11]
    before = {guid: _product(sandbox, 1, guid, "sk")["name"] for guid in guids}
    states = [S.draft, S.in_review, S.outdated, S.conflict, S.missing, "stale", S.approved, S.synced]
    for i, (guid, state) in enumerate(zip(guids, states, strict=True)):
        source = _master_name(db, master, pairs[guid])
        if state == "stale":  # approved from a source text the master no longer has
            _unit(db, master, pairs[guid], "sk", S.approved, f"SK {state} {i}", source + " (staré)")
        else:
            _unit(db, master, pairs[guid], "sk", state, f"SK {state} {i}", source)
    db.session.commit()

    applied = hub("master-apply", "--org", org)["followers"][str(follower.id)]
    assert applied["failed"] == 0 and applied["texts_waiting"] >= 6
    for i, (guid, state) in enumerate(zip(guids, states, strict=True)):
        name = _product(sandbox, 1, guid, "sk")["name"]
        if state in (S.approved, S.synced):
            assert name == f"SK {state} {i}"
        else:
            assert name == before[guid], f"a {state} text was sent"


def test_the_followers_own_text_wins(db, sandbox, shops, hub, rules):
    master, follower, follow = rules
    org = follow("text_rule")
    pairs = _pairs(db, master, follower)
    approved_own, draft_own = sorted(pairs)[11:13]
    _renamed_in_master(db, sandbox, master, [pairs[approved_own], pairs[draft_own]])
    before = _product(sandbox, 1, draft_own, "cs")["name"]
    _unit(db, follower, approved_own, "cs", S.approved, "Jen pro tento obchod", "", overlay=True)
    _unit(db, follower, draft_own, "cs", S.draft, "Rozepsáno", "", overlay=True)
    db.session.commit()

    hub("master-apply", "--org", org)
    assert _product(sandbox, 1, approved_own, "cs")["name"] == "Jen pro tento obchod"
    assert _product(sandbox, 1, draft_own, "cs")["name"] == before  # neither the master's nor the draft


def test_visibility_follows_the_master(db, sandbox, shops, hub, rules):
    master, follower, follow = rules
    pairs = _pairs(db, master, follower)
    guid = sorted(pairs)[13]
    now = _product(sandbox, 1, guid)["visibility"]
    wanted = "hidden" if now != "hidden" else "visible"
    _patch(sandbox, 0, pairs[guid], {"visibility": wanted})
    import_products(db, master)
    org = follow("visibility_rule")

    dry = hub("master-apply", "--org", org, "--dry-run")["followers"][str(follower.id)]
    assert dry["visibility_changed"] >= 1 and dry["text_changed"] == 0
    assert _product(sandbox, 1, guid)["visibility"] == now
    applied = hub("master-apply", "--org", org)["followers"][str(follower.id)]
    assert (applied["visibility_changed"], applied["failed"]) == (dry["visibility_changed"], 0)
    assert _product(sandbox, 1, guid)["visibility"] == wanted
    import_products(db, follower)
    assert hub("master-apply", "--org", org)["followers"][str(follower.id)]["visibility_changed"] == 0


def test_the_page_previews_texts_and_visibility(db, client, sandbox, shops, rules):
    master, follower, _ = rules
    org = master.organization_id
    update_settings(db.session, settings_cache(), org, {"text_rule": "follow", "visibility_rule": "follow"},
                    shop_id=follower.id)
    pairs = _pairs(db, master, follower)
    _renamed_in_master(db, sandbox, master, [pairs[sorted(pairs)[14]]])
    user = make_member(db.session, master.organization, Role.owner)
    db.session.commit()
    login(client, user.email)
    html = client.get("/master").get_data(as_text=True)
    article = html.split(f'id="follower-{follower.id}"', 1)[1].split("</article>", 1)[0]
    would = int(re.search(r'id="text-preview-\d+">\D*([\d,]+)', article).group(1).replace(",", ""))
    assert would >= 1 and "Mistr " in html or would > 10  # the sample shows the first ten products' changes
    assert f'id="visibility-preview-{follower.id}"' in article
    assert db.session.execute(select(func.count()).select_from(TextPush)).scalar() == 0  # a preview pushes nothing


def test_a_master_text_and_visibility_change_brought_by_a_sync_reaches_the_follower(db, sandbox, shops, hub, rules):
    master, follower, follow = rules
    follow("text_rule", "visibility_rule")
    pairs = _pairs(db, master, follower)
    guid = sorted(pairs)[15]
    hub("master-apply", "--org", master.organization_id)  # in step first: what follows is the sync's doing
    name = f"Nový název {uuid.uuid4().hex[:8]}"
    visibility = "hidden" if _product(sandbox, 0, pairs[guid])["visibility"] != "hidden" else "visible"
    _patch(sandbox, 0, pairs[guid], {"name": name, "visibility": visibility})

    sync_now(db.session, master, "products")  # what a product:update webhook (or the interval) runs
    (run,) = db.session.execute(select(SyncRun).where(SyncRun.shop_id == master.id,
                                                      SyncRun.kind == "master_apply",
                                                      SyncRun.status == "queued")).scalars().all()
    outcome = execute_run(db.session, run.id)  # as a worker runs it
    assert outcome.status == "succeeded", outcome.error
    assert outcome.stats["text_changed"] >= 1 and outcome.stats["visibility_changed"] >= 1
    assert outcome.stats["failed"] == 0
    follower_product = _product(sandbox, 1, guid, master.default_language)
    assert (follower_product["name"], follower_product["visibility"]) == (name, visibility)
