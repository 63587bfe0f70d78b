"""The interface's language: Flask-Babel with one catalog per language under app/translations.

English is the source language (the msgids); Czech and Slovak are catalogs (`make translations` extracts
the strings and updates them, `make setup` compiles them). Which language a request gets is decided here,
in one place: the language the user chose (stored on the user; before login, in the session), else the
browser's preferred language among the ones the hub speaks, else the default.

Writing code that speaks the user's language:
- templates: `{{ _("Orders") }}`, with values `{{ _("%(count)s orders", count=n) }}`; plurals `ngettext`;
- Python: `from flask_babel import gettext as _` inside a request or job, and `lazy_gettext` for strings
  defined at import time (column headings, labels of declarations), which are translated when rendered.
"""

from __future__ import annotations

from flask import Blueprint, Flask, abort, has_request_context, redirect, request, session, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from app.extensions import babel, db

LANGUAGES = ("cs", "sk", "en")  # what the interface speaks; English is the source text
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"cs": "Čeština", "sk": "Slovenčina", "en": "English"}  # each in its own language
SESSION_KEY = "language"

bp = Blueprint("i18n", __name__)


def select_locale() -> str:
    """The request's language: the user's choice, else the browser's first choice that the hub speaks."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    if current_user.is_authenticated and current_user.language in LANGUAGES:
        return current_user.language
    if session.get(SESSION_KEY) in LANGUAGES:
        return session[SESSION_KEY]
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def current_language() -> str:
    return str(get_locale() or DEFAULT_LANGUAGE) if has_request_context() else DEFAULT_LANGUAGE


@bp.post("/language")
def choose_language():
    """Remember the chosen language (on the user when logged in) and go back to the page it was chosen on."""
    from app.security import safe_next_url

    language = request.form.get("language", "")
    if language not in LANGUAGES:
        abort(400, description=_("Unknown language %(value)s: choose one of %(choices)s.", value=repr(language),
                                 choices=", ".join(LANGUAGES)))
    session[SESSION_KEY] = language
    if current_user.is_authenticated:
        current_user.language = language
        db.session.commit()
    target = request.form.get("next")
    return redirect(safe_next_url(target, url_for("core.index"))), 303


def init_i18n(app: Flask) -> None:
    babel.init_app(app, locale_selector=select_locale, default_locale=DEFAULT_LANGUAGE)
    app.register_blueprint(bp)

    @app.context_processor
    def _language():
        return {"current_language": current_language(), "language_names": LANGUAGE_NAMES,
                "languages": LANGUAGES, "role_label": role_label}


def role_label(role) -> str:
    """A role as people read it, in their language (`manager` → "Manažer")."""
    from app.orgs.forms import ROLE_LABELS

    value = getattr(role, "value", role) or ""
    return str(ROLE_LABELS.get(value, value))

