"""Log in and out. Thin: the form, a service call, a redirect."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, make_response, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from app.auth import services, sessions, throttle
from app.auth.forms import LoginForm
from app.extensions import db, limiter
from app.security import safe_next_url

bp = Blueprint("auth", __name__)


def _login_failed(response) -> bool:
    """Only failed attempts count towards the throttle, so a user who types well is never slowed."""
    return response.status_code == 401


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_LIMIT_PER_IP"], methods=["POST"], deduct_when=_login_failed)
def login():
    if current_user.is_authenticated:
        return redirect(url_for("core.index"))
    form = LoginForm()
    if form.validate_on_submit():
        redis = current_app.extensions["redis"]
        email, address = services.normalize_email(form.email.data), request.remote_addr or ""
        wait = throttle.wait_seconds(redis, email, address)
        if wait:  # this account from this address failed too often: a growing delay, never a lock
            flash(f"Too many wrong passwords for this account from your address. Try again in {wait} s.", "error")
            response = make_response(render_template("auth/login.html", form=form), 429)
            response.headers["Retry-After"] = str(wait)
            return response
        user = services.authenticate(db.session, form.email.data, form.password.data)
        if user is not None:
            throttle.reset(redis, email, address)
            session.clear()  # a fresh session on login: no fixation
            sessions.start(db.session, user, ip=address, user_agent=request.headers.get("User-Agent", ""))
            session.permanent = True
            login_user(user)
            db.session.commit()
            return redirect(safe_next_url(request.args.get("next"), url_for("core.index")))
        throttle.record_failure(redis, email, address)
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
