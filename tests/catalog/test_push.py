"""Approved texts reach the sandbox shop through the texts_push job: only what differs is sent, a conflict
(the shop's text changed behind the hub) is not overwritten, a failure keeps the field approved with its
error, a retry sends only what did not go through; a source change arriving by a sync makes it outdated."""

import httpx
import pytest
from sqlalchemy import select

from app.catalog import workflow
from app.catalog.models import Product, ProductText, TranslationUnit
from app.orgs.models import Role
from app.sync.runner import job_now, sync_now
from sandbox.testing import run_sandbox
from tests.catalog.conftest import Team
from tests.sync.conftest import connect

T, M = Role.translator, Role.manager


@pytest.fixture(scope="module")
def sandbox():
    with run_sandbox(seed=31, shops=1, orders=20, customers=10, products=12, job_delay=0.1) as handle:
        yield handle


@pytest.fixture
def shop(db, sandbox):
    sandbox.reset_faults()
    shop = connect(db, sandbox)
    shop.organization_id = Team(db).org.id  # a team with every role
    db.session.commit()
    assert shop.default_language == "cs" and "sk" in shop.languages.split(",")
    sync_now(db.session, shop, "products", full=True)
    return shop


def _guids(db, shop, count):
    return list(db.session.execute(select(Product.guid).where(Product.shop_id == shop.id).order_by(Product.id)
                                   .limit(count)).scalars())


def _approve(db, shop, guid, text, field="name"):
    unit = workflow.unit_for(db.session, shop, guid, "sk", field)
    workflow.save_draft(db.session, shop, unit, text, actor_id=None, role=T, expected_version=unit.version)
    workflow.submit(db.session, unit, actor_id=None, role=T)
    workflow.approve(db.session, shop, unit, actor_id=None, role=M)
    db.session.commit()
    return unit.id


def _remote(sandbox, guid, language="sk"):
    response = httpx.get(sandbox.url(f"/api/products/{guid}"), params={"language": language},
                         headers=sandbox.private_headers())
    return response.json()["data"]


def _patches(sandbox) -> dict:
    return sandbox.state()["requests"]["by_route"].get("PATCH /api/products/<guid>", {})


def _unit(db, unit_id):
    db.session.expire_all()
    return db.session.get(TranslationUnit, unit_id)


def test_push_sends_differences_and_a_retry_only_what_failed(db, shop, sandbox):
    guids = _guids(db, shop, 4)
    current_sk = db.session.execute(select(ProductText.name).where(
        ProductText.shop_id == shop.id, ProductText.product_guid == guids[3], ProductText.language == "sk"
    )).scalar_one_or_none()
    units = [_approve(db, shop, guid, f"Slovenský názov {n}") for n, guid in enumerate(guids[:3])]
    same = _approve(db, shop, guids[3], current_sk or "Názov") if current_sk else None
    before = _patches(sandbox).get("200", 0)
    # The second product's PATCH fails on every attempt the client makes; the others go through.
    sandbox.set_faults(shop=sandbox.shops[0]["eshop_id"], write_faults=[0, 500, 500, 500, 500, 500])
    stats = job_now(db.session, shop, "texts_push", {"language": "sk"})
    assert stats["pushed"] == 2 and stats["failed"] == 1 and stats["conflicts"] == 0
    assert stats["unchanged"] == (1 if same else 0)
    states = [_unit(db, unit_id).state for unit_id in units]
    assert states.count("synced") == 2 and states.count("approved") == 1
    failed = next(_unit(db, unit_id) for unit_id in units if _unit(db, unit_id).state == "approved")
    assert failed.error  # shown in the editor
    assert stats["failed_products"].startswith(failed.product_guid)  # and on the run page
    assert _patches(sandbox).get("200", 0) - before == 2

    stats = job_now(db.session, shop, "texts_push", {"language": "sk"})
    assert (stats["pushed"], stats["failed"]) == (1, 0)
    assert _patches(sandbox).get("200", 0) - before == 3  # the two that went through were not sent again
    assert all(_unit(db, unit_id).state == "synced" for unit_id in units)
    for n, guid in enumerate(guids[:3]):
        assert _remote(sandbox, guid)["name"] == f"Slovenský názov {n}"
    assert job_now(db.session, shop, "texts_push", {"language": "sk"})["pushed"] == 0  # nothing left


