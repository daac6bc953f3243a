"""`followup import` of a folder (loose .eml files or a Maildir) holding things that are not
mail files: a FIFO, a link to /dev/zero, a broken link, a link out of the folder, a file too
large to be a message. The good files beside them are stored, each bad one is named in the
summary, and the command finishes (a timeout turns a hang into a failure)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from inbox_sync.mailbox_files import MAX_MESSAGE_FILE_BYTES
from tests.paths import MAIL_FIXTURES as FIXTURES

FOLLOWUP = str(Path(sys.executable).with_name("followup"))
GOOD = sorted(FIXTURES.glob("*.eml"))[:3]


def followup(args, env, stdin=""):
    return subprocess.run([FOLLOWUP, *args], input=stdin, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)


@pytest.fixture
def account(app_env):
    assert followup(["user", "add", "rep@acme.test"], app_env, stdin="a good password\n").returncode == 0
    assert followup(["account", "add", "--user", "rep@acme.test", "--address", "rep@acme.test"],
                    app_env).returncode == 0
    return "rep@acme.test"


def fill(folder: Path, outside: Path) -> dict[str, str]:
    """Good messages and bad entries in `folder`; the bad ones' names and what the summary says."""
    folder.mkdir(parents=True, exist_ok=True)
    for file in GOOD:
        shutil.copy(file, folder / file.name)
    os.mkfifo(folder / "pipe.eml")
    (folder / "zero.eml").symlink_to("/dev/zero")
    (folder / "gone.eml").symlink_to(folder / "no-such-file.eml")
    outside.mkdir(exist_ok=True)
    shutil.copy(FIXTURES / "01-inquiry-plain.eml", outside / "elsewhere.eml")
    (folder / "elsewhere.eml").symlink_to(outside / "elsewhere.eml")
    with open(folder / "huge.eml", "wb") as huge:  # sparse: no disk space taken
        huge.truncate(MAX_MESSAGE_FILE_BYTES + 1)
    return {"pipe.eml": "not a regular file", "zero.eml": "not a regular file",
            "gone.eml": "broken link", "elsewhere.eml": "outside", "huge.eml": f"{MAX_MESSAGE_FILE_BYTES + 1:,} bytes"}


def check(result, bad: dict[str, str]) -> None:
    assert result.returncode == 0, result.stderr
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert (summary["read"], summary["stored"], summary["failed"]) == (len(GOOD), len(GOOD), 0)
    assert len(summary["skipped"]) == len(bad)
    for name, reason in bad.items():
        [line] = [s for s in summary["skipped"] if f"/{name}:" in s]
        assert reason in line
        assert f"skipped: {line}" in result.stderr


def test_a_folder_of_eml_files_with_bad_entries(app_env, account, tmp_path):
    bad = fill(tmp_path / "mail", tmp_path / "outside")
    check(followup(["import", str(tmp_path / "mail"), "--account", account, "--json"], app_env), bad)
    human = followup(["import", str(tmp_path / "mail"), "--account", account], app_env)
    assert human.returncode == 0, human.stderr
    assert f"duplicates {len(GOOD)}" in human.stdout and f"skipped {len(bad)}" in human.stdout


def test_a_maildir_with_bad_entries(app_env, account, tmp_path):
    maildir = tmp_path / "Maildir"
    for sub in ("cur", "new", "tmp"):
        (maildir / sub).mkdir(parents=True)
    bad = fill(maildir / "cur", tmp_path / "outside")
    check(followup(["import", str(maildir), "--account", account, "--json"], app_env), bad)


def test_a_link_to_a_device_as_the_mailbox_is_one_clear_error(app_env, account, tmp_path):
    (tmp_path / "box.mbox").symlink_to("/dev/zero")
    result = followup(["import", str(tmp_path / "box.mbox"), "--account", account], app_env)
    assert result.returncode == 1
    assert result.stderr.strip() == f"Error: {tmp_path / 'box.mbox'}: not a regular file or a folder"
