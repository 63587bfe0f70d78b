"""Only http(s) URLs become links or destinations: shops' addresses and alert webhooks."""

import pytest

from app.security import is_http_url
from app.shops.models import Shop
from app.shops.services import ShopError, add_shop


@pytest.mark.parametrize("url", ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x", "//evil.example",
                                 "https://", "ftp://example.com", " javascript:alert(1)", "http://a\nb.example"])
def test_not_http_urls(url):
    assert not is_http_url(url)


@pytest.mark.parametrize("url", ["https://zahrada.example", "http://127.0.0.1:8000/x"])
def test_http_urls(url):
    assert is_http_url(url)


def test_a_shop_url_must_be_http(db, tenant):
    with pytest.raises(ShopError, match="http"):
        add_shop(db.session, tenant.org.id, name="Bad", url="javascript:alert(1)", eshop_id="300999",
                 private_token="t" * 20)


def test_a_stored_javascript_url_is_not_rendered_as_a_link(client, db, tenant):
    shop = db.session.get(Shop, tenant.shop_a.id)
    shop.url = "javascript:alert(1)"
    db.session.flush()
    page = client.get(f"/shops/{shop.id}").get_data(as_text=True)
    assert 'href="javascript:' not in page
