"""OAuth2 for IMAP logins, through Authlib's client (authorization code + PKCE, refresh, revoke).

The flow (issue #19): `start_authorization` gives the provider's URL with a fresh `state`
and PKCE verifier (S256) that the caller keeps (web: in the signed-in user's session;
CLI: in memory); `finish_authorization` trades the code for tokens and reads the mailbox
address from the ID token or the userinfo endpoint. Before each IMAP login
`access_token_for` returns a token valid for at least a minute, refreshing it (and storing
the new one, encrypted) when needed. A refresh refused with ``invalid_grant`` (the user
revoked access, the password changed, the grant expired) raises `NeedsSignIn`: no retry
can succeed until the user connects again. `revoke` tells the provider (RFC 7009) when a
mailbox is disconnected, where the provider has a revocation endpoint.

Tokens never appear in an exception message or a log line here.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import requests
from authlib.common.security import generate_token
from authlib.integrations.base_client.errors import OAuthError
from authlib.integrations.requests_client import OAuth2Session
from sqlmodel import Session

from followup.db.models import MailAccount
from followup.db.oauth_grants import grant_of, read_tokens, save_tokens
from followup.db.users import normalise_email
from followup.errors import FollowupError
from followup.oauth_providers import OAuthProvider, load_providers
from inbox_sync.imap_errors import AuthenticationError, ImapError

REFRESH_MARGIN = timedelta(seconds=60)
"""An access token that expires within this is refreshed before the login."""

HTTP_TIMEOUT = 20.0
"""Seconds to wait for the provider's token, userinfo and revocation endpoints."""


class OAuthLoginError(ImapError):
    """Root of the OAuth2 failures before an IMAP login (an `ImapError`, so every caller that
    reports a failed login reports these too); `status` is the account's sync_status."""

    status = "error"


class NeedsSignIn(OAuthLoginError, AuthenticationError):
    """The grant is gone (refused with invalid_grant, disconnected): the user must connect again."""

    status = "needs_signin"


class TokenRefreshError(OAuthLoginError):
    """The provider could not be reached or answered the refresh with another error (try later)."""


class AuthorizationError(FollowupError, ValueError):
    """The authorization came back refused or incomplete (denied consent, bad code, no address)."""


@dataclass(frozen=True)
class PendingAuthorization:
    """What the callback needs to finish one authorization; kept by the one who started it."""

    provider: str
    url: str
    state: str
    code_verifier: str = field(repr=False)


@dataclass(frozen=True)
class Authorized:
    address: str
    token: dict = field(repr=False)


def _client(provider: OAuthProvider, redirect_uri: str | None = None, token: dict | None = None) -> OAuth2Session:
    client = OAuth2Session(
        provider.client_id, provider.client_secret or None, scope=provider.scope, redirect_uri=redirect_uri,
        token=token, code_challenge_method="S256",
        # Google, Microsoft and Keycloak all take the secret in the form body; a public client has none.
        token_endpoint_auth_method="client_secret_post" if provider.client_secret else "none",
    )
    client.timeout = HTTP_TIMEOUT
    return client


def start_authorization(provider: OAuthProvider, redirect_uri: str) -> PendingAuthorization:
    verifier = generate_token(64)  # RFC 7636: 43 to 128 characters
    with _client(provider, redirect_uri) as client:
        url, state = client.create_authorization_url(
            provider.authorize_url, state=generate_token(32), code_verifier=verifier,
            **dict(provider.authorize_params))
    return PendingAuthorization(provider.name, url, state, verifier)


def finish_authorization(provider: OAuthProvider, redirect_uri: str, pending: PendingAuthorization,
                         callback_url: str) -> Authorized:
    """Trade the code in *callback_url* (the redirect the provider sent) for tokens.

    The caller has already checked that the callback's state is the pending one; Authlib
    checks it again against `pending.state`.
    """
    with _client(provider, redirect_uri) as client:
        client.state = pending.state
        try:
            token = dict(client.fetch_token(provider.token_url, authorization_response=callback_url,
                                            state=pending.state, code_verifier=pending.code_verifier))
        except OAuthError as exc:
            raise AuthorizationError(f"{provider.label} refused the sign-in: {_oauth_error_text(exc)}") from None
        except (requests.RequestException, ValueError) as exc:
            raise AuthorizationError(f"{provider.label}'s token endpoint failed: {exc.__class__.__name__}") from None
        if not token.get("refresh_token"):
            raise AuthorizationError(
                f"{provider.label} gave no refresh token (offline access was not granted), "
                "so the mailbox could not be synced later; connect again and allow offline access")
        return Authorized(mailbox_address(provider, client, token), token)


