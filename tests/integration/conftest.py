"""Fixtures of the integration layer: the real databases. (The app on a real loopback HTTP
server, ``served``, is in tests/conftest.py: the e2e layer uses it too.)

Database fixtures (``db_url``, ``db_engine``, ``app_env``, ``runtime``) run every test that
uses them twice: on SQLite and on the real PostgreSQL (127.0.0.1:5432, db ``test``; set
FOLLOWUP_REQUIRE_POSTGRES=1 to fail rather than skip when it is not there). Dovecot, Redis
and the cutting TCP proxy come from tests/services/fixtures.py, loaded by tests/conftest.py.
"""

from __future__ import annotations

import pytest
from sqlalchemy import text

from followup.bootstrap import Runtime
from followup.config import load_settings
from followup.db.session import make_engine
from tests.runtimes import TEST_PASSWORD_HASH, TEST_SECRET_KEY
from tests.services.databases import (
    PostgresSchema,
    postgres_reachable,
    postgres_required,
)


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
        "FOLLOWUP_PASSWORD_HASH": TEST_PASSWORD_HASH,
    }
    monkeypatch.delenv("FOLLOWUP_REDIS_URL", raising=False)
    monkeypatch.delenv("FOLLOWUP_SMTP_URL", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def runtime(app_env, db_engine) -> Runtime:
    return Runtime(settings=load_settings(app_env), engine=db_engine)


POISON_TRIGGER = {
    "sqlite": ["CREATE TRIGGER poison BEFORE INSERT ON message WHEN NEW.subject = 'Poison' "
               "BEGIN SELECT RAISE(ABORT, 'refused by trigger'); END"],
    "postgresql": ["CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN IF NEW.subject = 'Poison' THEN "
                   "RAISE EXCEPTION 'refused by trigger'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql",
                   "CREATE TRIGGER poison BEFORE INSERT ON message FOR EACH ROW EXECUTE FUNCTION poison()"],
}
DROP_POISON = {
    "sqlite": ["DROP TRIGGER poison"],
    "postgresql": ["DROP TRIGGER poison ON message", "DROP FUNCTION poison()"],
}


@pytest.fixture
def poisoned(db_engine):
    """The database itself refuses any message whose subject is 'Poison' (a trigger)."""
    dialect = db_engine.dialect.name
    with db_engine.begin() as conn:
        for statement in POISON_TRIGGER[dialect]:
            conn.execute(text(statement))
    yield
    with db_engine.begin() as conn:  # the PostgreSQL schema outlives the test
        for statement in DROP_POISON[dialect]:
            conn.execute(text(statement))
