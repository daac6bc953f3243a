"""Where things are, for tests in any layer."""

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
MAIL_FIXTURES = REPO_ROOT / "tests" / "fixtures" / "mail"
