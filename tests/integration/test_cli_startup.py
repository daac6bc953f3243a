"""What a command imports: each pays only for what it uses (issue 20). A fresh process per
command, as a user runs it; the heavy libraries checked here cost 0.3 s or more each."""

import json
import os
import subprocess
import sys

from tests.integration.cli_process import run

HEAVY = ("alembic", "authlib", "flask", "spacy")

# Runs the command line in this interpreter, then prints which of HEAVY it imported.
PROBE = """
import json, sys
from followup.cli.main import main
try:
    main(sys.argv[1:], prog_name="followup")
except SystemExit:
    pass
print(json.dumps(sorted(name for name in {heavy!r} if name in sys.modules)))
""".format(heavy=HEAVY)


def imported_by(args, env) -> list[str]:
    result = subprocess.run([sys.executable, "-c", PROBE, *args], capture_output=True, text=True,
                            env={**os.environ, **env}, timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_help_imports_none_of_the_heavy_libraries(tmp_path):
    assert imported_by(["--help"], {"FOLLOWUP_DATA_DIR": str(tmp_path)}) == []


def test_sync_on_an_up_to_date_database_needs_no_alembic(tmp_path):
    env = {"FOLLOWUP_DATA_DIR": str(tmp_path), "FOLLOWUP_SECRET_KEY": "test-secret-key-0123456789abcdef"}
    assert run(["db", "upgrade"], env).returncode == 0  # the schema is created (with Alembic) once
    assert imported_by(["sync", "--all"], env) == []
