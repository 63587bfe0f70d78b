"""The monitoring page: operators see the platform, owners their organization, others nothing."""

from datetime import timedelta

import httpx
from sqlalchemy import select

from app.audit.models import AuditEvent
from app.channels.shoptet.budget import ApiBudgetRecorder
from app.shoptet import ShoptetClient
from app.sync.models import SyncRun
from tests.factories import csrf_token
from tests.monitoring.conftest import make_run


def test_an_operator_sees_every_organization_and_the_platform(tenants, db, login_as, backup_dir):
    alpha, beta = tenants["shops"]
    make_run(db.session, alpha, "orders", status="running", progress=120)
    make_run(db.session, beta, "customers", status="failed", error="Shoptet said 422: bad filter")
    make_run(db.session, beta, "orders", status="succeeded", finished_ago=timedelta(hours=3))
    client = login_as(tenants["operator"])
    html = client.get("/monitoring").get_data(as_text=True)
    assert "Alpha shop" in html and "Beta shop" in html
    assert "120" in html and "Shoptet said 422: bad filter" in html
    for section in ('id="queues"', 'id="workers"', 'id="backups"', 'id="database"', 'id="errors-by-cause"',
                    'id="settings-cache"', 'id="api-budget"', 'id="sync-lag"'):
        assert section in html, section
    assert "No worker is alive" in html  # none runs in this test
    assert "No webhook intake yet." in html or "Received in the last day" in html


def test_an_owner_sees_only_their_organization_and_no_platform_internals(tenants, db, login_as):
    alpha, beta = tenants["shops"]
    make_run(db.session, alpha, "orders", status="running")
    make_run(db.session, beta, "orders", status="running")
    client = login_as(tenants["owner"])
    html = client.get("/monitoring").get_data(as_text=True)
    assert "Alpha shop" in html and "Beta shop" not in html
    assert 'id="queues"' not in html and 'id="database"' not in html and 'id="errors-by-cause"' not in html
    assert 'id="nav-monitoring"' in html


def test_a_manager_may_not_see_monitoring(tenants, login_as):
    client = login_as(tenants["manager"])
    assert client.get("/monitoring").status_code == 403
    assert 'id="nav-monitoring"' not in client.get("/").get_data(as_text=True)


def test_anonymous_is_sent_to_login(client):
    response = client.get("/monitoring")
    assert response.status_code in (302, 401)


