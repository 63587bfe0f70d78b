"""The current organization and the one place tenant data is scoped.

Every read of tenant data goes through `scoped()` or `get_scoped_or_404()`, so an id that belongs
to another organization answers 404 instead of leaking that it exists.
"""

from __future__ import annotations

from functools import wraps

from flask import abort, g, session
from flask_login import current_user
from sqlalchemy import Select, select

from app.extensions import db, login_manager
from app.orgs.models import Membership, Organization, Role
from app.orgs.permissions import role_allows
from app.shops.models import Shop

SESSION_KEY = "org_id"


def load_current_org() -> None:
    """Resolve g.org and g.role for the logged-in user (before_request)."""
    g.org, g.role, g.memberships = None, None, []
    if not current_user.is_authenticated:
        return
    rows = db.session.execute(
        select(Membership, Organization)
        .join(Organization, Organization.id == Membership.organization_id)
        .where(Membership.user_id == current_user.id)
        .order_by(Organization.name, Organization.id)
    ).all()
    g.memberships = [(org, membership.role) for membership, org in rows]
    wanted = session.get(SESSION_KEY)
    chosen = next(((org, role) for org, role in g.memberships if org.id == wanted), None)
    if chosen is None and g.memberships:
        chosen = g.memberships[0]
    if chosen is not None:
        g.org, g.role = chosen
        session[SESSION_KEY] = g.org.id


def current_org() -> Organization:
    org = getattr(g, "org", None)
    if org is None:
        abort(404)
    return org


def current_role() -> Role | None:
    return getattr(g, "role", None)


def can(permission: str) -> bool:
    return role_allows(current_role(), permission)


def require(permission: str, *, operators: bool = False):
    """Route decorator: 403 unless the user's role in the current organization allows `permission`.

    `operators`: platform operators pass without a role (pages that reach every organization's rows, such as
    the runs the monitoring page lists; the route reads them with `get_scoped_or_404(..., operators=True)`).
    """

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:  # the login form, then back here
                return login_manager.unauthorized()
            if operators and current_user.is_operator:
                return view(*args, **kwargs)
            current_org()
            if not can(permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def scoped(model, statement: Select | None = None) -> Select:
    """A select of `model` limited to the current organization."""
    statement = statement if statement is not None else select(model)
    return statement.where(model.organization_id == current_org().id)


def get_scoped_or_404(model, object_id: int, *, operators: bool = False):
    """The current organization's row; with `operators`, a platform operator reaches any organization's."""
    statement = select(model) if operators and current_user.is_operator else scoped(model)
    row = db.session.execute(statement.where(model.id == object_id)).scalar_one_or_none()
    if row is None:
        abort(404)
    return row


def org_shops(session, org_id: int) -> list[Shop]:
    """The organization's shops, by name: tables keyed by `shop_id` (orders, customers) scope through these."""
    return list(session.execute(
        select(Shop).where(Shop.organization_id == org_id).order_by(Shop.name, Shop.id)
    ).scalars())


def current_org_shops() -> list[Shop]:
    """`org_shops()` of the current organization, read once per request."""
    if "org_shops" not in g:
        g.org_shops = org_shops(db.session, current_org().id)
    return g.org_shops


def get_shop_scoped_or_404(model, object_id: int):
    """A row of a table keyed by `shop_id` (orders, customers), or 404 unless its shop is the organization's."""
    shop_ids = [shop.id for shop in current_org_shops()]
    row = db.session.execute(
        select(model).where(model.id == object_id, model.shop_id.in_(shop_ids))
    ).scalar_one_or_none()
    if row is None:
        abort(404)
    return row
