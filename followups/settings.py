"""Settings read from the environment, validated once, passed around explicitly.

Every variable is documented in the README. A wrong value raises `SettingsError` whose
message starts with the variable's name, so the command line can print it as one line.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

DEFAULT_DATA_DIR = "./var"
SECRET_KEY_FILE = "secret_key"
SUPPORTED_DATABASES = ("sqlite", "postgresql")


class SettingsError(ValueError):
    """An environment variable has a value the service cannot use."""


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    database_url: str
    redis_url: str | None
    secret_key: str
    smtp_url: str | None
    base_url: str

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
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SettingsError(f"FOLLOWUP_DATA_DIR: cannot create {data_dir}: {exc.strerror}") from None

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
    return Settings(data_dir, database_url, redis_url, secret_key, smtp_url, base_url)


def _check_database_url(url: str) -> None:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise SettingsError(f"FOLLOWUP_DATABASE_URL: not a database URL: {url!r}") from None
    if parsed.get_backend_name() not in SUPPORTED_DATABASES:
        raise SettingsError(
            f"FOLLOWUP_DATABASE_URL: unsupported database {parsed.get_backend_name()!r} "
            f"(use sqlite:///PATH or postgresql://...)"
        )


def _check_url(name: str, url: str, schemes: tuple[str, ...]) -> None:
    parsed = urlparse(url)
    if parsed.scheme not in schemes or not (parsed.netloc or parsed.path):
        raise SettingsError(f"{name}: expected a {'/'.join(schemes)} URL, got {url!r}")


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
