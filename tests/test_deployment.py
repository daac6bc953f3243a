"""docker-compose.yml and the Dockerfile run commands that exist (no Docker engine here)."""

import importlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import click
import yaml

from followup.cli.main import main

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def resolve(argv: list[str]) -> click.Command:
    """The click command that `followup ARGV...` would run, with its options parsed."""
    command: click.Command = main
    args = list(argv)
    ctx = click.Context(main, info_name="followup")
    while isinstance(command, click.Group) and args and not args[0].startswith("-"):
        name = args.pop(0)
        command = command.get_command(ctx, name)
        assert command is not None, f"`followup {' '.join(argv)}`: no command {name!r}"
    command.make_context(command.name, args)  # raises on an unknown option or a bad value
    return command


def test_the_services_of_a_team_deployment_are_there():
    assert {"postgres", "redis", "migrate", "web", "worker", "scheduler"} <= set(COMPOSE["services"])
    for name in ("postgres", "redis", "web"):
        assert "healthcheck" in COMPOSE["services"][name], name
    assert set(COMPOSE["volumes"]) == {"pgdata", "redisdata"}


def test_each_followup_command_in_compose_exists_in_the_cli():
    commands = {name: s["command"] for name, s in COMPOSE["services"].items()
                if isinstance(s.get("command"), list) and s["command"][0] == "followup"}
    assert set(commands) == {"migrate", "worker", "scheduler"}
    for argv in commands.values():
        command = resolve(argv[1:])
        assert "not available yet" not in (command.help or ""), argv


def test_the_web_service_runs_the_app_factory_under_granian():
    argv = COMPOSE["services"]["web"]["command"]
    assert argv[0] == "granian" and "--factory" in argv and argv[argv.index("--interface") + 1] == "wsgi"
    module, _, call = argv[-1].partition(":")
    factory = getattr(importlib.import_module(module), call)
    assert callable(factory)


def test_the_dockerfile_default_command_exists():
    cmd = next(line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("CMD"))
    argv = __import__("json").loads(cmd.removeprefix("CMD").strip())
    assert argv[0] == "followup"
    resolve(argv[1:])


def test_the_example_env_file_names_the_secret_key():
    assert "FOLLOWUP_SECRET_KEY=" in (ROOT / ".env.example").read_text()


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
