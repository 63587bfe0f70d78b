"""Both authentication schemes of the client against the sandbox, and the store's refusals."""

from __future__ import annotations

import uuid

import pytest

from app.woocommerce import HMAC_SHA1, HMAC_SHA256, AuthError, WooClient

from .conftest import requests_of


def test_basic_over_https(make_client):
    client = make_client(tls=True)
    assert len(client.get("/orders", per_page=5)) == 5


def test_basic_with_the_key_pair_in_the_query(make_client):
    client = make_client(tls=True, basic_in_query=True)
    assert len(client.get("/orders", per_page=2)) == 2


@pytest.mark.parametrize("method", [HMAC_SHA256, HMAC_SHA1])
@pytest.mark.parametrize("in_header", [False, True])
def test_oauth1_over_http_reads_and_writes(make_client, method, in_header):
    client = make_client(tls=False, oauth_method=method, oauth_in_header=in_header)
    page = client.get("/orders", per_page=3, status=["completed", "processing"],
                      modified_after="2024-01-01T00:00:00", search="a b")
    assert isinstance(page, list)
    created = client.create("/customers", {"email": f"oauth-{uuid.uuid4().hex[:8]}@example.test",
                                           "first_name": "Oldřich / Ö"})
    assert created["first_name"] == "Oldřich / Ö"


def test_wrong_secret_is_an_auth_error_and_not_retried(store):
    for url, expected in ((store.https_url, "Consumer secret is invalid."),
                          (store.base_url, "Invalid signature - provided signature does not match.")):
        client = WooClient(url, store.consumer_key, "cs_wrong", verify=store.tls_context())
        before = requests_of(store)
        with pytest.raises(AuthError) as caught:
            client.get("/orders")
        client.close()
        assert caught.value.code == "woocommerce_rest_authentication_error" and caught.value.message == expected
        assert caught.value.status == 401 and caught.value.data == {"status": 401}
        assert requests_of(store) - before == 1, "401 is never retried"
        assert "OAuth 1.0a" in str(caught.value), "the message says what to check"


def test_basic_over_plain_http_is_ignored_by_the_store(make_client):
    """Telling the client the store sees TLS when it does not: WooCommerce ignores Basic, the request is
    anonymous, and the endpoint refuses it."""
    client = make_client(tls=False, store_sees_tls=True)
    with pytest.raises(AuthError) as caught:
        client.get("/orders")
    assert caught.value.code == "woocommerce_rest_cannot_view"


def test_key_permissions(make_client):
    reader = make_client(permissions="read")
    assert reader.get("/products", per_page=1)
    with pytest.raises(AuthError, match="does not have write permissions"):
        reader.create("/customers", {"email": "never@example.test"})
    writer = make_client(tls=False, permissions="write")
    with pytest.raises(AuthError, match="does not have read permissions"):
        writer.get("/orders")
