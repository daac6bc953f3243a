"""Real databases for tests: SQLite files and PostgreSQL schemas.

PostgreSQL is the one at 127.0.0.1:5432 (database `test`, trust auth), or
`FOLLOWUP_TEST_POSTGRES_URL`. Each test session gets its own schema (several test runs may
share the server), upgraded once; each test starts from empty tables. When the server does
not answer, PostgreSQL tests are skipped, unless `FOLLOWUP_REQUIRE_POSTGRES=1` (set by
.ci/run), where they fail: CI must never pass without them.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from urllib.parse import quote

import psycopg
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlmodel import SQLModel

from followup.db.session import make_engine, upgrade

DEFAULT_POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


def postgres_base_url() -> str:
    return os.environ.get("FOLLOWUP_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)


def postgres_reachable() -> str | None:
    """None when reachable, else why not."""
    try:
        psycopg.connect(postgres_base_url(), connect_timeout=3).close()
        return None
    except psycopg.Error as exc:
        return f"PostgreSQL at {postgres_base_url()} not reachable: {str(exc).strip()}"


def postgres_required() -> bool:
    return os.environ.get("FOLLOWUP_REQUIRE_POSTGRES") == "1"


class PostgresSchema:
    """A private schema inside the test database; URLs set search_path to it."""

    def __init__(self) -> None:
        self.name = f"fu_test_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(postgres_base_url(), autocommit=True) as conn:
            conn.execute(f'CREATE SCHEMA "{self.name}"')
        sep = "&" if "?" in postgres_base_url() else "?"
        self.url = f"{postgres_base_url()}{sep}options={quote(f'-csearch_path={self.name}')}"
        self.engine = make_engine(self.url)
        upgrade(self.engine)

    def empty(self) -> None:
        tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
        with self.engine.begin() as conn:
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))

    def drop(self) -> None:
        self.engine.dispose()
        with psycopg.connect(postgres_base_url(), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA IF EXISTS "{self.name}" CASCADE')


class SqliteTemplate:
    """An upgraded SQLite file, copied for each test (faster than migrating each time)."""

    def __init__(self, directory: Path) -> None:
        self.path = directory / "template.db"
        engine = make_engine(f"sqlite:///{self.path}")
        upgrade(engine)
        engine.dispose()

    def fresh_url(self, directory: Path) -> str:
        target = directory / "followup.db"
        shutil.copyfile(self.path, target)
        return f"sqlite:///{target}"


def dispose(engine: Engine) -> None:
    engine.dispose()