def mailbox_address(provider: OAuthProvider, client: OAuth2Session, token: dict) -> str:
    """The signed-in mailbox's address: the userinfo endpoint's, else the ID token's claims.

    The ID token came straight from the token endpoint over TLS, so its claims are read
    without checking its signature (OpenID Connect Core 3.1.3.7, item 6).
    """
    claims: dict = {}
    if provider.userinfo_url:
        try:
            response = client.get(provider.userinfo_url, timeout=HTTP_TIMEOUT)
            if response.ok:
                claims = response.json()
        except (requests.RequestException, ValueError):
            claims = {}
    if not _address_in(claims) and token.get("id_token"):
        claims = _jwt_claims(str(token["id_token"]))
    address = _address_in(claims)
    if not address:
        raise AuthorizationError(f"{provider.label} did not say which mailbox signed in (no email claim)")
    return address


def _address_in(claims: dict) -> str:
    for key in ("email", "preferred_username", "upn", "username"):
        value = str(claims.get(key) or "").strip()
        if "@" in value:
            return normalise_email(value)
    return ""


def _jwt_claims(id_token: str) -> dict:
    try:
        payload = id_token.split(".")[1]
        return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    except (IndexError, ValueError, binascii.Error):
        return {}


def provider_of(name: str, providers: dict[str, OAuthProvider] | None = None) -> OAuthProvider:
    providers = load_providers() if providers is None else providers
    if name not in providers:
        raise NeedsSignIn(f"the OAuth provider {name!r} is no longer configured (FOLLOWUP_OAUTH_PROVIDERS)")
    return providers[name]


def access_token_for(session: Session, account: MailAccount, secret_key: str, now: datetime,
                     providers: dict[str, OAuthProvider] | None = None) -> str:
    """An access token valid for at least `REFRESH_MARGIN`; a refreshed one is stored in *session*
    (the caller commits it, as it commits the sync's start)."""
    grant = grant_of(session, account.id)
    if grant is None:
        raise NeedsSignIn(f"{account.name} is not connected any more: sign in again on the Mailboxes page")
    tokens = read_tokens(grant, secret_key)
    if tokens.access_token and tokens.expires_at is not None and tokens.expires_at - now > REFRESH_MARGIN:
        return tokens.access_token
    provider = provider_of(grant.provider, providers)
    if not tokens.refresh_token:
        raise NeedsSignIn(f"{account.name}: {provider.label} gave no refresh token: sign in again")
    with _client(provider) as client:
        try:
            token = dict(client.refresh_token(provider.token_url, refresh_token=tokens.refresh_token))
        except OAuthError as exc:
            if exc.error == "invalid_grant":
                raise NeedsSignIn(
                    f"{provider.label} no longer accepts the sign-in of {account.name} (invalid_grant): "
                    "sign in again on the Mailboxes page") from None
            raise TokenRefreshError(f"{provider.label} refused the token refresh: {_oauth_error_text(exc)}") from None
        except (requests.RequestException, ValueError) as exc:
            raise TokenRefreshError(
                f"{provider.label}'s token endpoint could not be reached: {exc.__class__.__name__}") from None
    if not token.get("access_token"):
        raise TokenRefreshError(f"{provider.label} answered the refresh without an access token")
    save_tokens(session, secret_key, account, grant.provider, token, now)
    return str(token["access_token"])


def revoke(provider: OAuthProvider, refresh_token: str | None, access_token: str | None) -> bool:
    """Revoke the grant at the provider (RFC 7009); False when it offers no revocation.

    Revoking the refresh token ends the grant (and, per RFC 7009 2.1, its access tokens).
    """
    if not provider.revocation_url or not (refresh_token or access_token):
        return False
    with _client(provider) as client:
        try:
            if refresh_token:
                response = client.revoke_token(provider.revocation_url, token=refresh_token,
                                               token_type_hint="refresh_token")
            else:
                response = client.revoke_token(provider.revocation_url, token=access_token,
                                               token_type_hint="access_token")
        except requests.RequestException as exc:
            raise TokenRefreshError(
                f"{provider.label}'s revocation endpoint could not be reached: {exc.__class__.__name__}") from None
    if response.status_code != 200:
        raise TokenRefreshError(f"{provider.label} refused the revocation (HTTP {response.status_code})")
    return True


def _oauth_error_text(exc: OAuthError) -> str:
    # error and error_description are the provider's words about the request, never a token.
    return ": ".join(filter(None, [exc.error, (exc.description or "")[:200]])) or exc.__class__.__name__
