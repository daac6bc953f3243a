"""The runtime a test points the product at: its settings and a database engine."""

from __future__ import annotations

from followup.bootstrap import Runtime
from followup.config import load_settings
from followup.db.session import make_engine

TEST_SECRET_KEY = "test-secret-key-0123456789abcdef"
TEST_PASSWORD_HASH = "scrypt:1024:8:1"
"""Scrypt at 1/32 of the production cost: the same code path, 2 ms a hash instead of 70."""


def sqlite_runtime(tmp_path, template) -> Runtime:
    env = {
        "FOLLOWUP_DATA_DIR": str(tmp_path / "data"),
        "FOLLOWUP_DATABASE_URL": template.fresh_url(tmp_path),
        "FOLLOWUP_SECRET_KEY": TEST_SECRET_KEY,
        "FOLLOWUP_PASSWORD_HASH": TEST_PASSWORD_HASH,
    }
    settings = load_settings(env)
    return Runtime(settings=settings, engine=make_engine(settings.database_url))
