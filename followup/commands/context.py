"""Shared helpers for commands: the runtime, reading secrets from stdin, JSON output."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

import click

from followup.bootstrap import Runtime, bootstrap


def runtime() -> Runtime:
    ctx = click.get_current_context()
    root = ctx.find_root()
    if not isinstance(root.obj, Runtime):
        root.obj = bootstrap()
    return root.obj


def read_secret(prompt: str) -> str:
    """A password from stdin: prompted without echo on a terminal, else the first line."""
    if sys.stdin.isatty():
        return click.prompt(prompt, hide_input=True, confirmation_prompt=False)
    line = sys.stdin.readline().rstrip("\r\n")
    if not line:
        raise click.ClickException(f"{prompt.lower()} expected on stdin")
    return line


def parse_now(value: str | None) -> datetime:
    """`--now` as ISO 8601; a value without a zone is taken as UTC."""
    if value is None:
        return datetime.now(timezone.utc)
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"not an ISO 8601 date-time: {value!r}", param_hint="--now")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)


now_option = click.option("--now", "now", default=None, metavar="ISO", help="Pretend it is this time (ISO 8601).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def echo_json(payload) -> None:
    click.echo(json.dumps(payload, default=str, sort_keys=True))
