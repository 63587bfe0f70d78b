"""The webhook endpoint: signed, stored once, answered at once, processed on a queue."""

import orjson
from sqlalchemy import func, select, update

from app.crypto import encrypt
from app.shoptet.webhooks import SIGNATURE_HEADER, sign
from app.sync.models import SyncCursor, SyncRun
from app.sync.periodic import process_waiting_webhooks
from app.webhooks.models import WebhookEvent
from app.webhooks.services import process_pending
from tests.factories import make_org, make_shop

KEY = "61d1175f54c47dd67df14c17002a17b2"


def _shop(db):
    shop = make_shop(db.session, make_org(db.session))
    shop.webhook_key_encrypted = encrypt(KEY)
    shop.api_token_encrypted = encrypt("token")
    db.session.flush()
    return shop


def _body(shop, event="order:update", instance="2024000123", created="2026-11-29T10:00:00+0100"):
    return orjson.dumps({"eshopId": shop.external_id, "event": event, "eventCreated": created,
                         "eventInstance": instance})


def _deliver(client, shop, body, key=KEY):
    return client.post(f"/webhooks/shoptet/{shop.id}", data=body,
                       headers={SIGNATURE_HEADER: sign(body, key), "Content-Type": "application/json"})


def _events(db, shop):
    return db.session.execute(select(func.count()).select_from(WebhookEvent)
                              .where(WebhookEvent.shop_id == shop.id)).scalar_one()


def test_signed_webhook_is_stored_and_answered_at_once(client, db):
    shop = _shop(db)
    response = _deliver(client, shop, _body(shop))
    assert response.status_code == 200 and response.json == {"ok": True, "duplicate": False}
    assert _events(db, shop) == 1


def test_forged_webhooks_are_refused_and_not_stored(client, db):
    shop = _shop(db)
    body = _body(shop)
    flipped = body.replace(b"2024000123", b"2024000124")
    assert client.post(f"/webhooks/shoptet/{shop.id}", data=flipped,
                       headers={SIGNATURE_HEADER: sign(body, KEY)}).status_code == 401  # flipped byte
    assert _deliver(client, shop, body, key="0" * 32).status_code == 401  # wrong key
    assert client.post(f"/webhooks/shoptet/{shop.id}", data=body).status_code == 401  # no signature
    other = dict(orjson.loads(body), eshopId=1)
    assert _deliver(client, shop, orjson.dumps(other)).status_code == 401  # another e-shop's event
    assert _events(db, shop) == 0


def test_a_duplicate_delivery_has_one_effect(client, db):
    shop = _shop(db)
    body = _body(shop)
    assert _deliver(client, shop, body).json["duplicate"] is False
    assert _deliver(client, shop, body).json["duplicate"] is True
    assert _events(db, shop) == 1
    assert process_pending(db.session, shop.id) == 1
    assert process_pending(db.session, shop.id) == 0
    runs = db.session.execute(select(SyncRun).where(SyncRun.shop_id == shop.id)).scalars().all()
    assert [(r.kind, r.mode) for r in runs] == [("orders", "changes")]


def test_events_map_to_the_streams_they_change(client, db):
    shop = _shop(db)
    for n, event in enumerate(["order:create", "customer:update", "product:update", "stock:movement",
                               "productVariant:update", "job:finished", "order:update"]):
        _deliver(client, shop, _body(shop, event=event, instance=str(n)))
    process_pending(db.session, shop.id)
    kinds = sorted(db.session.execute(select(SyncRun.kind).where(SyncRun.shop_id == shop.id)).scalars())
    assert kinds == ["customers", "orders", "products", "stock"]
    dirty = db.session.execute(select(SyncCursor.stream).where(SyncCursor.shop_id == shop.id,
                                                               SyncCursor.dirty_at.is_not(None))).scalars()
    assert sorted(dirty) == ["customers", "orders", "products", "stock"]


def test_intake_survives_redis_being_down_and_the_scheduler_processes_later(app, client, db, monkeypatch):
    shop = _shop(db)

    def redis_down(*args, **kwargs):
        raise ConnectionError("Redis is down")

    monkeypatch.setattr("app.webhooks.dispatch.enqueue_processing", redis_down)
    assert _deliver(client, shop, _body(shop)).status_code == 200
    db.session.execute(update(WebhookEvent).values(received_at=func.now() - func.make_interval(0, 0, 0, 0, 0, 1)))
    process_waiting_webhooks(app)
    assert db.session.execute(select(WebhookEvent.processed_at)).scalar_one() is not None
    assert db.session.execute(select(func.count()).select_from(SyncRun)).scalar_one() == 1


def test_uninstall_webhook_disconnects_and_keeps_data(client, db):
    shop = _shop(db)
    from app.sync import ledger

    active, _ = ledger.trigger(db.session, shop, "orders")
    _deliver(client, shop, _body(shop, event="addon:uninstall", instance=str(shop.external_id)))
    process_pending(db.session, shop.id)
    db.session.refresh(shop)
    db.session.refresh(active)
    assert shop.status == "disconnected" and "addon:uninstall" in shop.status_reason
    assert active.status == "cancelled"
