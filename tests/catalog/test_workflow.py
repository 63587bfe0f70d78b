"""Every state change of a translation unit, who may make it, its audit, concurrent saves, outdated and
conflict from the import hook, and the editor's htmx actions."""

import pytest
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.catalog import workflow
from app.catalog.models import TranslationUnit
from app.catalog.texts import text_hash
from app.catalog.texts_hook import texts_changed
from app.orgs.models import Role
from tests.catalog.catalog_data import add_product
from tests.factories import csrf_token, login

T, M, OWNER, V = Role.translator, Role.manager, Role.owner, Role.viewer


@pytest.fixture
def product(db, team):
    return add_product(db.session, team.shop, name="Žlutá konev 10 l",
                       texts={"cs": {"name": "Žlutá konev 10 l", "description": "<p>Objem <b>10 l</b></p>"}})


@pytest.fixture
def unit(db, team, product):
    return workflow.unit_for(db.session, team.shop, product.guid, "sk", "name")


def _audit(db, unit) -> list[tuple[str, str]]:
    return [(e.details["state_from"], e.details["state_to"]) for e in db.session.execute(
        select(AuditEvent).where(AuditEvent.target_type == "translation_unit", AuditEvent.target_id == unit.id)
        .order_by(AuditEvent.id)).scalars()]


def test_the_whole_path_and_its_audit(db, team, unit):
    s = db.session
    assert unit.state == "missing" and unit.version == 1
    workflow.save_draft(s, team.shop, unit, "Žltá kanva 10 l", actor_id=team.translator.id, role=T,
                        expected_version=1)
    assert (unit.state, unit.version, unit.flags) == ("draft", 2, [])
    workflow.save_draft(s, team.shop, unit, "Žltá krhla 10 l", actor_id=team.translator.id, role=T,
                        expected_version=2)  # typing on: still a draft, no new audit row
    workflow.submit(s, unit, actor_id=team.translator.id, role=T)
    workflow.return_to_translator(s, unit, "krhla, nie kanva", actor_id=team.manager.id, role=M)
    assert (unit.state, unit.comment) == ("draft", "krhla, nie kanva")
    workflow.submit(s, unit, actor_id=team.translator.id, role=T)
    assert unit.comment is None
    workflow.approve(s, team.shop, unit, actor_id=team.owner.id, role=OWNER)
    assert unit.state == "approved" and unit.source_text == "Žlutá konev 10 l"
    assert unit.source_hash == text_hash("Žlutá konev 10 l") and unit.shop_hash == text_hash(None)
    assert _audit(db, unit) == [("missing", "draft"), ("draft", "in_review"), ("in_review", "draft"),
                                ("draft", "in_review"), ("in_review", "approved")]


@pytest.mark.parametrize(("role", "action"), [
    (V, "save"), (T, "approve"), (T, "return"), (V, "submit"), (T, "resolve"),
])
def test_who_may_not(db, team, unit, role, action):
    s = db.session
    workflow.save_draft(s, team.shop, unit, "Kanva", actor_id=None, role=T, expected_version=1)
    workflow.submit(s, unit, actor_id=None, role=T)
    act = {
        "save": lambda: workflow.save_draft(s, team.shop, unit, "x", actor_id=None, role=role,
                                            expected_version=unit.version),
        "approve": lambda: workflow.approve(s, team.shop, unit, actor_id=None, role=role),
        "return": lambda: workflow.return_to_translator(s, unit, "no", actor_id=None, role=role),
        "submit": lambda: workflow.submit(s, unit, actor_id=None, role=role),
        "resolve": lambda: workflow.resolve_conflict(s, team.shop, unit, "hub", actor_id=None, role=role),
    }[action]
    with pytest.raises(workflow.WorkflowError, match="Your role may not"):
        act()
    assert unit.state == "in_review"


def test_moves_from_the_wrong_state_are_refused(db, team, unit):
    s = db.session
    with pytest.raises(workflow.WorkflowError):
        workflow.approve(s, team.shop, unit, actor_id=None, role=M)  # missing: nothing to approve
    with pytest.raises(workflow.WorkflowError, match="Write the translation"):
        workflow.submit(s, unit, actor_id=None, role=T)
    workflow.save_draft(s, team.shop, unit, "Kanva", actor_id=None, role=T, expected_version=1)
    with pytest.raises(workflow.WorkflowError, match="needs a comment"):
        workflow.submit(s, unit, actor_id=None, role=T) and workflow.return_to_translator(
            s, unit, " ", actor_id=None, role=M)
    with pytest.raises(workflow.WorkflowError):
        workflow.resolve_conflict(s, team.shop, unit, "hub", actor_id=None, role=M)  # not in conflict


