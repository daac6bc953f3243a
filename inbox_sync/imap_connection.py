"""Connecting to an IMAP server: TLS, STARTTLS or plain (loopback only), password or XOAUTH2.

`connect(settings)` returns a logged-in `ImapConnection`, a thin layer over imapclient's
`IMAPClient` that counts the commands it sends (the tests count FETCHes with it) and adds
the few commands imapclient 4 does not offer in the form the sync needs (FETCH over a UID
range such as ``1:4000``; imapclient 4 passes message sets through ``to_ints()``).

Every failure is turned into one of the errors of `inbox_sync.imap_errors`, with a message
a user can act on.
"""

from __future__ import annotations

import ipaddress
import shlex
import socket
import ssl
import subprocess
from dataclasses import dataclass, field
from typing import Iterable, Sequence

import imapclient
from imapclient.response_parser import parse_fetch_response

from sqlalchemy.orm import object_session

from followup.db.accounts import account_oauth2_token_cmd, account_password
from followup.db.oauth_grants import AUTH_METHOD as OAUTH_GRANT
from followup.db.types import utcnow
from inbox_sync.imap_errors import (
    ImapError,
    AuthenticationError,
    TokenCommandError,
    TLSError,
    InsecureConnectionError,
    translate_errors,
    classify_error,
)

DEFAULT_TIMEOUT = 60.0
"""Seconds to wait for the TCP connection and for each read from the server."""

TOKEN_COMMAND_TIMEOUT = 30.0
"""Seconds the XOAUTH2 token command may run before the login is given up."""


# ---- settings --------------------------------------------------------------------------


@dataclass(frozen=True)
class ConnectionSettings:
    """How to reach and log in to one mailbox; built from a `MailAccount`."""

    host: str
    port: int
    security: str = "ssl"  # ssl | starttls | none
    verify_tls: bool = True
    login: str = ""
    password: str | None = field(default=None, repr=False)
    oauth2_token_cmd: str | None = None
    # From the account's OAuth2 grant ("Connect with …"), valid for at least a minute when built.
    oauth2_access_token: str | None = field(default=None, repr=False)
    timeout: float = DEFAULT_TIMEOUT

    @classmethod
    def for_account(cls, account, secret_key: str, timeout: float = DEFAULT_TIMEOUT, now=None):
        """The account's settings with its password and token command decrypted.

        For an account with an OAuth2 grant the access token is refreshed first when it
        expires within a minute (`inbox_sync.oauth.NeedsSignIn` when the provider refuses);
        the new token is stored in the account's session, which the caller commits.
        """
        if not account.imap_host:
            raise ImapError(f"account {account.id} has no IMAP server (it is import-only)")
        access_token = None
        if account.auth_method == OAUTH_GRANT:
            # Imported here: inbox_sync.oauth builds its errors on this module's ImapError.
            from inbox_sync.oauth import access_token_for

            access_token = access_token_for(object_session(account), account, secret_key, now or utcnow())
        return cls(
            host=account.imap_host,
            port=int(account.imap_port or (993 if account.security == "ssl" else 143)),
            security=str(account.security),
            verify_tls=bool(account.verify_tls),
            login=account.login or "",
            password=account_password(account, secret_key),
            oauth2_token_cmd=account_oauth2_token_cmd(account, secret_key) if account.auth_method == "oauth2" else None,
            oauth2_access_token=access_token,
            timeout=timeout,
        )

    @property
    def where(self) -> str:
        return f"{self.host}:{self.port}"


