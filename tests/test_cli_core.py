"""The command line as a user runs it: a real subprocess with the environment set."""

import json
import os
import subprocess
import sys
from pathlib import Path


FOLLOWUP = [str(Path(sys.executable).with_name("followup"))]


def run(args, env, stdin=""):
    return subprocess.run(FOLLOWUP + args, input=stdin, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=60)


def test_user_and_account_add_then_list(app_env):
    created = run(["user", "add", "rep@example.com", "--team", "Sales", "--lead", "--json"],
                  app_env, stdin="a good password\n")
    assert created.returncode == 0, created.stderr
    assert json.loads(created.stdout)["role"] == "lead"

    added = run(["account", "add", "--user", "rep@example.com", "--imap-host", "imap.example.com",
                 "--login", "rep", "--address", "rep@example.com", "--address", "sales@example.com",
                 "--internal-domain", "example.com"], app_env, stdin="imap-password-123\n")
    assert added.returncode == 0, added.stderr
    listed = run(["account", "list", "--json"], app_env)
    [account] = json.loads(listed.stdout)
    assert account["addresses"] == ["rep@example.com", "sales@example.com"]
    assert account["imap_port"] == 993 and account["sync_status"] == "never"
    assert "imap-password-123" not in listed.stdout + added.stdout + added.stderr


def test_import_only_account_needs_no_password(app_env):
    run(["user", "add", "rep@example.com"], app_env, stdin="a good password\n")
    added = run(["account", "add", "--user", "rep@example.com", "--address", "rep@example.com"], app_env)
    assert added.returncode == 0 and "import-only" in added.stdout


def test_user_add_reports_a_duplicate_in_one_line(app_env):
    run(["user", "add", "rep@example.com"], app_env, stdin="a good password\n")
    again = run(["user", "add", "rep@example.com"], app_env, stdin="a good password\n")
    assert again.returncode == 1
    assert again.stderr.strip() == "Error: a user with the email rep@example.com already exists"


def test_a_wrong_setting_is_one_line_naming_the_variable(app_env):
    result = run(["account", "list"], {**app_env, "FOLLOWUP_REDIS_URL": "localhost"})
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "Error: FOLLOWUP_REDIS_URL: expected a redis/rediss/unix URL, got 'localhost'"
    ]


def test_first_use_creates_the_schema_and_a_secret_key_that_is_never_printed(tmp_path):
    env = {"FOLLOWUP_DATA_DIR": str(tmp_path / "fresh")}
    result = run(["account", "list"], {**{k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}, **env})
    assert result.returncode == 0, result.stderr
    key = (tmp_path / "fresh" / "secret_key").read_text()
    assert (tmp_path / "fresh" / "followup.db").exists()
    assert key not in result.stdout + result.stderr


def test_db_upgrade_reports_the_revision(app_env):
    result = run(["db", "upgrade"], app_env)
    assert result.returncode == 0 and "up to date" in result.stdout


def test_security_none_is_refused_for_a_remote_host(app_env):
    run(["user", "add", "rep@example.com"], app_env, stdin="a good password\n")
    result = run(["account", "add", "--user", "rep@example.com", "--imap-host", "192.0.2.10",
                  "--security", "none", "--login", "rep"], app_env, stdin="pw\n")
    assert result.returncode == 2 and "loopback" in result.stderr
