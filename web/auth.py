"""Signing in and out, and the first-run page that creates the first user.

Flask-Login keeps "user id:session version" in the signed session cookie and in the
remember-me cookie; signing out, a new password and disabling the user bump the version
(`followup.db.users.end_sessions`), and a cookie with an older one is refused, copies included.
Signing in starts a new session: nothing planted before (a CSRF token) carries over. Failed
sign-ins are throttled (`web.signin_limits`). The first-run page exists only while there is
no user at all.
"""

from __future__ import annotations

import logging
from functools import lru_cache
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, flash, g, redirect, render_template, request, session, url_for
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from sqlalchemy import func
from sqlmodel import select
from werkzeug.security import check_password_hash, generate_password_hash

from followup.db.models import User
from followup.db.users import (
    MIN_PASSWORD_LENGTH,
    UserError,
    create_user,
    end_sessions,
    find_user,
    verify_password,
)
from web.database import get_db, get_runtime
from web.signin_limits import limit_sign_in

log = logging.getLogger(__name__)

bp = Blueprint("auth", __name__)
login_manager = LoginManager()

@lru_cache(maxsize=4)
def _dummy_hash(method: str) -> str:
    """Checked against when the email is unknown, so that both paths cost the same."""
    return generate_password_hash("not-a-real-password", method=method)


class SignedInUser(UserMixin):
    """The Flask-Login view of a `User` row; `.row` is the row itself."""

    def __init__(self, row: User) -> None:
        self.row = row

    def get_id(self) -> str:
        return f"{self.row.id}:{self.row.session_version}"

    @property
    def is_active(self) -> bool:
        return bool(self.row.is_active)


def signed_in_user() -> User:
    """The signed-in user's row (the view must be `login_required`)."""
    return current_user.row


@login_manager.user_loader
def _load_user(user_id: str):
    ident, _, version = user_id.partition(":")
    if not (ident.isascii() and ident.isdigit()):
        return None
    user = get_db().get(User, int(ident))
    if user is None or not user.is_active or str(user.session_version) != version:
        return None
    return SignedInUser(user)


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Please sign in."
    login_manager.session_protection = "basic"


def start_session(user: User, *, remember: bool = False) -> None:
    """Sign *user* in on a fresh session: what was in the old one (a CSRF token) is gone."""
    session.clear()
    g.pop("csrf_token", None)  # Flask-WTF's copy for this request
    login_user(SignedInUser(user), remember=remember)


def no_users_yet() -> bool:
    return get_db().exec(select(func.count()).select_from(User)).one() == 0


def _safe_next(target: str | None) -> str:
    """Only a path on this site: never an absolute URL (open redirect)."""
    if target:
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and target.startswith("/") and not target.startswith("//") and "\\" not in target:
            return target
    return url_for("tasks.index")


@bp.route("/login", methods=["GET", "POST"])
def login():
    if no_users_yet():
        return redirect(url_for("auth.setup"))
    if current_user.is_authenticated:
        return redirect(url_for("tasks.index"))
    error = None
    email = ""
    if request.method == "POST":
        email = request.form.get("email", "").strip()
        password = request.form.get("password", "")
        try:
            user = find_user(get_db(), email)
        except UserError:
            user = None
        if user is None:
            check_password_hash(_dummy_hash(get_runtime().settings.password_hash), password)
        elif verify_password(user, password):
            if not user.is_active:
                log.info("disabled user %s tried to sign in", user.id)
                error = "This user is disabled. Ask your administrator to enable it again."
                return render_template("auth/login.html", error=error, email=email), 403
            start_session(user, remember=bool(request.form.get("remember")))
            log.info("user %s signed in", user.id)
            return redirect(_safe_next(request.args.get("next")))
        log.info("failed sign-in")
        error = "Wrong email or password."
    return render_template("auth/login.html", error=error, email=email), (401 if error else 200)


@bp.record_once
def _limit_sign_in(state) -> None:
    # Each app wraps the view in a throttle of its own, once its routes exist.
    views = state.app.view_functions
    views["auth.login"] = limit_sign_in(state.app, views["auth.login"])


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:  # copies of this session's cookies must not work either
        db = get_db()
        end_sessions(db.merge(signed_in_user()))
        db.commit()
    logout_user()
    flash("You are signed out.")
    return redirect(url_for("auth.login"))


@bp.route("/setup", methods=["GET", "POST"])
def setup():
    """First run: create the first user (a team lead when a team name is given)."""
    if not no_users_yet():
        abort(404)
    errors: list[str] = []
    form = request.form
    if request.method == "POST":
        password = form.get("password", "")
        if password != form.get("password2", ""):
            errors.append("The two passwords differ.")
        if not errors:
            db = get_db()
            try:
                team = form.get("team", "").strip() or None
                user = create_user(
                    db, form.get("email", ""), password, team_name=team, lead=bool(team),
                    display_name=form.get("display_name", "").strip(),
                    hash_method=get_runtime().settings.password_hash,
                )
                db.commit()
            except UserError as exc:
                db.rollback()
                errors.append(str(exc).capitalize() + ".")
            else:
                start_session(user)
                flash("Welcome! Connect a mailbox to get your first follow-ups.")
                return redirect(url_for("accounts.new"))
    return render_template(
        "auth/setup.html", errors=errors, form=form, min_length=MIN_PASSWORD_LENGTH
    ), (400 if errors else 200)

