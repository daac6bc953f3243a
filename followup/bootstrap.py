"""The composition root: settings and database, built once for the CLI, the web app,
the worker and the tests alike."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from followup.db.accounts import encrypt_plain_token_commands
from followup.db.session import open_database, session_scope
from followup.config import Settings, load_settings


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine


def bootstrap(settings: Settings | None = None) -> Runtime:
    settings = settings or load_settings()
    engine = open_database(settings.database_url)
    # Rows written before token commands were encrypted; one small SELECT when there are none.
    with session_scope(engine) as session:
        encrypt_plain_token_commands(session, settings.secret_key)
    return Runtime(settings=settings, engine=engine)
