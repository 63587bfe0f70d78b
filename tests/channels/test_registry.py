"""Dispatch by platform: every path reaches a shop through the channel its `platform` names; a platform
the hub does not know is a clear error wherever it shows up."""

import pytest
from sqlalchemy import select

from app.channels import UnknownPlatform, channel_for, channel_named, channels
from app.channels.base import Channel
from app.channels.shoptet.channel import ShoptetChannel
from app.crypto import encrypt
from app.sync import ledger
from app.sync.models import SyncRun
from app.sync.runner import execute_run
from app.webhooks.models import WebhookEvent
from tests.factories import make_org, make_shop


def test_a_shop_gets_the_channel_its_platform_names(db):
    shop = make_shop(db.session, make_org(db.session))
    assert shop.platform == "shoptet"
    assert isinstance(channel_for(shop), ShoptetChannel) and channel_for(shop) is channel_named("shoptet")
    assert all(isinstance(channel, Channel) and name == channel.platform for name, channel in channels().items())


def test_an_unknown_platform_is_a_clear_error(db):
    shop = make_shop(db.session, make_org(db.session))
    shop.platform = "magento"
    with pytest.raises(UnknownPlatform,
                       match="Unknown platform 'magento': the hub connects shoptet, woocommerce shops"):
        channel_for(shop)


def test_a_run_of_a_shop_on_an_unknown_platform_fails_with_that_message(db):
    shop = make_shop(db.session, make_org(db.session))
    shop.platform, shop.api_token_encrypted = "magento", encrypt("token")
    run, _ = ledger.trigger(db.session, shop, "orders")
    db.session.commit()
    outcome = execute_run(db.session, run.id)
    assert outcome.status == "failed" and "Unknown platform 'magento'" in outcome.error
    assert db.session.get(SyncRun, run.id).status == "failed"


def test_webhooks_are_routed_by_platform(client, db):
    shop = make_shop(db.session, make_org(db.session))
    body = b'{"eshopId": 1, "event": "order:update"}'
    assert client.post(f"/webhooks/woocommerce/{shop.id}", data=body).status_code == 404  # not this shop's platform
    assert client.post(f"/webhooks/shoptet/{shop.id}", data=body).status_code == 401  # its channel verifies: unsigned
    assert db.session.execute(select(WebhookEvent)).first() is None
