"""The Shoptet addon install: an owner asks to connect, Shoptet calls the install URL back with a code.

`/shoptet/install` is the installation URL registered in Shoptet's partner admin: it stays.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from app.channels.shoptet import install
from app.channels.shoptet.api import ShoptetCredentials
from app.extensions import db
from app.orgs.scoping import current_org, require
from app.shops.connect import connect_shop
from app.shops.services import ShopError

bp = Blueprint("shoptet", __name__)


@bp.post("/shops/connect")
@require("shops.connect")
def connect():
    """Send the owner to install the hub's addon in Shoptet, with a signed single-use state."""
    state = install.start_install(db.session, current_org().id, current_user.id)
    db.session.commit()
    addon_url = current_app.config.get("SHOPTET_ADDON_URL")
    if not addon_url:
        flash(_("The Shoptet addon is not configured (SHOPTET_ADDON_URL), so shops cannot be connected from "
                "this page yet. An operator can set it up, or add a shop with its private API token."), "error")
        return redirect(url_for("shops.index")), 303
    separator = "&" if "?" in addon_url else "?"
    return redirect(f"{addon_url}{separator}{urlencode({'state': state})}"), 303


@bp.get("/shoptet/install")
def install_callback():
    """Shoptet's install request: code in, token out, shop connected. Answers 200 fast (Shoptet waits 5 s)."""
    code, state = request.args.get("code", ""), request.args.get("state", "")
    if not code:
        return render_template("shops/install_result.html", error=_("The install request has no code.")), 400
    try:
        pending = install.claim_state(db.session, state)
        installation = install.exchange_code(code, url_for("shoptet.install_callback", _external=True))
        credentials = ShoptetCredentials(installation.eshop_id, installation.oauth_token,
                                         oauth_url=current_app.config["SHOPTET_OAUTH_URL"])
        connected = connect_shop(db.session, pending.organization_id, "shoptet", credentials,
                                 url=installation.eshop_url, api_url=current_app.config.get("SHOPTET_API_URL"),
                                 actor_id=pending.user_id)
        pending.shop_id = connected.shop.id
    except (install.InstallError, ShopError) as exc:
        db.session.rollback()
        return render_template("shops/install_result.html", error=str(exc)), 400
    db.session.commit()
    return render_template("shops/install_result.html", shop=connected.shop, warnings=connected.warnings), 200
