"""Bad input and unreachable services on the command line: one line naming the variable or
option, a non-zero exit, no traceback, no password echoed; secrets on disk owner-only."""

import os
import socket
import sqlite3
import stat

import pytest

from tests.integration.cli_process import run


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def assert_one_line(result, naming: str) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert naming in lines[0]
    return lines[0]


def clean_env(tmp_path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    return {**env, "FOLLOWUP_DATA_DIR": str(tmp_path / "data")}


def test_a_fresh_data_dir_and_its_database_files_are_owner_only(tmp_path):
    env = clean_env(tmp_path)
    assert run(["account", "list"], env).returncode == 0
    data = tmp_path / "data"
    assert stat.S_IMODE(data.stat().st_mode) == 0o700
    with sqlite3.connect(data / "followup.db") as conn:  # the WAL files exist while it is open
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE IF NOT EXISTS probe (x)")
        conn.execute("INSERT INTO probe VALUES (1)")
        conn.commit()
        modes = {name: stat.S_IMODE((data / name).stat().st_mode)
                 for name in ("followup.db", "followup.db-wal", "followup.db-shm", "secret_key")}
    assert modes == dict.fromkeys(modes, 0o600)


@pytest.mark.parametrize("url", [
    "postgresql://u:DBPASS@127.0.0.1:{port}/db",
    "sqlite:////nonexistent/dir/x.db",
    "postgresql+nosuchdriver://u:DBPASS@127.0.0.1/db",
    "postgresql+psycopg2://u:DBPASS@127.0.0.1/db",  # a known driver that is not installed
    "postgresql://u:DBPASS@bad host/db",
    "postgresql://u:DBPASS@127.0.0.1:70000/db",
    "sqlite://",
    "sqlite:///:memory:",
])
def test_a_database_that_cannot_be_opened_is_one_line(tmp_path, url):
    env = {**clean_env(tmp_path), "FOLLOWUP_DATABASE_URL": url.format(port=closed_port())}
    for args in (["account", "list"], ["db", "upgrade"]):
        line = assert_one_line(run(args, env), "FOLLOWUP_DATABASE_URL")
        assert "DBPASS" not in line


@pytest.mark.parametrize("name, value", [
    ("FOLLOWUP_SMTP_URL", "smtpx://u:SMTPPASS@127.0.0.1:25"),
    ("FOLLOWUP_SMTP_URL", "smtp://u:SMTPPASS@127.0.0.1:0"),
    ("FOLLOWUP_REDIS_URL", "redis://:REDISPASS@127.0.0.1:99999/0"),
    ("FOLLOWUP_REDIS_URL", "http://:REDISPASS@127.0.0.1/0"),
    ("FOLLOWUP_BASE_URL", "http://bad host:5000"),
])
def test_a_bad_url_setting_is_one_line_without_its_password(tmp_path, name, value):
    line = assert_one_line(run(["account", "list"], {**clean_env(tmp_path), name: value}), name)
    assert "PASS" not in line


@pytest.mark.parametrize("command", ["worker", "scheduler"])
def test_an_unreachable_redis_is_one_line(tmp_path, command):
    env = {**clean_env(tmp_path), "FOLLOWUP_REDIS_URL": f"redis://:REDISPASS@127.0.0.1:{closed_port()}/0"}
    line = assert_one_line(run([command, "--burst"] if command == "worker" else [command], env),
                           "FOLLOWUP_REDIS_URL")
    assert "REDISPASS" not in line


def test_out_of_range_option_values_are_one_line_naming_the_option(app_env):
    assert run(["user", "add", "rep@example.com"], app_env, stdin="a good password\n").returncode == 0
    assert run(["account", "add", "--user", "rep@example.com", "--address", "rep@example.com"],
               app_env).returncode == 0
    huge = str(2**64)
    for args in (["tasks", "--account", huge], ["detect", "--account", huge], ["sync", "--account", huge]):
        assert_one_line(run(args, app_env), "--account")
    assert_one_line(run(["account", "update", huge, "--keyword", "x"], app_env), huge)
    for args in (["detect"], ["tasks"], ["digest", "send", "--dry-run"]):
        assert_one_line(run(args + ["--now", "9999-12-31T23:59:59"], app_env), "--now")
    assert_one_line(run(["account", "update", "1", "--keyword", "Rückruf"], app_env), "--keyword")
