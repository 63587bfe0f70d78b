"""Text keys for accent-insensitive search: the same folding in Python as `hub_unaccent(lower(...))` in SQL
(migration catalog_texts), so `zluty` finds `žlutý` and `novakova` finds `Nováková`."""

from __future__ import annotations

import unicodedata


def fold(value: str) -> str:
    """Lower-cased, without accents (what PostgreSQL's unaccent does for Czech, Slovak and their neighbours)."""
    decomposed = unicodedata.normalize("NFKD", value.lower())
    return "".join(char for char in decomposed if not unicodedata.combining(char))
