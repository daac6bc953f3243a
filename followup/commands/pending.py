"""Commands whose feature has not landed yet: they say so and exit non-zero.

Each feature's module replaces its entry here when it lands (see followup/cli.py).
"""

from __future__ import annotations

import click

PENDING = {
    "demo": ("issue 7", "the web UI demo"),
    "sync": ("issue 4", "IMAP sync"),
    "import": ("issue 3", "mbox and Maildir import"),
    "detect": ("issue 6", "follow-up detection"),
    "tasks": ("issue 6", "follow-up detection"),
    "classify": ("issue 5", "the classifier"),
    "nlp": ("issue 5", "the classifier"),
    "serve": ("issue 7", "the web UI"),
    "worker": ("issue 8", "background jobs"),
    "scheduler": ("issue 8", "background jobs"),
}


def _pending(name: str, issue: str, feature: str) -> click.Command:
    @click.command(name, context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
                   help=f"Not available yet: {feature} ({issue}).")
    def command() -> None:
        raise click.ClickException(f"`followup {name}` is not available yet: {feature} arrives with {issue}")

    return command


PENDING_COMMANDS = [_pending(name, *info) for name, info in PENDING.items()]
