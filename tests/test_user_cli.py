"""`followup user add|passwd|disable` as a user runs them: a real subprocess on each database."""

from __future__ import annotations

from sqlmodel import select

from followup.db.models import User
from followup.db.users import verify_password
from tests.test_cli_core import run
from tests.test_web_helpers import db


def _user(runtime, email="rep@example.com") -> User:
    with db(runtime) as session:
        return session.exec(select(User).where(User.email == email)).one()


def test_user_add_refuses_a_common_password(app_env, runtime):
    for weak in ("        ", "password", "12345678"):
        result = run(["user", "add", "rep@example.com"], app_env, stdin=f"{weak}\n")
        assert result.returncode == 1, weak
        assert result.stderr.startswith("Error: password is too easy to guess"), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1
    with db(runtime) as session:
        assert session.exec(select(User)).first() is None


def test_user_passwd_changes_the_password_and_ends_sessions(app_env, runtime):
    assert run(["user", "add", "rep@example.com"], app_env, stdin="a good password\n").returncode == 0
    before = _user(runtime).session_version

    weak = run(["user", "passwd", "rep@example.com"], app_env, stdin="password\n")
    assert weak.returncode == 1 and weak.stderr.startswith("Error: password is too easy to guess")
    assert verify_password(_user(runtime), "a good password")  # nothing changed

    changed = run(["user", "passwd", "REP@example.com"], app_env, stdin="a brand new password\n")
    assert changed.returncode == 0, changed.stderr
    assert "a brand new password" not in changed.stdout
    assert "password of rep@example.com changed" in changed.stdout
    user = _user(runtime)
    assert verify_password(user, "a brand new password") and user.session_version > before

    missing = run(["user", "passwd", "nobody@example.com"], app_env, stdin="a brand new password\n")
    assert missing.returncode == 1 and missing.stderr.strip() == "Error: no user with the email nobody@example.com"


def test_user_disable(app_env, runtime):
    assert run(["user", "add", "rep@example.com"], app_env, stdin="a good password\n").returncode == 0
    before = _user(runtime).session_version
    result = run(["user", "disable", "rep@example.com"], app_env)
    assert result.returncode == 0, result.stderr
    assert "rep@example.com disabled" in result.stdout
    user = _user(runtime)
    assert not user.is_active and user.session_version > before and user.api_token_hash is None
    missing = run(["user", "disable", "nobody@example.com"], app_env)
    assert missing.returncode == 1 and missing.stderr.strip() == "Error: no user with the email nobody@example.com"
