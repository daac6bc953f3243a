"""Shared helpers for commands: the runtime, reading secrets from stdin, JSON output."""

from __future__ import annotations

import json
import sys
from datetime import datetime, timezone

import click

from followup.bootstrap import Runtime, bootstrap
from followup.db.session import MAX_ROW_ID

LATEST_NOW = datetime(9000, 1, 1, tzinfo=timezone.utc)
"""`--now` must leave room for the due dates and look-aheads computed from it (years at most)."""


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
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=timezone.utc)
    if parsed >= LATEST_NOW:
        raise click.ClickException(f"--now: must be before {LATEST_NOW:%Y-%m-%d}, got {value!r}")
    return parsed


def _check_account_ref(_ctx, _param, value: str | None) -> str | None:
    if value and value.strip().isdigit() and int(value) > MAX_ROW_ID:
        raise click.ClickException(f"--account: no account has the id {value.strip()} (ids go up to {MAX_ROW_ID})")
    return value


now_option = click.option("--now", "now", default=None, metavar="ISO", help="Pretend it is this time (ISO 8601).")
account_option = click.option("--account", "account_ref", default=None, metavar="ID", callback=_check_account_ref,
                              help="Only this account (its id or one of its addresses).")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


def echo_json(payload) -> None:
    click.echo(json.dumps(payload, default=str, sort_keys=True))
