"""Each kind of bad input that used to reach the database and answer 500 now answers 400 (or 404 for an id that
cannot exist) on the normal page, and writes nothing."""

import hashlib
import hmac

import orjson
import pytest
from sqlalchemy import func, select

from app.audit.models import AuditEvent
from app.orgs.models import Role
from app.settings.models import SettingValue
from app.tables.models import SavedView, TableExport
from app.webhooks.models import WebhookEvent
from tests.factories import csrf_token, login, make_member
from tests.orders.tables import add_order

HUGE = str(2**63)


@pytest.mark.parametrize("path", [
    f"/orders/{HUGE}", f"/customers/{HUGE}", f"/shops/{HUGE}", f"/runs/{HUGE}", f"/exports/{HUGE}",
    f"/orders/status-changes/{HUGE}", "/orders/0",
])
def test_ids_past_bigint_are_not_found(client, tenant, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "<nav" in response.get_data(as_text=True)  # the normal layout


def test_webhook_to_a_shop_id_past_bigint_is_not_found(client, db):
    assert client.post(f"/webhooks/shoptet/{HUGE}", data=b"{}").status_code == 404


@pytest.mark.parametrize("query", [
    "status=2147483648", "status=%C2%B2", "orders_min=2147483648", "orders_max=-2147483649",
    "total_min=1e999999", "total_max=NaN", "created_from=9999-12-31", "created_to=0001-01-01",
    "created_from=2025-13-01", "q=a%00b", "shop=" + HUGE, "shop=3.0",
])
def test_bad_filter_values_answer_400_with_the_reason(client, tenant, query):
    table = "customers" if query.startswith("orders_") else "orders"
    response = client.get(f"/{table}?{query}")
    assert response.status_code == 400, query
    page = response.get_data(as_text=True)
    assert "<nav" in page and "400" in page


def test_the_reason_is_shown(client, tenant):
    page = client.get("/orders?created_from=9999-12-31").get_data(as_text=True)
    assert "created_from" in page and "expected a date from" in page


@pytest.mark.parametrize("path", [f"/audit?before={HUGE}", f"/settings?shop={HUGE}", "/audit?before=%C2%B2"])
def test_ids_in_the_query_string_are_checked(client, tenant, path):
    assert client.get(path).status_code == 400


def test_queued_export_of_an_impossible_date_is_refused_up_front(client, db, tenant, exports_dir):
    token = csrf_token(client, "/orders")
    response = client.post("/exports/orders", data={"query": "created_from=9999-12-31", "csrf_token": token})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(TableExport)) == 0


@pytest.mark.parametrize("org_id", ["abc", "²", "3.0", HUGE, "-1"])
def test_switching_to_a_malformed_organization_answers_400(client, tenant, org_id):
    token = csrf_token(client, "/")
    assert client.post("/orgs/switch", data={"org_id": org_id, "csrf_token": token}).status_code == 400


def test_bulk_status_change_with_a_superscript_digit_answers_400(client, db, tenant):
    order = add_order(db.session, tenant.shop_a)
    token = csrf_token(client, "/orders")
    response = client.post("/orders/status", data={"order_id": [str(order.id), "²"], "status_id": "-2",
                                                   "csrf_token": token})
    assert response.status_code == 400


@pytest.mark.parametrize("form", [
    {"name": "view\x00", "query": ""},
    {"name": "ok", "query": "q=\x00"},
])
def test_nul_bytes_in_forms_answer_400_and_nothing_is_written(client, db, tenant, form):
    token = csrf_token(client, "/orders")
    response = client.post("/views/orders", data={**form, "csrf_token": token})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(SavedView)) == 0


def test_nul_bytes_in_settings_and_invitations_answer_400(client, db, tenant):
    token = csrf_token(client, "/settings")
    before = db.session.scalar(select(func.count()).select_from(AuditEvent))
    assert client.post("/settings", data={"alert_email": "a\x00@example.com", "csrf_token": token}).status_code == 400
    assert client.post("/members/invite", data={"email": "x\x00@example.com", "role": "viewer",
                                                "csrf_token": token}).status_code == 400
    assert db.session.scalar(select(func.count()).select_from(SettingValue)) == 0
    assert db.session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_nul_byte_in_the_login_email_answers_400(client, db):
    token = csrf_token(client)
    response = client.post("/login", data={"email": "a\x00@example.com", "password": "x" * 12, "csrf_token": token})
    assert response.status_code == 400


SIGNATURE_KEY = "test-signature-key"


def _signed(payload) -> tuple[bytes, dict]:
    body = orjson.dumps(payload)
    signature = hmac.new(SIGNATURE_KEY.encode(), body, hashlib.sha1).hexdigest()
    return body, {"Shoptet-Webhook-Signature": signature, "Content-Type": "application/json"}


@pytest.mark.parametrize("payload", [
    {"eshopId": [1], "event": "order:create", "eventInstance": "X1", "eventCreated": "2025-01-01T00:00:00+0100"},
    {"eshopId": "SHOP", "event": "order:\x00create", "eventInstance": "X1", "eventCreated": "2025"},
    {"eshopId": "SHOP", "event": "order:create", "eventInstance": "X\x001", "eventCreated": "2025"},
])
def test_a_signed_webhook_of_the_wrong_shape_answers_400(client, db, tenant, payload):
    from app.crypto import encrypt

    shop = tenant.shop_a
    shop.webhook_key_encrypted = encrypt(SIGNATURE_KEY)
    db.session.flush()
    payload = {key: (shop.external_id if value == "SHOP" else value) for key, value in payload.items()}
    body, headers = _signed(payload)
    response = client.post(f"/webhooks/shoptet/{shop.id}", data=body, headers=headers)
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(WebhookEvent)) == 0


def test_viewer_role_is_not_needed_for_400(client, db, tenant):
    """Validation comes before the query, whoever asks."""
    viewer = make_member(db.session, tenant.org, Role.viewer)
    other = client.application.test_client()
    login(other, viewer.email)
    assert other.get("/orders?total_min=1e999999").status_code == 400
