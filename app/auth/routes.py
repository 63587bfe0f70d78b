"""Log in and out. Thin: the form, a service call, a redirect."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import services, sessions
from app.auth.forms import LoginForm
from app.extensions import db, limiter

bp = Blueprint("auth", __name__)


def _login_failed(response) -> bool:
    """Only failed attempts count towards the throttle, so a user who types well is never slowed."""
    return response.status_code == 401


def _account_key() -> str:
    return "login-account:" + services.normalize_email(request.form.get("email", ""))


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_ACCOUNT"], key_func=_account_key,
               methods=["POST"], deduct_when=_login_failed)
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_login_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = services.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            session.clear()  # a fresh session on login: no fixation
            sessions.start(db.session, user, ip=request.remote_addr or "",
                           user_agent=request.headers.get("User-Agent", ""))
            session.permanent = True
            login_user(user)
            db.session.commit()
            return redirect(_safe_next(request.args.get("next")))
        flash("Wrong e-mail or password.", "error")
        return render_template("auth/login.html", form=form), 401
    return render_template("auth/login.html", form=form), (400 if form.errors else 200)


@bp.post("/logout")
@login_required
def logout():
    sessions.revoke(db.session, current_user.get_id())
    db.session.commit()
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("auth.login"))


def _safe_next(target: str | None) -> str:
    """Only local paths: an open redirect after login is a phishing tool."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("core.index")
