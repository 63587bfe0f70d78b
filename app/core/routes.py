"""Home page and error pages in the base layout's style."""

from __future__ import annotations

from flask import Blueprint, g, render_template
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
    400: ("Bad request", "The request could not be understood. Reload the page and try again."),
    401: ("Log in first", "This page needs you to be logged in."),
    403: ("Not allowed", "Your role in this organization does not allow this. Ask an owner."),
    404: ("Not found", "There is nothing here, or it belongs to another organization."),
    410: ("No longer here", "This was deleted after its retention time (an export's file, say); make it again."),
    429: ("Too many attempts", "Wait a few minutes before trying again."),
    500: ("Something went wrong", "The error was logged. Try again in a moment."),
}


def register_error_pages(app) -> None:
    def render_error(status: int, detail: str | None = None):
        title, text = ERROR_TEXT[status]
        return render_template("errors/error.html", status=status, title=title, text=detail or text), status

    for status in ERROR_TEXT:
        app.register_error_handler(status, lambda exc, status=status: render_error(status))

    @app.errorhandler(CSRFError)
    def _csrf(exc):
        return render_error(400, f"The form expired or was sent without its security token ({exc.description}). "
                                 "Reload the page and try again.")
