"""The web UI: a small Flask app (app factory + one blueprint per page family).

`create_app(runtime=None, test_config=None)` builds the app around a `Runtime` (settings
and database engine, see `followup.bootstrap`); without one it bootstraps from the
environment. Nothing happens at import time.

Security defaults set here: CSRF on every form (Flask-WTF; only the bearer-token JSON API
under /api/v1 is exempt), HttpOnly + SameSite=Lax session cookies (Secure when the base URL
is https), a strict Content-Security-Policy (scripts and styles from this origin only), and
every page served from `web/templates` with Jinja autoescaping.
"""

from __future__ import annotations

import logging
from datetime import datetime

from flask import Flask, render_template, request
from flask_wtf.csrf import CSRFError, CSRFProtect

from followup.oauth_providers import load_providers
from followup.bootstrap import Runtime, bootstrap

log = logging.getLogger(__name__)

csrf = CSRFProtect()

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def create_app(runtime: Runtime | None = None, test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    runtime = runtime or bootstrap()
    app.extensions["followup_runtime"] = runtime
    secure = runtime.settings.base_url.startswith("https://")
    app.config.from_mapping(
        SECRET_KEY=runtime.settings.secret_key,
        SESSION_COOKIE_NAME="followup_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=secure,
        REMEMBER_COOKIE_DURATION=30 * 24 * 3600,
        PERMANENT_SESSION_LIFETIME=14 * 24 * 3600,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session
        MAX_CONTENT_LENGTH=1024 * 1024,
        # A fixed "now" (aware datetime) for the demo and the tests; None means the clock.
        FOLLOWUP_NOW=None,
        TASKS_PER_PAGE=25,
        # Connecting a mailbox (or "Sync now") starts a sync; the tests switch it off.
        FOLLOWUP_START_SYNC=True,
    )
    # "Connect with …" providers, from the environment (a bad variable stops start-up, named).
    app.config["FOLLOWUP_OAUTH_PROVIDERS"] = load_providers()
    if test_config:
        app.config.update(test_config)
    if isinstance(app.config["FOLLOWUP_NOW"], str):
        app.config["FOLLOWUP_NOW"] = datetime.fromisoformat(app.config["FOLLOWUP_NOW"])

    from web import (accounts, api, auth, complaints, database, draft_settings, drafts, formatting, ids, insights, oauth,
                     settings, snooze, tasks, threads, undo, view_cache)

    ids.init_app(app)  # before the blueprints: their routes use the `id` converter
    database.init_app(app)
    csrf.init_app(app)
    auth.init_app(app)
    formatting.init_app(app)
    view_cache.init_app(app)
    for module in (auth, snooze, tasks, drafts, undo, threads, complaints, insights, accounts, oauth, settings,
                   draft_settings):
        app.register_blueprint(module.bp)
    app.register_blueprint(api.bp)
    csrf.exempt(api.bp)

    @app.get("/healthz")
    def healthz():
        """For load balancers and docker-compose: the app answers and reaches its database."""
        with runtime.engine.connect() as connection:
            connection.exec_driver_sql("SELECT 1")
        return {"status": "ok"}

    app.after_request(_security_headers)
    _register_error_pages(app)
    return app


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def _register_error_pages(app: Flask) -> None:
    def page(code: int, title: str, message: str):
        if request.path.startswith("/api/"):
            return {"error": title.lower(), "message": message}, code
        return render_template("error.html", code=code, title=title, message=message), code

    @app.errorhandler(CSRFError)
    def csrf_error(exc):
        log.info("rejected a form without a valid CSRF token: %s %s", request.method, request.path)
        return page(400, "Form expired", "The form was missing its security token or it expired. "
                    "Go back, reload the page and try again.")

    @app.errorhandler(404)
    def not_found(exc):
        return page(404, "Not found", "There is nothing here, or it is not yours to see.")

    @app.errorhandler(405)
    def not_allowed(exc):
        return page(405, "Method not allowed", "This address does not accept that request.")

    @app.errorhandler(400)
    def bad_request(exc):
        return page(400, "Bad request", getattr(exc, "description", None) or "The request was not understood.")

    @app.errorhandler(413)
    def too_large(exc):
        return page(413, "Too large", "The request was too large.")

    @app.errorhandler(500)
    def server_error(exc):  # the traceback goes to the log, never to the page
        return page(500, "Something went wrong", "The error was logged. Try again in a moment.")
