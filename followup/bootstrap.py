"""The composition root: settings and database, built once for the CLI, the web app,
the worker and the tests alike."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy.engine import Engine

from followups.accounts import encrypt_plain_token_commands
from followups.db import open_database, session_scope
from followups.settings import Settings, load_settings


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine


def bootstrap(settings: Settings | None = None) -> Runtime:
    settings = settings or load_settings()
    engine = open_database(settings.database_url)
    _encrypt_legacy_secrets(settings.database_url, settings.secret_key)
    return Runtime(settings=settings, engine=engine)


@lru_cache(maxsize=None)
def _encrypt_legacy_secrets(database_url: str, secret_key: str) -> None:
    """Once per process and database: rows written before a secret was encrypted get encrypted."""
    with session_scope(open_database(database_url)) as session:
        encrypt_plain_token_commands(session, secret_key)
