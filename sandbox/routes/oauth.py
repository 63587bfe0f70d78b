"""Addon OAuth server: `/action/ApiOAuthServer/token` and `/getAccessToken`.

Answers are plain JSON (no Shoptet envelope), as in Shoptet's install example.
Served at the root and under each shop URL (`/shops/<eshop_id>/...`), because
clients build the URL from either the partner domain or the e-shop URL.
"""

from __future__ import annotations

import orjson
from flask import Blueprint, Response, g, request

from sandbox.auth import OAuthError

bp = Blueprint("oauth", __name__)


def _json(payload: dict, status: int = 200) -> Response:
    return Response(orjson.dumps(payload), status=status, content_type="application/json")


@bp.post("/action/ApiOAuthServer/token")
@bp.post("/shops/<int:eshop_id>/action/ApiOAuthServer/token")
def token(eshop_id: int | None = None):
    body = request.get_json(silent=True, force=True)
    if not isinstance(body, dict):
        body = request.form.to_dict()
    sandbox = g.sandbox
    try:
        oauth_token, shop_id = sandbox.auth.exchange_code(body)
    except OAuthError as exc:
        return _json({"error": exc.code}, exc.status)
    shop = sandbox.by_id[shop_id]
    return _json({
        "access_token": oauth_token,
        "expires_in": None,
        "token_type": "Bearer",
        "scope": "api",
        "eshopId": shop_id,
        "eshopUrl": sandbox.shop_url(shop_id) + "/",
        "contactEmail": shop.contact_email,
    })


@bp.get("/action/ApiOAuthServer/getAccessToken")
@bp.get("/shops/<int:eshop_id>/action/ApiOAuthServer/getAccessToken")
def access_token(eshop_id: int | None = None):
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return _json({"error": "invalid_token"}, 401)
    try:
        token, expires_in = g.sandbox.auth.issue_access_token(value.strip())
    except OAuthError as exc:
        return _json({"error": exc.code}, exc.status)
    return _json({"access_token": token, "expires_in": expires_in})