def test_second_saver_gets_the_others_text(db, team, unit):
    s = db.session
    loaded = unit.version  # both people opened the field at this version
    workflow.save_draft(s, team.shop, unit, "Text of the first", actor_id=team.translator.id, role=T,
                        expected_version=loaded)
    with pytest.raises(workflow.ConcurrentEdit) as refused:
        workflow.save_draft(s, team.shop, unit, "Text of the second", actor_id=team.manager.id, role=M,
                            expected_version=loaded)
    assert refused.value.other_text == "Text of the first" and refused.value.version == loaded + 1
    assert s.get(TranslationUnit, unit.id).text == "Text of the first"


def test_machine_made_drafts_are_marked_and_checked(db, team, product):
    unit = workflow.unit_for(db.session, team.shop, product.guid, "sk", "description")
    workflow.save_draft(db.session, team.shop, unit, "<p>Objem 12 l</p>", actor_id=None, role=T,
                        expected_version=1, machine_made=True)
    assert unit.machine_made and set(unit.flags) == {"html", "numbers"}


def _hook(db, shop, language, guids):
    with db.session.connection().connection.cursor() as cursor:
        texts_changed(cursor, shop.id, language, guids)
    db.session.expire_all()


def _approved(db, team, unit, text="Žltá kanva 10 l"):
    s = db.session
    workflow.save_draft(s, team.shop, unit, text, actor_id=None, role=T, expected_version=unit.version)
    workflow.submit(s, unit, actor_id=None, role=T)
    workflow.approve(s, team.shop, unit, actor_id=None, role=M)
    s.flush()


def test_a_new_source_text_makes_the_approved_translation_outdated(db, team, product, unit):
    from app.catalog.models import ProductText

    _approved(db, team, unit)
    _hook(db, team.shop, "cs", [product.guid])  # the same source: nothing changes
    assert db.session.get(TranslationUnit, unit.id).state == "approved"
    source = db.session.execute(select(ProductText).where(ProductText.product_guid == product.guid,
                                                          ProductText.language == "cs")).scalar_one()
    source.name = "Žlutá konev 12 l"
    db.session.flush()
    _hook(db, team.shop, "cs", [product.guid])
    unit = db.session.get(TranslationUnit, unit.id)
    assert unit.state == "outdated" and unit.source_text == "Žlutá konev 10 l"  # the diff's old side
    assert _audit(db, unit)[-1] == ("approved", "outdated")
    # The translator updates it; it goes round again.
    workflow.save_draft(db.session, team.shop, unit, "Žltá kanva 12 l", actor_id=None, role=T,
                        expected_version=unit.version)
    assert unit.state == "draft"


def test_a_shop_text_changed_behind_the_hub_is_a_conflict_until_someone_chooses(db, team, product, unit):
    from app.catalog.models import ProductText

    _approved(db, team, unit)
    db.session.add(ProductText(shop_id=team.shop.id, product_guid=product.guid, language="sk",
                               name="Kanva od niekoho iného", content_hash=b"y"))
    db.session.flush()
    _hook(db, team.shop, "sk", [product.guid])
    unit = db.session.get(TranslationUnit, unit.id)
    assert unit.state == "conflict" and unit.text == "Žltá kanva 10 l"  # nothing overwritten
    with pytest.raises(workflow.WorkflowError, match="choose which text wins"):
        workflow.save_draft(db.session, team.shop, unit, "x", actor_id=None, role=T, expected_version=unit.version)
    workflow.resolve_conflict(db.session, team.shop, unit, "shop", actor_id=team.manager.id, role=M)
    assert (unit.state, unit.text) == ("synced", "Kanva od niekoho iného")
    assert _audit(db, unit)[-2:] == [("approved", "conflict"), ("conflict", "synced")]


def _post(client, path, data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, "/translations")},
                       headers={"HX-Request": "true"})


def test_editor_autosaves_submits_and_refuses_a_stale_save(app, db, team, product):
    translator = app.test_client()
    login(translator, team.translator.email)
    page = translator.get(f"/translations/products/{product.id}?language=sk&state=missing")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Žlutá konev 10 l" in html and 'class="target-text"' in html and "translations.js" in html
    unit = db.session.execute(select(TranslationUnit).where(TranslationUnit.product_guid == product.guid,
                                                            TranslationUnit.field == "name")).scalar_one()
    saved = translator.post(f"/translations/units/{unit.id}/draft",
                            data={"text": "Žltá kanva", "version": "1",
                                  "csrf_token": csrf_token(translator, "/translations")},
                            headers={"HX-Request": "true", "HX-Target": f"unit-{unit.id}-status"})
    assert saved.status_code == 200 and 'data-state="draft"' in saved.get_data(as_text=True)
    assert 'name="version" value="2"' in saved.get_data(as_text=True)
    stale = _post(translator, f"/translations/units/{unit.id}/draft", {"text": "Other", "version": "1"})
    assert "Someone else saved" in stale.get_data(as_text=True) and "Žltá kanva" in stale.get_data(as_text=True)
    submitted = _post(translator, f"/translations/units/{unit.id}/submit", {"version": "2"})
    assert 'data-state="in_review"' in submitted.get_data(as_text=True)
    assert _post(translator, f"/translations/units/{unit.id}/approve", {"version": "3"}).status_code == 403

    manager = app.test_client()
    login(manager, team.manager.email)
    approved = _post(manager, f"/translations/units/{unit.id}/approve", {"version": "3"})
    assert 'data-state="approved"' in approved.get_data(as_text=True)
    queue = manager.get("/translations").get_data(as_text=True)
    assert f'data-shop="{team.shop.id}" data-language="sk"' in queue


