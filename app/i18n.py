"""The interface's language: Flask-Babel with one catalog per language under app/translations.

English is the source language (the msgids); Czech and Slovak are catalogs (`make translations` extracts
the strings and updates them, `make setup` compiles them). Which language a request gets is decided here,
in one place: the browser's preferred language among the ones the hub speaks, else the default.

Writing code that speaks the user's language:
- templates: `{{ _("Orders") }}`, with values `{{ _("%(count)s orders", count=n) }}`; plurals `ngettext`;
- Python: `from flask_babel import gettext as _` inside a request or job, and `lazy_gettext` for strings
  defined at import time (column headings, labels of declarations), which are translated when rendered.
"""

from __future__ import annotations

from flask import Flask, request

from app.extensions import babel

LANGUAGES = ("cs", "sk", "en")  # what the interface speaks; English is the source text
DEFAULT_LANGUAGE = "en"


def select_locale() -> str:
    """The request's language: the browser's first choice that the hub speaks."""
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_locale=DEFAULT_LANGUAGE)