def test_conflict_and_outdated_arrive_by_a_sync(db, shop, sandbox):
    guid_conflict, guid_outdated = _guids(db, shop, 2)
    conflict_id = _approve(db, shop, guid_conflict, "Hubový text")
    outdated_id = _approve(db, shop, guid_outdated, "Preložený názov")
    assert job_now(db.session, shop, "texts_push", {"language": "sk"})["pushed"] == 2
    # Behind the hub's back: someone edits the Slovak name in the shop, and another product's Czech name.
    headers = sandbox.private_headers()
    for guid, language, name in ((guid_conflict, "sk", "Zmenené v obchode"), (guid_outdated, "cs", "Nový zdroj")):
        response = httpx.patch(sandbox.url(f"/api/products/{guid}"), params={"language": language},
                               json={"data": {"name": name}}, headers=headers)
        assert response.status_code == 200, response.text
    sync_now(db.session, shop, "products", full=True)
    conflict, outdated = _unit(db, conflict_id), _unit(db, outdated_id)
    assert conflict.state == "conflict" and conflict.text == "Hubový text"
    assert outdated.state == "outdated" and outdated.source_text != "Nový zdroj"
    # A push overwrites nothing in conflict.
    assert job_now(db.session, shop, "texts_push", {"language": "sk"})["pushed"] == 0
    assert _remote(sandbox, guid_conflict)["name"] == "Zmenené v obchode"
    # The manager keeps the hub's text: the next push sends it.
    workflow.resolve_conflict(db.session, shop, conflict, "hub", actor_id=None, role=M)
    db.session.commit()
    assert job_now(db.session, shop, "texts_push", {"language": "sk"})["pushed"] == 1
    assert _remote(sandbox, guid_conflict)["name"] == "Hubový text"


def _summary(result) -> dict:
    assert result.exit_code == 0, result.output
    import json

    return json.loads(result.output.strip().splitlines()[-1])


def test_commands_status_approve_push(app, db, shop, sandbox):
    from app.auth.models import User
    from app.orgs.models import Membership

    runner = app.test_cli_runner()

    def hub(*args):
        return runner.invoke(args=["hub", *map(str, args)])

    guid = _guids(db, shop, 1)[0]
    unit = workflow.unit_for(db.session, shop, guid, "sk", "meta_title")
    workflow.save_draft(db.session, shop, unit, "Titulok", actor_id=None, role=T, expected_version=1)
    workflow.submit(db.session, unit, actor_id=None, role=T)
    db.session.commit()
    status = _summary(hub("texts-status", "--shop", shop.id, "--language", "sk"))
    assert status["in_review"] == 1 and set(status) == {"missing", "draft", "in_review", "approved", "synced",
                                                        "outdated", "conflict"}
    english = _summary(hub("texts-status", "--shop", shop.id, "--language", "en"))
    assert english["missing"] > 0  # the sandbox leaves some products without English texts
    emails = dict(db.session.execute(select(Membership.role, User.email).join(User, User.id == Membership.user_id)
                                     .where(Membership.organization_id == shop.organization_id)).all())
    refused = hub("texts-approve", "--shop", shop.id, "--language", "sk", "--as", emails[Role.translator])
    assert refused.exit_code == 2 and "may not approve" in refused.output
    approved = _summary(hub("texts-approve", "--shop", shop.id, "--language", "sk", "--as", emails[Role.manager]))
    assert approved["approved"] == 1
    assert hub("texts-push", "--shop", shop.id, "--language", "xx").exit_code == 2
    pushed = _summary(hub("texts-push", "--shop", shop.id, "--language", "sk"))
    assert pushed == {"pushed": 1, "unchanged": 0, "failed": 0, "conflicts": 0}
    assert _remote(sandbox, guid)["metaTitle"] == "Titulok"


def test_the_additional_name_is_imported_translated_and_pushed(db, shop, sandbox):
    guid = _guids(db, shop, 1)[0]
    imported = {text.language: text for text in db.session.execute(select(ProductText).where(
        ProductText.shop_id == shop.id, ProductText.product_guid == guid)).scalars()}
    assert imported["cs"].additional_name == _remote(sandbox, guid, "cs")["additionalName"]
    assert imported["cs"].additional_name  # the sandbox's default language always has one
    unit_id = _approve(db, shop, guid, "Nová doplnková nazov", field="additional_name")
    stats = job_now(db.session, shop, "texts_push", {"language": "sk"})
    assert stats["pushed"] == 1 and stats["failed"] == 0
    assert _remote(sandbox, guid)["additionalName"] == "Nová doplnková nazov"
    assert _unit(db, unit_id).state == "synced"
    # The next import reads it back as the hub sent it: no conflict.
    sync_now(db.session, shop, "products", full=True)
    assert _unit(db, unit_id).state == "synced"
    assert db.session.execute(select(ProductText.additional_name).where(
        ProductText.shop_id == shop.id, ProductText.product_guid == guid, ProductText.language == "sk")
    ).scalar_one() == "Nová doplnková nazov"