def is_loopback(host: str) -> bool:
    """True when every address *host* resolves to is a loopback address."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(i[4][0].split("%")[0]).is_loopback for i in infos)


def tls_context(verify: bool) -> ssl.SSLContext:
    """Certificate and host name verified unless *verify* is False (`--insecure`).

    The system's CA store is used; ``SSL_CERT_FILE`` points it at another bundle.
    """
    context = ssl.create_default_context(purpose=ssl.Purpose.SERVER_AUTH)
    if not verify:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def fetch_oauth2_token(command: str, timeout: float = TOKEN_COMMAND_TIMEOUT) -> str:
    """Run the account's token command and return the access token it prints."""
    try:
        result = subprocess.run(
            command if _needs_shell(command) else shlex.split(command),
            shell=_needs_shell(command),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise TokenCommandError(f"the OAuth2 token command did not finish within {timeout:.0f} s") from None
    except OSError as exc:
        raise TokenCommandError(f"the OAuth2 token command could not run: {exc.strerror or exc}") from None
    if result.returncode != 0:
        detail = (result.stderr or result.stdout).strip().splitlines()[-1:] or [""]
        raise TokenCommandError(
            f"the OAuth2 token command exited with status {result.returncode}: {detail[0][:300]}"
        )
    token = result.stdout.strip().splitlines()[0].strip() if result.stdout.strip() else ""
    if not token:
        raise TokenCommandError("the OAuth2 token command printed no token")
    return token


def _needs_shell(command: str) -> bool:
    return any(ch in command for ch in "|&;<>$`")


# ---- the connection --------------------------------------------------------------------


class ImapConnection:
    """A logged-in IMAP connection. `client` is the imapclient object underneath."""

    def __init__(self, client: imapclient.IMAPClient, settings: ConnectionSettings) -> None:
        self.client = client
        self.settings = settings
        self.commands: dict[str, int] = {}
        self._capabilities: frozenset[str] | None = None

    def __enter__(self) -> "ImapConnection":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _count(self, command: str) -> None:
        self.commands[command] = self.commands.get(command, 0) + 1

    @property
    def capabilities(self) -> frozenset[str]:
        if self._capabilities is None:
            self._capabilities = frozenset(
                c.decode("ascii", "replace").upper() for c in self.client.capabilities()
            )
        return self._capabilities

    def has(self, capability: str) -> bool:
        return capability.upper() in self.capabilities

    @property
    def is_gmail(self) -> bool:
        return self.has("X-GM-EXT-1")

    @property
    def condstore(self) -> bool:
        return self.has("CONDSTORE") or self.has("QRESYNC")

    def close(self) -> None:
        """Log out; a connection that is already dead is just shut down."""
        try:
            self.client.logout()
        except Exception:
            try:
                self.client.shutdown()
            except Exception:
                pass

    # -- commands, each wrapped so that failures become the errors above ----------------

    def list_folders(self):
        self._count("LIST")
        with translate_errors(self.settings, "LIST"):
            return self.client.list_folders()

    def select(self, folder: str) -> dict:
        """EXAMINE the folder (read-only: nothing the sync does can set \\Seen)."""
        self._count("EXAMINE")
        with translate_errors(self.settings, f"EXAMINE {folder}"):
            return self.client.select_folder(folder, readonly=True)

    def enable_condstore(self) -> None:
        """Ask for MODSEQ in responses (RFC 7162: SELECT (CONDSTORE) or ENABLE CONDSTORE)."""
        if self.has("ENABLE") and self.condstore:
            self._count("ENABLE")
            with translate_errors(self.settings, "ENABLE"):
                self.client.enable("CONDSTORE")

    def search(self, criteria: Sequence) -> list[int]:
        self._count("SEARCH")
        with translate_errors(self.settings, "SEARCH"):
            return sorted(int(u) for u in self.client.search(list(criteria)))

    def fetch(self, uids: Iterable[int] | str, items: Sequence[str], modifiers: Sequence[str] = ()) -> dict:
        """UID FETCH over an explicit list of UIDs or a message-set string like ``1:500``.

        Returns imapclient's parsed response keyed by UID (unsolicited responses for other
        UIDs may be included; callers look up what they asked for).
        """
        message_set = uids if isinstance(uids, str) else uid_set(uids)
        if not message_set:
            return {}
        self._count("FETCH")
        client = self.client
        args = ["UID", "FETCH", message_set, "(" + " ".join(items) + ")"]
        if modifiers:
            args.append("(" + " ".join(modifiers) + ")")
        with translate_errors(self.settings, "FETCH"):
            tag = client._imap._command(*args)
            typ, data = client._imap._command_complete("FETCH", tag)
            client._checkok("fetch", typ, data)
            typ, data = client._imap._untagged_response(typ, data, "FETCH")
            return parse_fetch_response(data, client.normalise_times, True)

    def noop(self):
        self._count("NOOP")
        with translate_errors(self.settings, "NOOP"):
            return self.client.noop()


def uid_set(uids: Iterable[int]) -> str:
    """Compress UIDs into an IMAP message set: ``[1, 2, 3, 7, 9, 10]`` → ``1:3,7,9:10``.

    Keeps the command short (Dovecot refuses lines over 64 kB; a list of 20,000 UIDs
    separated by commas is far longer).
    """
    ordered = sorted(set(int(u) for u in uids))
    if not ordered:
        return ""
    parts: list[str] = []
    start = prev = ordered[0]
    for uid in ordered[1:]:
        if uid == prev + 1:
            prev = uid
            continue
        parts.append(f"{start}:{prev}" if prev != start else str(start))
        start = prev = uid
    parts.append(f"{start}:{prev}" if prev != start else str(start))
    return ",".join(parts)


def connect(settings: ConnectionSettings) -> ImapConnection:
    """Open, secure and authenticate a connection; raise an `ImapError` on any failure."""
    if settings.security == "none" and not is_loopback(settings.host):
        raise InsecureConnectionError(
            f"refusing to send a password without TLS to {settings.host} "
            "(plain IMAP is only allowed to a loopback address; use ssl or starttls)"
        )
    try:
        client = imapclient.IMAPClient(
            settings.host,
            settings.port,
            ssl=settings.security == "ssl",
            ssl_context=tls_context(settings.verify_tls) if settings.security == "ssl" else None,
            timeout=settings.timeout,
        )
    except Exception as exc:
        raise classify_error(exc, settings, "connect", established=False) from exc
    connection = ImapConnection(client, settings)
    try:
        if settings.security == "starttls":
            with translate_errors(settings, "STARTTLS", established=False):
                if not client.has_capability("STARTTLS"):
                    raise TLSError(f"the server {settings.where} does not offer STARTTLS")
                client.starttls(tls_context(settings.verify_tls))
                client._cached_capabilities = None
        with translate_errors(settings, "LOGIN"):
            if settings.oauth2_access_token:
                _oauth_login(client, settings.login, settings.oauth2_access_token)
            elif settings.oauth2_token_cmd:
                token = fetch_oauth2_token(settings.oauth2_token_cmd)
                client.oauth2_login(settings.login, token)
            else:
                if settings.password is None:
                    raise AuthenticationError(f"no password is stored for {settings.login!r}")
                client.login(settings.login, settings.password)
        connection._capabilities = None
    except BaseException:
        connection.close()
        raise
    return connection


def _oauth_login(client: imapclient.IMAPClient, login: str, token: str) -> None:
    """XOAUTH2 (Gmail's and Microsoft's), or OAUTHBEARER (RFC 7628) where only that is offered."""
    if client.has_capability("AUTH=OAUTHBEARER") and not client.has_capability("AUTH=XOAUTH2"):
        client.oauthbearer_login(login, token)
    else:
        client.oauth2_login(login, token)
