"""OAuth2 providers a mailbox can be connected with: Google, Microsoft, and generic ones.

Client credentials come from the environment (README, "Connecting a mailbox"):
``FOLLOWUP_GOOGLE_CLIENT_ID`` / ``_SECRET``, ``FOLLOWUP_MICROSOFT_CLIENT_ID`` / ``_SECRET`` /
``_TENANT``, and for each name in ``FOLLOWUP_OAUTH_PROVIDERS`` (``fastmail,keycloak``) the
variables ``FOLLOWUP_OAUTH_<NAME>_*``. A preset with missing credentials is still listed,
with `missing` naming the variables, so the Mailboxes page can say so instead of failing
at the provider. A bad value raises `SettingsError` naming the variable.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from followup.errors import FollowupError

CALLBACK_PATH = "/oauth/callback"
"""The one redirect URI path to register at every provider (after FOLLOWUP_BASE_URL)."""


class OAuthSettingsError(FollowupError, ValueError):
    """An OAuth provider variable has a value that cannot be used; the message names it."""


@dataclass(frozen=True)
class OAuthProvider:
    name: str  # the key in URLs and on the command line: google, microsoft, fastmail
    label: str  # "Google", shown on the "Connect with …" button
    authorize_url: str
    token_url: str
    scopes: tuple[str, ...]
    imap_host: str
    imap_port: int = 993
    imap_security: str = "ssl"
    client_id: str = ""
    client_secret: str = field(default="", repr=False)
    revocation_url: str = ""
    userinfo_url: str = ""
    # Extra parameters of the authorization request (Google returns a refresh token only
    # with access_type=offline, and again on a later consent only with prompt=consent).
    authorize_params: tuple[tuple[str, str], ...] = ()
    missing: tuple[str, ...] = ()  # the environment variables that still need a value

    @property
    def configured(self) -> bool:
        return not self.missing

    @property
    def scope(self) -> str:
        return " ".join(self.scopes)


def redirect_uri(base_url: str) -> str:
    return base_url.rstrip("/") + CALLBACK_PATH


def load_providers(environ=None) -> dict[str, OAuthProvider]:
    """Every provider, configured or not (the generic ones only when named)."""
    env = os.environ if environ is None else environ
    providers = [_google(env), _microsoft(env)]
    names = [n.strip().lower() for n in (env.get("FOLLOWUP_OAUTH_PROVIDERS") or "").split(",") if n.strip()]
    for name in names:
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,30}", name) or name in ("google", "microsoft"):
            raise OAuthSettingsError(
                f"FOLLOWUP_OAUTH_PROVIDERS: {name!r} is not a usable provider name "
                "(letters, digits and _, not google or microsoft)")
        providers.append(_generic(env, name))
    return {p.name: p for p in providers}


def _missing(env, *names: str) -> tuple[str, ...]:
    return tuple(n for n in names if not (env.get(n) or "").strip())


def _google(env) -> OAuthProvider:
    id_var, secret_var = "FOLLOWUP_GOOGLE_CLIENT_ID", "FOLLOWUP_GOOGLE_CLIENT_SECRET"
    return OAuthProvider(
        name="google", label="Google",
        authorize_url="https://accounts.google.com/o/oauth2/v2/auth",
        token_url="https://oauth2.googleapis.com/token",
        revocation_url="https://oauth2.googleapis.com/revoke",
        userinfo_url="https://openidconnect.googleapis.com/v1/userinfo",
        scopes=("openid", "email", "https://mail.google.com/"),
        imap_host="imap.gmail.com",
        client_id=(env.get(id_var) or "").strip(), client_secret=(env.get(secret_var) or "").strip(),
        authorize_params=(("access_type", "offline"), ("prompt", "consent")),
        missing=_missing(env, id_var, secret_var),
    )


def _microsoft(env) -> OAuthProvider:
    id_var, secret_var = "FOLLOWUP_MICROSOFT_CLIENT_ID", "FOLLOWUP_MICROSOFT_CLIENT_SECRET"
    # "organizations" admits any work or school tenant; a single-tenant app names its own.
    tenant = (env.get("FOLLOWUP_MICROSOFT_TENANT") or "organizations").strip()
    if not re.fullmatch(r"[A-Za-z0-9.\-]{1,100}", tenant):
        raise OAuthSettingsError(f"FOLLOWUP_MICROSOFT_TENANT: not a tenant id or domain: {tenant!r}")
    base = f"https://login.microsoftonline.com/{tenant}/oauth2/v2.0"
    return OAuthProvider(
        name="microsoft", label="Microsoft",
        authorize_url=f"{base}/authorize", token_url=f"{base}/token",
        # Microsoft's identity platform has no RFC 7009 revocation endpoint: Disconnect only deletes.
        scopes=("openid", "email", "offline_access", "https://outlook.office.com/IMAP.AccessAsUser.All"),
        imap_host="outlook.office365.com",
        client_id=(env.get(id_var) or "").strip(), client_secret=(env.get(secret_var) or "").strip(),
        missing=_missing(env, id_var, secret_var),
    )


_GENERIC_REQUIRED = ("CLIENT_ID", "AUTHORIZE_URL", "TOKEN_URL", "SCOPES", "IMAP_HOST")


def _generic(env, name: str) -> OAuthProvider:
    prefix = f"FOLLOWUP_OAUTH_{name.upper()}_"

    def get(key: str) -> str:
        return (env.get(prefix + key) or "").strip()

    missing = _missing(env, *(prefix + k for k in _GENERIC_REQUIRED))
    for key in ("AUTHORIZE_URL", "TOKEN_URL", "REVOCATION_URL", "USERINFO_URL"):
        if get(key):
            _check_url(prefix + key, get(key))
    port_text = get("IMAP_PORT") or "993"
    if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
        raise OAuthSettingsError(f"{prefix}IMAP_PORT: must be a number from 1 to 65535, got {port_text!r}")
    security = get("IMAP_SECURITY") or "ssl"
    if security not in ("ssl", "starttls", "none"):
        raise OAuthSettingsError(f"{prefix}IMAP_SECURITY: must be ssl, starttls or none, got {security!r}")
    return OAuthProvider(
        name=name, label=get("LABEL") or name.capitalize(),
        authorize_url=get("AUTHORIZE_URL"), token_url=get("TOKEN_URL"),
        revocation_url=get("REVOCATION_URL"), userinfo_url=get("USERINFO_URL"),
        scopes=tuple(get("SCOPES").replace(",", " ").split()),
        imap_host=get("IMAP_HOST"), imap_port=int(port_text), imap_security=security,
        client_id=get("CLIENT_ID"), client_secret=get("CLIENT_SECRET"),
        missing=missing,
    )


def _check_url(name: str, url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise OAuthSettingsError(f"{name}: expected an https URL, got {url!r}")
    if parts.scheme == "http" and parts.hostname not in ("127.0.0.1", "localhost", "::1"):
        # Codes and tokens cross this connection: plain http only to this machine (tests, a local IdP).
        raise OAuthSettingsError(f"{name}: must be https (http only to 127.0.0.1), got {url!r}")
