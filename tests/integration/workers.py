"""`followup worker` as a real process, as the job tests start it."""

from __future__ import annotations

import subprocess

from tests.integration.cli_process import FOLLOWUP


def start_worker(env, *args) -> subprocess.Popen:
    return subprocess.Popen([FOLLOWUP, "worker", *args], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, start_new_session=True)


def finish(worker: subprocess.Popen, timeout: float = 120) -> str:
    output, _ = worker.communicate(timeout=timeout)
    assert worker.returncode == 0, output
    return output
