"""Connecting a WooCommerce store: WooCommerce's app authorization (wcauth.py), or keys pasted by the owner.

`/woocommerce/callback` is where the store POSTs the key (server to server, no session, no CSRF token: the
signed single-use state is the proof); the owner comes back through `/woocommerce/return`.
"""

from __future__ import annotations

import logging

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.channels.woocommerce import wcauth
from app.channels.woocommerce.api import WooCredentials, credentials_from, store_id
from app.extensions import csrf, db
from app.orgs.scoping import current_org, require
from app.shops.connect import connect_shop
from app.shops.services import ShopError

bp = Blueprint("woocommerce", __name__)
log = logging.getLogger(__name__)


@bp.post("/shops/connect/woocommerce")
@require("shops.connect")
def connect():
    """The owner's way to the store's authorization page, with a signed single-use state: a link to follow,
    not a redirect (the hub's CSP `form-action 'self'` stops a form's redirect to another site)."""
    try:
        target = wcauth.start(db.session, current_org().id, current_user.id, request.form.get("url", ""),
                              callback_url=url_for("woocommerce.callback", _external=True),
                              return_url=url_for("woocommerce.returned", _external=True))
    except ValueError as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("shops.index")), 303
    db.session.commit()
    return render_template("woocommerce/authorize.html", target=target, store=request.form.get("url", "").strip())


@bp.post("/woocommerce/callback")
@csrf.exempt  # the store's server posts here; the signed single-use state is checked instead
def callback():
    """The store's key for the hub: connect the store in the organization of the owner who asked."""
    data = request.get_json(silent=True) or {}
    try:
        if data.get("key_permissions") != wcauth.SCOPE:
            raise wcauth.AuthorizationError("The hub needs a read/write key.")
        pending, url = wcauth.claim(db.session, str(data.get("user_id") or ""))
        credentials = WooCredentials(store_id(url), url, str(data.get("consumer_key") or ""),
                                     str(data.get("consumer_secret") or ""))
        credentials_from({"url": url, "consumer_key": credentials.consumer_key,
                          "consumer_secret": credentials.consumer_secret})  # the keys' shape
        connected = connect_shop(db.session, pending.organization_id, "woocommerce", credentials, url=url,
                                 actor_id=pending.user_id)
        pending.shop_id = connected.shop.id
    except (wcauth.AuthorizationError, ShopError, ValueError) as exc:
        db.session.rollback()
        log.warning("WooCommerce authorization callback refused: %s", exc)
        return {"error": str(exc)}, 400
    db.session.commit()
    return {"ok": True, "shop": connected.shop.id}, 200


@bp.get("/woocommerce/return")
@require("shops.connect")
def returned():
    """The owner back from the store: the connected shop, or why not."""
    try:
        install = wcauth.returned(db.session, request.args.get("user_id", ""))
    except wcauth.AuthorizationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("shops.index")), 303
    if request.args.get("success") != "1" or install.shop_id is None:
        flash(_("The store was not connected: the authorization was denied or its key did not reach the hub."),
              "error")
        return redirect(url_for("shops.index")), 303
    flash(_("The WooCommerce store is connected; its first full import has started."), "success")
    return redirect(url_for("shops.detail", shop_id=install.shop_id)), 303


@bp.post("/shops/connect/woocommerce/keys")
@require("shops.connect")
def paste_keys():
    """Connect a store with a REST API key the owner made in WooCommerce and pasted here."""
    form = request.form
    try:
        credentials = credentials_from({"url": form.get("url"), "consumer_key": form.get("consumer_key"),
                                        "consumer_secret": form.get("consumer_secret")})
        connected = connect_shop(db.session, current_org().id, "woocommerce", credentials, url=credentials.url,
                                 actor_id=current_user.id)
    except (ShopError, ValueError) as exc:
        db.session.rollback()
        flash(str(exc), "error")
        return redirect(url_for("shops.index")), 303
    db.session.commit()
    for warning in connected.warnings:
        flash(warning, "error")
    flash(_("The WooCommerce store is connected; its first full import has started."), "success")
    return redirect(url_for("shops.detail", shop_id=connected.shop.id)), 303
