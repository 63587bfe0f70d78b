"""What each role may do: the one table every role check reads."""

from __future__ import annotations

from app.orgs.models import Role

PERMISSIONS: dict[str, frozenset[Role]] = {
    "org.view": frozenset(Role),
    "members.manage": frozenset({Role.owner}),
    "audit.view": frozenset({Role.owner}),
    "monitoring.view": frozenset({Role.owner}),  # their organization's runs, lag, alerts; operators see all
    "settings.edit": frozenset({Role.owner, Role.manager}),
    "shops.manage": frozenset({Role.owner, Role.manager}),
    "shops.connect": frozenset({Role.owner}),
    "imports.run": frozenset({Role.owner, Role.manager}),
    "orders.edit": frozenset({Role.owner, Role.manager}),
    "translations.edit": frozenset({Role.owner, Role.manager, Role.translator}),
    "translations.approve": frozenset({Role.owner, Role.manager}),
    # A CSV export holds every matching customer's name, e-mail and phone: a permission of its own.
    "tables.export": frozenset({Role.owner, Role.manager}),
}


def role_allows(role: Role | None, permission: str) -> bool:
    if permission not in PERMISSIONS:
        raise KeyError(f"Unknown permission {permission!r}: add it to app/orgs/permissions.py")
    return role is not None and role in PERMISSIONS[permission]
