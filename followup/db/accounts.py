"""Mail accounts: creation with the secrets encrypted, lookup by id or address.

Both secrets are encrypted at rest: the IMAP password and the OAuth2 token command (it may
hold a client secret or a refresh token). Token commands stored in plain text before they
were encrypted still work, and `encrypt_plain_token_commands` (run by each bootstrap) encrypts them.
"""

from __future__ import annotations

from datetime import date

from sqlmodel import Session, select

from followup.db.session import MAX_ROW_ID
from followup.db.models import MailAccount, User
from followup.domain.vocabulary import Security
from followup.secrets import decrypt_secret, encrypt_secret, is_encrypted
from followup.db.users import normalise_email
from followup.errors import FollowupError

DEFAULT_PORTS = {Security.SSL: 993, Security.STARTTLS: 143, Security.NONE: 143}


class AccountError(FollowupError, ValueError):
    """An account cannot be created or found as asked."""


def create_account(
    session: Session,
    secret_key: str,
    *,
    user: User,
    addresses: list[str],
    imap_host: str | None = None,
    imap_port: int | None = None,
    security: str = Security.SSL,
    verify_tls: bool = True,
    login: str | None = None,
    password: str | None = None,
    oauth2_token_cmd: str | None = None,
    internal_domains: list[str] = (),
    sync_since: date | None = None,
    writeback: bool = False,
    name: str = "",
) -> MailAccount:
    addresses = [normalise_email(a) for a in addresses] or [user.email]
    if imap_host:
        if not login:
            raise AccountError("--login is required with --imap-host")
        if password is None and not oauth2_token_cmd:
            raise AccountError("a password (on stdin) or --oauth2-token-cmd is required")
    account = MailAccount(
        user_id=user.id,
        name=name or addresses[0],
        imap_host=imap_host or None,
        imap_port=imap_port or (DEFAULT_PORTS[Security(security)] if imap_host else None),
        security=Security(security),
        verify_tls=verify_tls,
        login=login,
        auth_method="oauth2" if oauth2_token_cmd else "password",
        oauth2_token_cmd=encrypt_secret(secret_key, oauth2_token_cmd) if oauth2_token_cmd else None,
        secret_encrypted=encrypt_secret(secret_key, password) if password else None,
        addresses=sorted(set(addresses)),
        internal_domains=sorted({d.strip().lower().lstrip("@") for d in internal_domains if d}),
        sync_since=sync_since,
        writeback=writeback,
    )
    session.add(account)
    session.flush()
    return account


def account_password(account: MailAccount, secret_key: str) -> str | None:
    if account.secret_encrypted is None:
        return None
    return decrypt_secret(secret_key, account.secret_encrypted)


def account_oauth2_token_cmd(account: MailAccount, secret_key: str) -> str | None:
    stored = account.oauth2_token_cmd
    if not stored:
        return None
    if not is_encrypted(stored):  # stored before token commands were encrypted
        return stored
    return decrypt_secret(secret_key, stored)


def encrypt_plain_token_commands(session: Session, secret_key: str) -> int:
    """Encrypt the token commands still stored in plain text; returns how many."""
    accounts = session.exec(select(MailAccount).where(MailAccount.oauth2_token_cmd.is_not(None))).all()
    plain = [a for a in accounts if not is_encrypted(a.oauth2_token_cmd)]
    for account in plain:
        account.oauth2_token_cmd = encrypt_secret(secret_key, account.oauth2_token_cmd)
    return len(plain)


def find_account(session: Session, ref: str | int) -> MailAccount:
    """An account by its id or by one of its addresses."""
    ref = str(ref).strip()
    if ref.isdigit():
        account = session.get(MailAccount, int(ref)) if int(ref) <= MAX_ROW_ID else None
    else:
        wanted = ref.lower()
        account = next(
            (a for a in session.exec(select(MailAccount)) if wanted in a.addresses), None
        )
    if account is None:
        raise AccountError(f"no account {ref!r}")
    return account
