"""The compose file's web command (granian) run for real: it answers /healthz and serves the
sign-in page with the app's security headers."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import yaml

from tests.paths import REPO_ROOT as ROOT

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_the_compose_web_command_serves_the_app(tmp_path):
    """The web service's own command line (granian), on a free port and SQLite, answers
    /healthz and serves the sign-in page with the app's security headers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    argv = list(COMPOSE["services"]["web"]["command"])
    argv[0] = str(Path(sys.executable).with_name(argv[0]))
    argv[argv.index("--host") + 1] = "127.0.0.1"
    argv[argv.index("--port") + 1] = str(port)
    argv[argv.index("--workers") + 1] = "1"
    env = {**os.environ, "FOLLOWUP_DATA_DIR": str(tmp_path), "FOLLOWUP_DATABASE_URL": f"sqlite:///{tmp_path}/f.db",
           "FOLLOWUP_SECRET_KEY": "deployment-test-secret-0123456789"}
    env.pop("FOLLOWUP_REDIS_URL", None)
    server = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    assert response.status == 200
                    break
            except OSError:
                assert server.poll() is None, server.stderr.read().decode()[-2000:]
                assert time.monotonic() < deadline, "the web service did not answer within 30 s"
                time.sleep(0.2)
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/login", timeout=5) as response:
            page = response.read().decode()
            assert response.status == 200 and 'name="csrf_token"' in page
            assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=20)
