"""The `followup` command as a user runs it: a real process with the environment set."""

import os
import subprocess
import sys
from pathlib import Path

FOLLOWUP = str(Path(sys.executable).with_name("followup"))


def run(args, env, stdin="", timeout=60):
    return subprocess.run([FOLLOWUP, *args], input=stdin, capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=timeout)
