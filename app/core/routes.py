"""Home page and error pages in the base layout's style."""

from __future__ import annotations

import time

from flask import Blueprint, g, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_limiter.errors import RateLimitExceeded
from flask_login import login_required
from flask_wtf.csrf import CSRFError

bp = Blueprint("core", __name__)


@bp.get("/")
@login_required
def index():
    if g.get("org") is None:  # a new account, or a platform operator outside every organization
        return render_template("core/no_organization.html")
    from app.dashboard.routes import render_dashboard  # the merchant's home: the sales dashboard

    return render_dashboard()


ERROR_TEXT = {
    400: (_l("Bad request"), _l("The request could not be understood. Reload the page and try again.")),
    401: (_l("Log in first"), _l("This page needs you to be logged in.")),
    403: (_l("Not allowed"), _l("Your role in this organization does not allow this. Ask an owner.")),
    404: (_l("Not found"), _l("There is nothing here, or it belongs to another organization.")),
    410: (_l("No longer here"),
          _l("This was deleted after its retention time (an export's file, say); make it again.")),
    413: (_l("Too large"), _l("The request is larger than the hub accepts here.")),
    429: (_l("Too many attempts"), _l("Wait a few minutes before trying again.")),
    500: (_l("Something went wrong"), _l("The error was logged. Try again in a moment.")),
}


def render_error(status: int, detail: str | None = None):
    """The error page in the normal layout; `detail` (what to fix) replaces the generic text."""
    title, text = ERROR_TEXT[status]
    return render_template("errors/error.html", status=status, title=title, text=detail or text), status


def _detail(exc) -> str | None:
    """A description given to abort() says what to fix; Werkzeug's class default says nothing new."""
    description = getattr(exc, "description", None)
    return description if description and description != type(exc).description else None


def register_error_pages(app) -> None:
    for status in ERROR_TEXT:
        app.register_error_handler(status, lambda exc, status=status: render_error(status, _detail(exc)))

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return render_error(400, _("The form expired or was sent without its security token (%(reason)s). "
                                   "Reload the page and try again.", reason=exc.description))

    @app.errorhandler(RateLimitExceeded)
    def _rate_limited(exc):
        """The per-address limit (Flask-Limiter's own headers are off): Retry-After is when its window ends."""
        from app.extensions import limiter

        current = limiter.current_limit
        wait = max(1, int(current.reset_at - time.time())) if current is not None else 60
        body, status = render_error(429, _("Too many attempts from your address. Try again in %(minutes)s min.",
                                           minutes=(wait + 59) // 60))
        return body, status, {"Retry-After": str(wait)}
