"""The composition root: settings and database, built once for the CLI, the web app,
the worker and the tests alike."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine

from followups.db import open_database
from followups.settings import Settings, load_settings


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine


def bootstrap(settings: Settings | None = None) -> Runtime:
    settings = settings or load_settings()
    return Runtime(settings=settings, engine=open_database(settings.database_url))
