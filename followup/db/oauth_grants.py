"""OAuth2 grants of mail accounts: stored, read and replaced with the tokens encrypted.

The refresh and access tokens are encrypted with `followup.secrets` (the key from
FOLLOWUP_SECRET_KEY) like the IMAP password; nothing here logs or returns them except to
the IMAP login and the token refresh that need them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlmodel import Session, select

from followup.db.models import MailAccount, OAuthGrant, User
from followup.db.types import utcnow
from followup.domain.vocabulary import Security, SyncStatus
from followup.oauth_providers import OAuthProvider
from followup.secrets import decrypt_secret, encrypt_secret

AUTH_METHOD = "oauth2_grant"
"""`MailAccount.auth_method` of an account connected with "Connect with …" (beside the
token command's ``oauth2`` and ``password``)."""


@dataclass(frozen=True)
class GrantTokens:
    """The decrypted tokens of one grant; never logged (no repr of the secrets)."""

    provider: str
    access_token: str | None = field(repr=False)
    refresh_token: str | None = field(repr=False)
    expires_at: datetime | None


def grant_of(session: Session, account_id: int) -> OAuthGrant | None:
    return session.exec(select(OAuthGrant).where(OAuthGrant.account_id == account_id)).first()


def read_tokens(grant: OAuthGrant, secret_key: str) -> GrantTokens:
    def plain(stored: str | None) -> str | None:
        return decrypt_secret(secret_key, stored) if stored else None

    return GrantTokens(grant.provider, plain(grant.access_token_encrypted),
                       plain(grant.refresh_token_encrypted), grant.expires_at)


def save_tokens(session: Session, secret_key: str, account: MailAccount, provider: str, token: dict,
                now: datetime | None = None) -> OAuthGrant:
    """Store (or replace) the account's grant from a token endpoint's answer.

    A refresh answer often carries no new refresh token: the one stored is kept then.
    """
    now = now or utcnow()
    grant = grant_of(session, account.id)
    if grant is None:
        grant = OAuthGrant(account_id=account.id, provider=provider, created_at=now)
    grant.provider = provider
    if token.get("access_token"):
        grant.access_token_encrypted = encrypt_secret(secret_key, str(token["access_token"]))
    if token.get("refresh_token"):
        grant.refresh_token_encrypted = encrypt_secret(secret_key, str(token["refresh_token"]))
    grant.expires_at = expiry(token, now)
    grant.scope = str(token.get("scope") or grant.scope or "")
    grant.refreshed_at = now
    account.auth_method = AUTH_METHOD
    session.add(grant)
    session.flush()
    return grant


def expiry(token: dict, now: datetime) -> datetime | None:
    """When the access token expires: from ``expires_in`` (seconds), else ``expires_at`` (epoch)."""
    if token.get("expires_in") not in (None, ""):
        return now + timedelta(seconds=int(token["expires_in"]))
    if token.get("expires_at") not in (None, ""):
        return datetime.fromtimestamp(int(token["expires_at"]), tz=now.tzinfo)
    return None


def delete_grant(session: Session, account_id: int) -> bool:
    grant = grant_of(session, account_id)
    if grant is None:
        return False
    session.delete(grant)
    session.flush()
    return True


def connect_account(session: Session, secret_key: str, *, user: User, provider: OAuthProvider, address: str,
                    token: dict, now: datetime | None = None) -> tuple[MailAccount, bool]:
    """The user's mailbox *address* on the provider's IMAP server with this grant; (account, created).

    Connecting the same mailbox again (after "sign in again" or a disconnect) replaces the
    grant of the existing account and clears its error, keeping its mail and tasks.
    """
    existing = [
        a for a in session.exec(select(MailAccount).where(MailAccount.user_id == user.id))
        if a.imap_host == provider.imap_host and (a.login or "").lower() == address
    ]
    account = existing[0] if existing else None
    created = account is None
    if account is None:
        account = MailAccount(
            user_id=user.id, name=address, imap_host=provider.imap_host, imap_port=provider.imap_port,
            security=Security(provider.imap_security), login=address, addresses=[address],
            internal_domains=[], auth_method=AUTH_METHOD,
        )
        session.add(account)
        session.flush()
    else:
        account.secret_encrypted = None  # the grant replaces a password or token command
        account.oauth2_token_cmd = None
        account.sync_status = SyncStatus.NEVER if account.last_sync_at is None else SyncStatus.OK
        account.last_error = None
        account.last_error_at = None
    save_tokens(session, secret_key, account, provider.name, token, now)
    return account, created


def disconnected(account: MailAccount, provider_label: str) -> None:
    """Mark the account after its grant was deleted: no sync until it is connected again."""
    account.sync_status = SyncStatus.NEEDS_SIGNIN
    account.last_error = f"disconnected from {provider_label}: connect it again to sync"
    account.last_error_at = utcnow()
