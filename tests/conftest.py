"""Shared pytest configuration.

Database fixtures (`db_url`, `db_engine`, `runtime`) run every test that uses them twice:
on SQLite and on the real PostgreSQL. Real-service fixtures (Dovecot, Redis, the cutting
TCP proxy) come from tests/services/fixtures.py.
"""

from __future__ import annotations

import pytest

from followup.bootstrap import Runtime
from followup.db.session import make_engine
from followup.config import load_settings
from tests.services.databases import (
    PostgresSchema,
    SqliteTemplate,
    postgres_reachable,
    postgres_required,
)

pytest_plugins = ["tests.services.fixtures"]

TEST_SECRET_KEY = "test-secret-key-0123456789abcdef"


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def _postgres_schema():
    why_not = postgres_reachable()
    if why_not:
        if postgres_required():
            pytest.fail(f"{why_not} (FOLLOWUP_REQUIRE_POSTGRES=1)")
        pytest.skip(why_not)
    schema = PostgresSchema()
    yield schema
    schema.drop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path, _sqlite_template) -> str:
    """The URL of an empty, upgraded database: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        return _sqlite_template.fresh_url(tmp_path)
    schema = request.getfixturevalue("_postgres_schema")
    schema.empty()
    return schema.url


@pytest.fixture
def db_engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def app_env(db_url, tmp_path, monkeypatch) -> dict[str, str]:
    """Environment for the CLI or a subprocess, pointing at the test database."""
    env = {
        "FOLLOWUP_DATA_DIR": str(tmp_path / "data"),
        "FOLLOWUP_DATABASE_URL": db_url,
        "FOLLOWUP_SECRET_KEY": TEST_SECRET_KEY,
    }
    monkeypatch.delenv("FOLLOWUP_REDIS_URL", raising=False)
    monkeypatch.delenv("FOLLOWUP_SMTP_URL", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def runtime(app_env, db_engine) -> Runtime:
    return Runtime(settings=load_settings(app_env), engine=db_engine)
