"""The runtime a test points the product at: its settings and a database engine."""

from __future__ import annotations

from followup.bootstrap import Runtime
from followup.config import load_settings
from followup.db.session import make_engine

TEST_SECRET_KEY = "test-secret-key-0123456789abcdef"


def sqlite_runtime(tmp_path, template) -> Runtime:
    env = {
        "FOLLOWUP_DATA_DIR": str(tmp_path / "data"),
        "FOLLOWUP_DATABASE_URL": template.fresh_url(tmp_path),
        "FOLLOWUP_SECRET_KEY": TEST_SECRET_KEY,
    }
    settings = load_settings(env)
    return Runtime(settings=settings, engine=make_engine(settings.database_url))
