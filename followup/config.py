"""Settings read from the environment, validated once, passed around explicitly.

Every variable is documented in the README. A wrong value raises `SettingsError` whose
message starts with the variable's name, so the command line can print it as one line.
"""

from __future__ import annotations

import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from followup.errors import FollowupError

DEFAULT_DATA_DIR = "./var"
SECRET_KEY_FILE = "secret_key"
SUPPORTED_DATABASES = ("sqlite", "postgresql")


class SettingsError(FollowupError, ValueError):
    """An environment variable has a value the service cannot use."""


DEFAULT_PASSWORD_HASH = "scrypt"
"""How sign-in passwords are hashed (a werkzeug method): scrypt at werkzeug's cost, n=32768 r=8 p=1,
about 70 ms a hash. `FOLLOWUP_PASSWORD_HASH` may name a cheaper one (``scrypt:1024:8:1``) where no
real password is kept, as the test suite does; a stored hash keeps the method it was made with."""
_PASSWORD_HASH = re.compile(r"scrypt(:\d+:\d+:\d+)?|pbkdf2(:sha256|:sha512)?(:\d+)?")

_URL_PASSWORD = re.compile(r"(//[^/?#@:]*:)[^/?#@]*@")


def masked_url(url: str) -> str:
    """`url` with its password (if any) shown as ***, for messages and logs.

    A regular expression rather than a URL parser: the URLs shown are often the malformed ones.
    """
    return _URL_PASSWORD.sub(r"\1***@", url)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None
    secret_key: str
    smtp_url: str | None
    base_url: str
    password_hash: str = DEFAULT_PASSWORD_HASH

    @property
    def lock_dir(self) -> Path:
        """Per-account lock files (one sync or write-back of an account at a time)."""
        return self.data_dir / "locks"

    @property
    def jobs_inline(self) -> bool:
        return self.redis_url is None


def load_settings(environ: os._Environ | dict | None = None) -> Settings:
    env = os.environ if environ is None else environ
    data_dir = Path(env.get("FOLLOWUP_DATA_DIR") or DEFAULT_DATA_DIR).resolve()
    _make_private_dir(data_dir)

    database_url = env.get("FOLLOWUP_DATABASE_URL") or f"sqlite:///{data_dir / 'followup.db'}"
    _check_database_url(database_url)
    redis_url = env.get("FOLLOWUP_REDIS_URL") or None
    if redis_url is not None:
        _check_url("FOLLOWUP_REDIS_URL", redis_url, ("redis", "rediss", "unix"))
    smtp_url = env.get("FOLLOWUP_SMTP_URL") or None
    if smtp_url is not None:
        _check_url("FOLLOWUP_SMTP_URL", smtp_url, ("smtp", "smtps", "smtp+starttls"))
    base_url = (env.get("FOLLOWUP_BASE_URL") or "http://127.0.0.1:5000").rstrip("/")
    _check_url("FOLLOWUP_BASE_URL", base_url, ("http", "https"))

    secret_key = env.get("FOLLOWUP_SECRET_KEY") or _stored_secret_key(data_dir)
    if len(secret_key) < 16:
        raise SettingsError("FOLLOWUP_SECRET_KEY: must be at least 16 characters long")
    password_hash = env.get("FOLLOWUP_PASSWORD_HASH") or DEFAULT_PASSWORD_HASH
    if not _PASSWORD_HASH.fullmatch(password_hash):
        raise SettingsError("FOLLOWUP_PASSWORD_HASH: must be scrypt[:n:r:p] or pbkdf2[:sha256|:sha512][:iterations]")
    return Settings(data_dir, database_url, redis_url, secret_key, smtp_url, base_url, password_hash)


def _make_private_dir(data_dir: Path) -> None:
    """The data dir holds the secret key and the SQLite files: only its owner may enter it."""
    existed = data_dir.is_dir()
    try:
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not existed:
            data_dir.chmod(0o700)  # mkdir's mode is narrowed by the umask, never widened
    except OSError as exc:
        raise SettingsError(f"FOLLOWUP_DATA_DIR: cannot create {data_dir}: {exc.strerror}") from None


def _check_database_url(url: str) -> None:
    name = "FOLLOWUP_DATABASE_URL"
    shown = masked_url(url)
    try:
        parsed = make_url(url)
    except (ArgumentError, ValueError):
        raise SettingsError(f"{name}: not a database URL: {shown!r}") from None
    if parsed.get_backend_name() not in SUPPORTED_DATABASES:
        raise SettingsError(
            f"{name}: unsupported database {parsed.get_backend_name()!r} "
            f"(use sqlite:///PATH or postgresql://...)"
        )
    if parsed.get_backend_name() == "sqlite":
        if parsed.database in (None, "", ":memory:") or "mode=memory" in url:
            raise SettingsError(f"{name}: an in-memory SQLite database loses everything at exit; "
                                f"use sqlite:///PATH")
        return
    _check_host_and_port(name, shown, parsed.host, parsed.port)
    try:
        parsed.get_dialect()
    except NoSuchModuleError:
        raise SettingsError(f"{name}: unknown database driver {parsed.drivername!r} in {shown!r}") from None


def _check_url(name: str, url: str, schemes: tuple[str, ...]) -> None:
    shown = masked_url(url)
    parsed = urlsplit(url)
    if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
        raise SettingsError(f"{name}: expected a {'/'.join(schemes)} URL, got {shown!r}")
    if parsed.scheme == "unix":
        return
    try:
        port = parsed.port
    except ValueError:
        raise SettingsError(f"{name}: the port must be a number from 1 to 65535, got {shown!r}") from None
    _check_host_and_port(name, shown, parsed.hostname, port)


def _check_host_and_port(name: str, shown: str, host: str | None, port: int | None) -> None:
    if host is not None and (not host.strip() or any(c.isspace() for c in host)):
        raise SettingsError(f"{name}: the host name {host!r} is not valid, in {shown!r}")
    if port is not None and not 1 <= port <= 65535:
        raise SettingsError(f"{name}: the port must be a number from 1 to 65535, got {shown!r}")


def _stored_secret_key(data_dir: Path) -> str:
    """The key generated on first run; kept in the data dir, readable by the owner only."""
    path = data_dir / SECRET_KEY_FILE
    if path.exists():
        return path.read_text().strip()
    key = secrets.token_urlsafe(48)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key
