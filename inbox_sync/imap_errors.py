"""The errors of talking to an IMAP server, each with a message a user can act on.

`classify_error` turns a socket, TLS or imapclient failure into one of them ("the server
rejected the login for alice@example.com", "TLS certificate of imap.example.com could not
be verified: ..."); `translate_errors` does it around a block. `RETRYABLE_ERRORS` names the
exceptions after which the sync reconnects and resumes from its checkpoint.
"""

from __future__ import annotations

import socket
import ssl
from typing import TYPE_CHECKING

from imapclient import exceptions as imap_exc

from followup.errors import FollowupError

if TYPE_CHECKING:
    from inbox_sync.imap_connection import ConnectionSettings


class ImapError(FollowupError):
    """Root of the errors raised while talking to an IMAP server."""

    status = "error"
    """What the account's sync_status becomes after this error."""


class AuthenticationError(ImapError):
    """The server rejected the login (wrong password, revoked token, disabled account)."""

    status = "auth_failed"


class TokenCommandError(AuthenticationError):
    """The XOAUTH2 token command failed or printed no token."""


class TLSError(ImapError):
    """The TLS handshake failed, or the certificate could not be verified."""


class CertificateError(TLSError):
    """The server's certificate could not be verified. `problem` is the message without the
    command line's hint, for pages that offer their own way round it."""

    def __init__(self, problem: str) -> None:
        super().__init__(f"{problem} (use --insecure only if you trust this network)")
        self.problem = problem


class HostNotFoundError(ImapError):
    """The server's name does not resolve (DNS)."""


class ConnectTimeoutError(ImapError):
    """The server did not answer in time."""


class ConnectionFailedError(ImapError):
    """The connection was refused, reset or dropped."""


class InsecureConnectionError(ImapError):
    """Plain IMAP (no TLS) was asked for a host that is not loopback."""


class ServerError(ImapError):
    """The server answered a command with NO or BAD."""


class DroppedConnectionError(ConnectionFailedError):
    """An established connection was lost in the middle of the sync."""


RETRYABLE_ERRORS: tuple[type[BaseException], ...] = (
    ConnectTimeoutError,
    ConnectionFailedError,
    imap_exc.IMAPClientAbortError,
    socket.timeout,
    ConnectionError,
    ssl.SSLEOFError,
    EOFError,
)
"""Errors after which the sync reconnects (with backoff) and resumes from the checkpoint."""


class translate_errors:
    """Context manager: turn socket/TLS/imapclient failures into `ImapError`s."""

    def __init__(self, settings: ConnectionSettings, doing: str, *, established: bool = True) -> None:
        self.settings = settings
        self.doing = doing
        self.established = established

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc is None or isinstance(exc, ImapError) or not isinstance(exc, Exception):
            return False
        raise classify_error(exc, self.settings, self.doing, established=self.established) from exc


def classify_error(exc: BaseException, settings: ConnectionSettings, doing: str = "", *, established: bool = True) -> ImapError:
    """The `ImapError` that explains *exc* to a user."""
    where = settings.where
    if isinstance(exc, imap_exc.LoginError):
        detail = _server_text(exc)
        return AuthenticationError(
            f"the server {where} rejected the login for {settings.login!r}"
            + (f": {detail}" if detail else "")
        )
    if isinstance(exc, socket.gaierror):
        return HostNotFoundError(f"the server name {settings.host!r} does not resolve (DNS): {exc.strerror or exc}")
    if isinstance(exc, ssl.SSLCertVerificationError):
        return CertificateError(
            f"the TLS certificate of {settings.host} could not be verified: "
            f"{getattr(exc, 'verify_message', None) or getattr(exc, 'reason', None) or exc}"
        )
    if isinstance(exc, ssl.SSLEOFError) or (isinstance(exc, ssl.SSLError) and established):
        return DroppedConnectionError(f"the TLS connection to {where} was lost during {doing}: {exc}")
    if isinstance(exc, ssl.SSLError):
        return TLSError(f"TLS with {where} failed: {exc.reason or exc}")
    if isinstance(exc, (socket.timeout, TimeoutError)):
        return ConnectTimeoutError(
            f"the server {where} did not answer within {settings.timeout:.0f} s"
            + (f" ({doing})" if doing else "")
        )
    if isinstance(exc, ConnectionRefusedError):
        return ConnectionFailedError(f"the server {where} refused the connection (is the port right?)")
    if isinstance(exc, imap_exc.IMAPClientAbortError) or isinstance(exc, (ConnectionError, EOFError)):
        return DroppedConnectionError(f"the connection to {where} was lost during {doing}: {exc}")
    if isinstance(exc, OSError):
        return ConnectionFailedError(f"cannot reach {where}: {exc.strerror or exc}")
    if isinstance(exc, imap_exc.CapabilityError):
        return ServerError(f"the server {where} lacks a needed capability: {exc}")
    if isinstance(exc, imap_exc.IMAPClientError):
        return ServerError(f"the server {where} refused {doing}: {_server_text(exc)}")
    return ImapError(f"{doing} on {where} failed: {exc!r}")


def _server_text(exc: BaseException) -> str:
    text = str(exc)
    for prefix in ("b'", 'b"'):
        text = text.replace(prefix, "")
    return text.strip("'\" ")[:300]
