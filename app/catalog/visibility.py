"""A product's visibility in the merchant's language: platforms name it in English (`visible`, `detail-only`),
and the products table, its filter and the product page show those names translated."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

NAMES = {
    "visible": _l("Visible"),
    "hidden": _l("Hidden"),
    "blocked": _l("Blocked"),
    "detail-only": _l("Only through its link"),
    "detailOnly": _l("Only through its link"),
}


def visibility_name(value: str | None) -> str:
    """The translated name of a known visibility; another value as the platform gave it."""
    if not value:
        return ""
    return str(NAMES[value]) if value in NAMES else value
