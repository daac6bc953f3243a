"""The `followup` command line. Each feature's commands live in `followup.cli.*`;
this module builds the group and turns expected errors into one-line messages."""

from __future__ import annotations

import sys

import click

from followup.cli.accounts import account_group
from followup.cli.core import db_group, user_group
from followup.cli.detection import detect_command, tasks_command
from followup.cli.digest import digest_group
from followup.cli.importing import import_command
from followup.cli.jobs import scheduler_command, worker_command
from followup.cli.nlp import classify_command, nlp_group
from followup.cli.sync import sync_command
from followup.cli.web import demo_command, serve_command
from followup.errors import FollowupError
from followup.cli.drafts import draft_command


class FollowupGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except FollowupError as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=FollowupGroup)
@click.version_option(package_name="followup")
def main() -> None:
    """Tells you whom to follow up with, from your own mailbox."""


for command in (
    demo_command, db_group, user_group, account_group, sync_command, import_command,
    classify_command, nlp_group, detect_command, tasks_command, draft_command, digest_group,
    serve_command, worker_command, scheduler_command,
):
    main.add_command(command)


if __name__ == "__main__":
    sys.exit(main())
