"""Throttling sign-in: only failed attempts count, per account and per client address.

Flask-Limiter does the counting (a moving window), in Redis when FOLLOWUP_REDIS_URL is set, so
that every web process sees the same counts, else in this process's memory. A locked-out
attempt gets 429 with Retry-After, even with the right password, and the lockout is logged.

The limits (app config, defaults below) are set so that a real user never meets them:
- per account, 10 failures in 15 minutes: someone who mistypes tries three or four times and
  then resets the password; a guesser gets under a thousand tries a day, nowhere near the
  10^8 guesses a password that passes the rule takes.
- per client address, 50 failures in an hour: a whole office behind one NAT address shares it,
  while one address trying a few passwords on many accounts is stopped.
"""

from __future__ import annotations

import logging

from flask import Flask, current_app, render_template, request
from flask_limiter import Limiter, RequestLimit
from flask_limiter.util import get_remote_address

log = logging.getLogger(__name__)

ACCOUNT_LIMIT = "10 per 15 minutes"
"""Failed sign-ins per account (config FOLLOWUP_SIGNIN_LIMIT_ACCOUNT)."""

ADDRESS_LIMIT = "50 per hour"
"""Failed sign-ins per client address (config FOLLOWUP_SIGNIN_LIMIT_ADDRESS)."""

FAILED_SIGN_IN = 401
"""The status the sign-in page answers a wrong email or password with: only these count."""


def limit_sign_in(app: Flask, view):
    """The sign-in *view* of *app*, throttled (POST only) by a limiter of that app's own."""
    app.config.setdefault("FOLLOWUP_SIGNIN_LIMIT_ACCOUNT", ACCOUNT_LIMIT)
    app.config.setdefault("FOLLOWUP_SIGNIN_LIMIT_ADDRESS", ADDRESS_LIMIT)
    redis_url = app.extensions["followup_runtime"].settings.redis_url
    limiter = Limiter(
        get_remote_address,
        storage_uri=_storage_uri(redis_url),
        strategy="moving-window",
        headers_enabled=True,  # Retry-After on the 429
        in_memory_fallback_enabled=redis_url is not None,  # Redis away: count here meanwhile
    )
    limiter.init_app(app)

    def failed(response) -> bool:
        return response.status_code == FAILED_SIGN_IN

    per_account = limiter.limit(
        lambda: current_app.config["FOLLOWUP_SIGNIN_LIMIT_ACCOUNT"], key_func=_account_key, methods=["POST"],
        deduct_when=failed, on_breach=_log_lockout("account", _account_key),
    )
    per_address = limiter.limit(
        lambda: current_app.config["FOLLOWUP_SIGNIN_LIMIT_ADDRESS"], key_func=get_remote_address, methods=["POST"],
        deduct_when=failed, on_breach=_log_lockout("address", get_remote_address),
    )
    app.register_error_handler(429, _too_many_attempts)
    return per_account(per_address(view))


def _storage_uri(redis_url: str | None) -> str:
    if redis_url is None:
        return "memory://"
    if redis_url.startswith("unix://"):  # redis-py's spelling; the limits library's is redis+unix
        return "redis+unix://" + redis_url.removeprefix("unix://")
    return redis_url


def _account_key() -> str:
    # Lower-cased like the stored email, so "REP@x" and "rep@x" share one count.
    return "account:" + request.form.get("email", "").strip().lower()[:320]


def _log_lockout(what: str, key_func):
    def on_breach(limit: RequestLimit) -> None:
        log.warning("sign-in locked for %s %s: %s failed sign-ins", what, key_func().removeprefix("account:"),
                    limit.limit)
    return on_breach


def _too_many_attempts(exc):
    return render_template(
        "error.html", code=429, title="Too many failed sign-ins",
        message="Sign-in is paused for this account or this network after too many wrong passwords. "
                "Wait a few minutes and try again.",
    ), 429