def test_an_approved_text_is_shared_with_the_same_product_elsewhere_unless_that_shop_keeps_its_own(db, team):
    from tests.factories import make_shop

    s = db.session
    second = make_shop(s, team.org, "Zahrada CZ 2")
    second.default_language, second.languages = "cs", "cs,sk"
    s.flush()
    here = add_product(s, team.shop, name="Hadice 20 m", code="HAD-20")
    there = add_product(s, second, name="Hadice 20 m", code="HAD-20")
    other_source = add_product(s, second, name="Hadice 20 m (jiný popis)", code="HAD-20X")

    _approved(db, team, workflow.unit_for(s, team.shop, here.guid, "sk", "name"), text="Hadica 20 m")
    shared = workflow.unit_for(s, second, there.guid, "sk", "name")
    assert (shared.state, shared.text) == ("approved", "Hadica 20 m")
    assert _audit(db, shared)[-1] == ("missing", "approved")
    assert workflow.unit_for(s, second, other_source.guid, "sk", "name").state == "missing"  # not the same product

    # The second shop keeps its own name: its overlay is reviewed like any text and wins there only.
    workflow.set_overlay(s, shared, True, actor_id=None, role=T)
    workflow.save_draft(s, second, shared, "Záhradná hadica 20 m", actor_id=None, role=T,
                        expected_version=shared.version)
    workflow.submit(s, shared, actor_id=None, role=T)
    workflow.approve(s, second, shared, actor_id=None, role=M)
    base = workflow.unit_for(s, team.shop, here.guid, "sk", "name")
    assert base.text == "Hadica 20 m"  # an overlay is not shared back
    workflow.save_draft(s, team.shop, base, "Hadica, 20 m", actor_id=None, role=T, expected_version=base.version)
    workflow.submit(s, base, actor_id=None, role=T)
    workflow.approve(s, team.shop, base, actor_id=None, role=M)
    s.refresh(shared)
    assert (shared.text, shared.overlay) == ("Záhradná hadica 20 m", True)


def test_the_editor_shows_an_outdated_fields_source_diff(app, db, team, product, unit):
    from app.catalog.diff import word_diff
    from app.catalog.models import ProductText

    assert str(word_diff("Konev 10 l <b>žlutá</b>", "Konev 12 l <b>žlutá</b>")) == (
        "Konev <del>10</del><ins>12</ins> l &lt;b&gt;žlutá&lt;/b&gt;")
    _approved(db, team, unit)
    db.session.execute(ProductText.__table__.update().where(ProductText.product_guid == product.guid,
                                                            ProductText.language == "cs")
                       .values(name="Žlutá konev 12 l"))
    _hook(db, team.shop, "cs", [product.guid])
    client = app.test_client()
    login(client, team.translator.email)
    html = client.get(f"/translations/products/{product.id}?language=sk&state=outdated").get_data(as_text=True)
    assert 'data-state="outdated"' in html and "<del>10</del><ins>12</ins>" in html


def test_glossary_page_managers_edit_translators_read(app, db, team):
    from app.catalog.models import GlossaryTerm
    from app.catalog.suggest import glossary_for

    manager = app.test_client()
    login(manager, team.manager.email)
    token = csrf_token(manager, "/translations/glossary")
    for term, translation in (("Gardena", ""), ("konev", "krhla"), ("konev", "kanva")):
        response = manager.post("/translations/glossary", data={"language": "sk", "term": term,
                                                                "translation": translation, "csrf_token": token})
        assert response.status_code == 303
    assert manager.post("/translations/glossary", data={"language": "", "term": "x", "csrf_token": token}
                        ).status_code == 303
    glossary = glossary_for(db.session, team.org.id, "sk")
    assert glossary.pairs == {"konev": "kanva"} and glossary.keep == {"Gardena"}
    translator = app.test_client()
    login(translator, team.translator.email)
    html = translator.get("/translations/glossary").get_data(as_text=True)
    assert "Gardena" in html and "kanva" in html and 'id="glossary-add"' not in html
    term_id = db.session.execute(select(GlossaryTerm.id).where(GlossaryTerm.term == "Gardena")).scalar_one()
    assert translator.post(f"/translations/glossary/{term_id}/delete",
                           data={"csrf_token": csrf_token(translator, "/translations/glossary")}).status_code == 403
    assert manager.post(f"/translations/glossary/{term_id}/delete", data={"csrf_token": token}).status_code == 303
    assert glossary_for(db.session, team.org.id, "sk").keep == frozenset()