def test_the_live_fragment_is_served_to_htmx_and_keeps_polling(tenants, db, login_as):
    run = make_run(db.session, tenants["shops"][0], status="running", progress=7)
    client = login_as(tenants["operator"])
    response = client.get("/monitoring", headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "HX-Request" in response.headers.get("Vary", "")
    assert html.lstrip().startswith("<section id=\"monitoring-live\"") and 'hx-trigger="every 5s"' in html
    assert f'id="monitor-run-{run.id}"' in html and "<html" not in html


def test_cancel_from_the_page_uses_the_ledger_and_is_audited(tenants, db, login_as):
    run = make_run(db.session, tenants["shops"][1], status="running")
    client = login_as(tenants["operator"])
    token = csrf_token(client, "/monitoring")
    response = client.post(f"/runs/{run.id}/cancel", data={"csrf_token": token, "back": "monitoring"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/monitoring")
    db.session.expire_all()
    assert db.session.get(SyncRun, run.id).status == "cancelled"
    event = db.session.execute(select(AuditEvent).where(AuditEvent.action == "import.cancelled")).scalar_one()
    assert event.actor_id == tenants["operator"].id and event.target_id == run.id


def test_retry_from_the_page_requeues_a_failed_run(tenants, db, login_as, redis_client):
    run = make_run(db.session, tenants["shops"][0], status="failed", error="boom")
    client = login_as(tenants["owner"])
    token = csrf_token(client, "/monitoring")
    assert client.post(f"/runs/{run.id}/retry", data={"csrf_token": token, "back": "monitoring"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(SyncRun, run.id).status == "queued"
    assert db.session.execute(select(AuditEvent).where(AuditEvent.action == "import.retried")).scalar_one()


def test_an_owner_cannot_touch_another_organizations_run(tenants, db, login_as):
    foreign = make_run(db.session, tenants["shops"][1], status="running")
    client = login_as(tenants["owner"])
    token = csrf_token(client, "/monitoring")
    response = client.post(f"/runs/{foreign.id}/cancel", data={"csrf_token": token, "back": "monitoring"})
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(SyncRun, foreign.id).status == "running"


def test_stuck_runs_are_marked(tenants, db, login_as):
    from sqlalchemy import text, update

    run = make_run(db.session, tenants["shops"][0], status="running")
    db.session.execute(update(SyncRun).where(SyncRun.id == run.id).values(
        lease_expires_at=text("now() - interval '5 minutes'"), heartbeat_at=text("now() - interval '6 minutes'")))
    html = login_as(tenants["operator"]).get("/monitoring").get_data(as_text=True)
    assert f'id="monitor-run-{run.id}" data-status="running" data-stuck="1"' in html
    assert "its worker is gone" in html


def test_the_api_budget_shows_what_the_shoptet_client_saw(tenants, db, login_as, redis_client):
    """The hook in app/shoptet/transport.py, driven by a real client over httpx: bucket filling and 429s."""
    shop = tenants["shops"][0]
    answers = iter([httpx.Response(200, json={"data": {"ok": 1}}, headers={"X-RateLimit-Bucket-Filling": "150/200"}),
                    httpx.Response(429, json={}, headers={"Retry-After": "0"}),
                    httpx.Response(200, json={"data": {}}, headers={"X-RateLimit-Bucket-Filling": "170/200"})])
    http = httpx.Client(transport=httpx.MockTransport(lambda request: next(answers)))
    client = ShoptetClient.with_private_token("t" * 20, base_url="https://api.test", http=http,
                                              on_response=ApiBudgetRecorder(redis_client, shop.id))
    client.get_eshop()
    client.get_eshop()  # a 429, retried, then 170/200
    html = login_as(tenants["owner"]).get("/monitoring").get_data(as_text=True)
    row = html[html.index(f'<tr data-shop="{shop.id}"><td>Alpha shop'):]
    row = row[:row.index("</tr>")]
    assert "170/200" in row and "<td>3</td>" in row and '<td class="error-text">1</td>' in row


def test_client_for_shop_wires_the_budget_recorder(tenants, db, app):
    from app.channels.shoptet.api import client_for_shop
    from app.crypto import encrypt

    shop = tenants["shops"][0]
    shop.api_token_encrypted = encrypt("private-token-123456")
    client = client_for_shop(shop)
    assert isinstance(client.transport.on_response, ApiBudgetRecorder)
    assert client.transport.on_response.shop_id == shop.id


def test_settings_cache_hit_rate_is_shown(tenants, db, login_as, app):
    from app.settings.cache import settings_cache

    org = tenants["orgs"][0]
    for _ in range(3):
        settings_cache().values(db.session, org.id)
    html = login_as(tenants["operator"]).get("/monitoring").get_data(as_text=True)
    rate = html[html.index('id="cache-hit-rate">') + len('id="cache-hit-rate">'):].split("<", 1)[0]
    assert rate.endswith("%") and 0 < float(rate.split()[0]) <= 100


def test_charts_are_server_rendered_svg(tenants, db, login_as, redis_client):
    import time

    from app.monitoring import trends

    now = time.time()
    make_run(db.session, tenants["shops"][0], status="succeeded", finished_ago=timedelta(minutes=30), progress=900)
    trends.record(redis_client, {trends.queue_series("snapshots"): 4, trends.WORKERS_SERIES: 1}, now - 120)
    trends.record(redis_client, {trends.queue_series("snapshots"): 9, trends.WORKERS_SERIES: 2}, now - 60)
    html = login_as(tenants["operator"]).get("/monitoring").get_data(as_text=True)
    assert html.count("<svg viewBox=") >= 2 and "<polyline points=" in html
    assert "Rows imported per hour" in html and "Queue depth and live workers" in html
    caption = html[html.index('<figure class="chart"'):].split("</figcaption>", 1)[0]
    assert "Times in Europe/Prague" in caption and "UTC" not in caption  # the display time zone, named
    assert "<script" not in html.split("</head>", 1)[1]
