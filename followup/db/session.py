"""The database: one engine per URL, sessions that commit or roll back, schema upgrades.

SQLite runs in WAL mode with foreign keys on; PostgreSQL is reached through psycopg 3.
`open_database` upgrades an empty or older schema to the latest Alembic revision on first use,
so every command works on a fresh data dir.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

from sqlalchemy import event, inspect, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

from followup.config import masked_url
from followup.errors import FollowupError

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS_DIR = Path(__file__).with_name("migrations")

MAX_ROW_ID = 2**63 - 1
"""Row ids are 64-bit signed integers (SQLite INTEGER, PostgreSQL BIGINT/INTEGER): a larger
number names no row, and the drivers raise OverflowError if asked for one."""


class DatabaseUnavailable(FollowupError, RuntimeError):
    """The database cannot be opened (no server there, no such directory, refused login)."""


def normalise_url(url: str) -> str:
    """`postgresql://` means psycopg 3 here (SQLAlchemy's default driver would be psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername == "postgresql":
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    try:
        if url.startswith("sqlite"):
            engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
            event.listen(engine, "connect", _sqlite_pragmas)
            _create_private_file(url)
        else:
            engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
    except ImportError as exc:
        raise DatabaseUnavailable(
            f"FOLLOWUP_DATABASE_URL: the driver of {make_url(url).drivername!r} is not installed ({exc.name})"
        ) from None
    return engine


def _create_private_file(url: str) -> None:
    """Create the SQLite file readable by its owner only; SQLite gives its -wal and -shm
    files the same mode as the database file."""
    path = make_url(url).database
    if not path or path.startswith("file:") or os.path.exists(path):
        return
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    except OSError as exc:
        raise DatabaseUnavailable(
            f"FOLLOWUP_DATABASE_URL: cannot create {path}: {exc.strerror}"
        ) from None


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    return config


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def head_revision(engine: Engine) -> str | None:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config(engine)).get_current_head()


def upgrade(engine: Engine) -> tuple[str | None, str | None]:
    """Bring the schema to the latest revision; returns (before, after)."""
    from alembic import command

    before = current_revision(engine)
    command.upgrade(alembic_config(engine), "head")
    return before, current_revision(engine)


def newest_migration() -> str:
    """The revision of the newest migration file, without Alembic: each file is named after its
    revision and numbered, so the last name in order is the head (a test holds Alembic to it)."""
    return max(path.stem for path in (MIGRATIONS_DIR / "versions").glob("[0-9]*.py"))


def stored_revision(engine: Engine) -> str | None:
    """The revision in the database's `alembic_version` table (None when there is no such table)."""
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def ensure_schema(engine: Engine) -> None:
    # Alembic (0.3 s of imports) is only needed when the schema is behind.
    if stored_revision(engine) != newest_migration():
        upgrade(engine)


@lru_cache(maxsize=None)
def open_database(url: str) -> Engine:
    """The process-wide engine for `url`, its schema upgraded on first use."""
    engine = make_engine(url)
    with reporting_unavailable(url):
        ensure_schema(engine)
    return engine


@contextmanager
def reporting_unavailable(url: str) -> Iterator[None]:
    """Turns the driver's failure to connect into one `DatabaseUnavailable` line, password masked."""
    try:
        yield
    except DBAPIError as exc:
        lines = str(exc.orig).strip().splitlines()
        reason = lines[0] if lines else type(exc.orig).__name__
        raise DatabaseUnavailable(f"FOLLOWUP_DATABASE_URL: cannot open {masked_url(url)}: {reason}") from None


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """A unit of work: commits when the block ends normally, rolls back on any error."""
    session = Session(engine, expire_on_commit=False)
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()
