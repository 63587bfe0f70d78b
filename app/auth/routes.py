"""Log in and out. Thin: the form, a service call, a redirect."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import services, sessions, throttle
from app.auth.forms import LoginForm
from app.extensions import db, limiter
from app.htmx import is_htmx
from app.security import safe_next_url

bp = Blueprint("auth", __name__)


def _login_failed(response) -> bool:
    """Only failed attempts count towards the throttle, so a user who types well is never slowed."""
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_login_failed)
def login():
    if current_user.is_authenticated:
        return redirect(_safe_next(request.args.get("next")))
    form = LoginForm()
    if form.validate_on_submit():
        redis = current_app.extensions["redis"]
        email, address = services.normalize_email(form.email.data), request.remote_addr or ""
        wait = throttle.wait_seconds(redis, email, address)
        if wait:  # this account from this address failed too often: a growing delay, never a lock
            flash(_("Too many wrong passwords for this account from your address. Try again in %(seconds)s s.",
                    seconds=wait), "error")
            response = make_response(render_template("auth/login.html", form=form), 429)
            response.headers["Retry-After"] = str(wait)
            return response
        user = services.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            throttle.reset(redis, email, address)
            language = session.get("language")
            session.clear()  # a fresh session on login: no fixation
            if language:  # the language chosen on the login form stays, and becomes the user's if none yet
                session["language"] = language
                user.language = user.language or language
            sessions.start(db.session, user, ip=address, user_agent=request.headers.get("User-Agent", ""))
            session.permanent = True
            login_user(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        throttle.record_failure(redis, email, address)
        flash(_("Wrong e-mail or password."), "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), (400 if form.errors else 200)


@bp.post("/logout")
@login_required
def logout():
    current_user_language = current_user.language
    sessions.revoke(db.session, current_user.get_id())
    db.session.commit()
    logout_user()
    language = session.get("language") or current_user_language
    session.clear()
    if language:  # the login form after logout speaks the language the user had
        session["language"] = language
    flash(_("You are logged out."), "info")
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str:
    """Only local paths: an open redirect after login is a phishing tool."""
    return safe_next_url(target, url_for("core.index"))


def login_first():
    """Flask-Login's answer to an anonymous request: the login form, then back to the page that was asked for.

    An htmx request (a polled fragment, a partial) gets `HX-Redirect` so the whole page goes to the login
    form and returns to the page the user was on, not to the fragment's URL.
    """
    if is_htmx():
        current = urlsplit(request.headers.get("HX-Current-URL", ""))
        page = current.path + (f"?{current.query}" if current.query else "")
        target = safe_next_url(page, url_for("core.index"))
        response = make_response("", 401)
        response.headers["HX-Redirect"] = url_for("auth.login", next=target)
        return response
    target = request.full_path.rstrip("?") if request.method == "GET" else None
    flash(_("Log in to continue."), "info")
    target = safe_next_url(target, "") if target else ""
    return redirect(url_for("auth.login", next=target) if target else url_for("auth.login"))
