"""The shop page: start, watch, cancel and retry imports; roles and tenancy apply."""

from sqlalchemy import select

from app.audit.models import AuditEvent
from app.orgs.models import Role
from app.queues import fetch_job
from app.shops.services import add_shop
from app.sync import ledger
from app.sync.dispatch import job_id
from app.sync.models import SyncRun
from tests.factories import csrf_token, login, make_member, make_org


def _shop(db, org, token="secret-token"):
    return add_shop(db.session, org.id, name="Zahrada", eshop_id=4242, private_token=token,
                    api_url="http://127.0.0.1:9")


def _post(client, path):
    return client.post(path, data={"csrf_token": csrf_token(client, "/")})


def test_manager_starts_an_import_once_and_it_is_queued(app, client, db):
    org = make_org(db.session)
    manager = make_member(db.session, org, Role.manager)
    shop = _shop(db, org)
    login(client, manager.email)
    assert _post(client, f"/shops/{shop.id}/imports/orders").status_code == 303
    assert _post(client, f"/shops/{shop.id}/imports/orders").status_code == 303  # second click: same run
    runs = db.session.execute(select(SyncRun).where(SyncRun.shop_id == shop.id)).scalars().all()
    assert len(runs) == 1 and runs[0].status == "queued"
    job = fetch_job(app.extensions["redis"], job_id(runs[0].id))
    assert job.args == [runs[0].id]  # RQ carries only the id
    page = client.get(f"/shops/{shop.id}").get_data(as_text=True)
    assert f'id="run-{runs[0].id}"' in page and 'hx-trigger="every 1s"' in page
    assert "already running" in page
    assert db.session.execute(select(AuditEvent.action).where(AuditEvent.action == "import.started")).scalar()


def test_progress_fragment_stops_polling_when_the_run_ends(client, db):
    org = make_org(db.session)
    manager = make_member(db.session, org, Role.manager)
    shop = _shop(db, org)
    run, _ = ledger.trigger(db.session, shop, "orders")
    login(client, manager.email)
    response = client.get(f"/runs/{run.id}/progress", headers={"HX-Request": "true"})
    assert response.status_code == 200 and "every 1s" in response.get_data(as_text=True)
    claimed = ledger.claim(db.session, run.id)
    ledger.fence(db.session, run.id, claimed.lease_token, progress_done=500, progress_total=1000)
    assert "500 of about 1000 rows" in client.get(f"/runs/{run.id}/progress").get_data(as_text=True)
    ledger.finish(db.session, run.id, claimed.lease_token)
    response = client.get(f"/runs/{run.id}/progress", headers={"HX-Request": "true"})
    assert response.status_code == 286 and "every 1s" not in response.get_data(as_text=True)


def test_cancel_then_retry(client, db):
    org = make_org(db.session)
    manager = make_member(db.session, org, Role.manager)
    shop = _shop(db, org)
    run, _ = ledger.trigger(db.session, shop, "customers")
    login(client, manager.email)
    _post(client, f"/runs/{run.id}/cancel")
    db.session.refresh(run)
    assert run.status == "cancelled"
    _post(client, f"/runs/{run.id}/retry")
    db.session.refresh(run)
    assert run.status == "queued" and run.attempt == 0


def test_retry_refused_while_another_run_of_the_kind_is_active(client, db):
    org = make_org(db.session)
    manager = make_member(db.session, org, Role.manager)
    shop = _shop(db, org)
    run, _ = ledger.trigger(db.session, shop, "orders")
    ledger.cancel(db.session, run)
    ledger.trigger(db.session, shop, "orders")
    login(client, manager.email)
    _post(client, f"/runs/{run.id}/retry")
    assert "already running" in client.get(f"/shops/{shop.id}").get_data(as_text=True)
    db.session.refresh(run)
    assert run.status == "cancelled"


def test_viewer_sees_but_cannot_start_or_cancel(client, db):
    org = make_org(db.session)
    viewer = make_member(db.session, org, Role.viewer)
    shop = _shop(db, org)
    run, _ = ledger.trigger(db.session, shop, "orders")
    login(client, viewer.email)
    page = client.get(f"/shops/{shop.id}").get_data(as_text=True)
    assert "start-customers" not in page
    assert _post(client, f"/shops/{shop.id}/imports/customers").status_code == 403
    assert _post(client, f"/runs/{run.id}/cancel").status_code == 403


def test_another_organizations_shop_and_runs_answer_404(client, db):
    org_a, org_b = make_org(db.session), make_org(db.session)
    owner_a = make_member(db.session, org_a, Role.owner)
    shop_b = _shop(db, org_b)
    run_b, _ = ledger.trigger(db.session, shop_b, "orders")
    login(client, owner_a.email)
    assert client.get(f"/shops/{shop_b.id}").status_code == 404
    assert client.get(f"/runs/{run_b.id}/progress").status_code == 404
    assert client.get(f"/runs/{run_b.id}").status_code == 404
    assert _post(client, f"/shops/{shop_b.id}/imports/orders").status_code == 404
    assert _post(client, f"/runs/{run_b.id}/cancel").status_code == 404


def test_shop_tokens_are_encrypted_at_rest(db):
    org = make_org(db.session)
    shop = _shop(db, org, token="plain-token-that-must-not-leak")
    raw = db.session.connection().exec_driver_sql(
        "SELECT api_token_encrypted FROM shops WHERE id = %(id)s", {"id": shop.id}).scalar()
    assert b"plain-token-that-must-not-leak" not in bytes(raw)
    from app.shops.services import api_token

    assert api_token(shop) == "plain-token-that-must-not-leak"
