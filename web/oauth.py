"""Mailboxes → "Connect with Google / Microsoft / NAME" → the provider → /oauth/callback (issue #19).

The authorization's `state` and PKCE verifier are kept in the signed-in user's session
(signed, HttpOnly cookie) under the state itself, each usable once and for
`PENDING_LIFETIME`: a forged state, a replayed one, or one started in another user's
session is refused before any code is traded. Tokens go straight from Authlib into the
encrypted grant; no page, flash message or log line shows one.
"""

from __future__ import annotations

import logging
import time

from flask import Blueprint, abort, current_app, flash, redirect, request, session, url_for
from flask_login import login_required

from followup.db.oauth_grants import delete_grant, connect_account, disconnected, grant_of, read_tokens
from followup.oauth_providers import CALLBACK_PATH, OAuthProvider, redirect_uri
from inbox_sync.oauth import (
    AuthorizationError, PendingAuthorization, TokenRefreshError, finish_authorization, revoke, start_authorization,
)
from web.accounts import SYNC_STARTED, _start_sync
from web.auth import signed_in_user
from web.database import get_db, get_runtime
from web.scoping import get_user_account_or_404

log = logging.getLogger(__name__)

bp = Blueprint("oauth", __name__)

PENDING_KEY = "oauth_pending"
PENDING_LIFETIME = 15 * 60
"""Seconds a started sign-in may take at the provider before its state is refused."""
MAX_PENDING = 5
"""Sign-ins one session may have started at once (several tabs); the oldest goes first."""


def providers() -> dict[str, OAuthProvider]:
    return current_app.config["FOLLOWUP_OAUTH_PROVIDERS"]


def _redirect_uri() -> str:
    return redirect_uri(get_runtime().settings.base_url)


@bp.route("/accounts/oauth/<name>/connect", methods=["POST"])
@login_required
def connect(name: str):
    provider = providers().get(name)
    if provider is None:
        abort(404)
    if not provider.configured:
        flash(f"Connect with {provider.label} needs {', '.join(provider.missing)} in the server's environment.",
              "error")
        return redirect(url_for("accounts.index"))
    pending = start_authorization(provider, _redirect_uri())
    started = {state: p for state, p in (session.get(PENDING_KEY) or {}).items()
               if p.get("at", 0) > time.time() - PENDING_LIFETIME}
    while len(started) >= MAX_PENDING:
        started.pop(min(started, key=lambda s: started[s]["at"]))
    started[pending.state] = {"provider": provider.name, "verifier": pending.code_verifier,
                              "user": signed_in_user().id, "at": time.time()}
    session[PENDING_KEY] = started
    return redirect(pending.url)


@bp.route(CALLBACK_PATH)
@login_required
def callback():
    user = signed_in_user()
    state = request.args.get("state", "")
    started = dict(session.get(PENDING_KEY) or {})
    kept = started.pop(state, None) if state else None
    session[PENDING_KEY] = started  # used once: a replay of this callback finds nothing
    if kept is None or kept.get("at", 0) <= time.time() - PENDING_LIFETIME:
        log.info("refused an OAuth callback with an unknown or expired state for user %s", user.id)
        abort(400, description="This sign-in is not valid here: it expired, was already used, or was "
                               "started in another browser session. Start again from Mailboxes. "
                               "(Started with `followup account connect`? Paste this page's address there.)")
    if kept.get("user") != user.id:
        log.warning("refused an OAuth callback started by user %s in the session of user %s", kept.get("user"), user.id)
        abort(403, description="This sign-in was started by another user.")
    provider = providers().get(kept["provider"])
    if provider is None or not provider.configured:
        abort(400, description="This provider is no longer configured.")
    if request.args.get("error"):
        flash(f"{provider.label} did not connect the mailbox: {request.args.get('error')[:100]}", "error")
        return redirect(url_for("accounts.index"))
    pending = PendingAuthorization(provider.name, "", state, kept["verifier"])
    callback_url = _redirect_uri() + "?" + request.query_string.decode("ascii", "replace")
    get_db().close()  # no transaction stays open across the calls to the provider
    try:
        authorized = finish_authorization(provider, _redirect_uri(), pending, callback_url)
    except AuthorizationError as exc:
        flash(str(exc), "error")
        return redirect(url_for("accounts.index"))
    db = get_db()
    account, created = connect_account(db, get_runtime().settings.secret_key, user=db.merge(user),
                                       provider=provider, address=authorized.address, token=authorized.token)
    db.commit()
    log.info("account %s connected with %s for user %s", account.id, provider.name, user.id)
    started_sync = _start_sync(account.id)
    flash(f"{authorized.address} connected with {provider.label}."
          + (" The first sync starts now; this page shows its progress." if started_sync == SYNC_STARTED and created
             else " Syncing again." if started_sync == SYNC_STARTED else ""))
    return redirect(url_for("accounts.show", account_id=account.id))


@bp.route("/accounts/<id:account_id>/oauth/disconnect", methods=["POST"])
@login_required
def disconnect(account_id: int):
    """Revoke the grant at the provider where it offers revocation, then delete it."""
    db = get_db()
    account = get_user_account_or_404(db, signed_in_user(), account_id)
    grant = grant_of(db, account.id)
    if grant is None:
        flash("This mailbox has no OAuth2 sign-in to disconnect.", "error")
        return redirect(url_for("accounts.show", account_id=account.id))
    provider = providers().get(grant.provider)
    tokens = read_tokens(grant, get_runtime().settings.secret_key)
    revoked = False
    if provider is not None:
        try:
            revoked = revoke(provider, tokens.refresh_token, tokens.access_token)
        except TokenRefreshError as exc:
            # Kept, so that Disconnect can be tried again: deleting it here would leave it valid there.
            flash(f"{exc}. The sign-in is kept; try Disconnect again later.", "error")
            return redirect(url_for("accounts.show", account_id=account.id))
    label = provider.label if provider else grant.provider
    delete_grant(db, account.id)
    disconnected(account, label)
    db.commit()
    log.info("account %s disconnected from %s (revoked: %s)", account.id, grant.provider, revoked)
    flash(f"Disconnected from {label}" + (" and access revoked there." if revoked else
                                            f" ({label} offers no revocation: remove the app in your account "
                                            "settings there to end its access)."))
    return redirect(url_for("accounts.show", account_id=account.id))

