"""The `followup` command line. Each feature's commands live in `followup.commands.*`;
this module builds the group and turns expected errors into one-line messages."""

from __future__ import annotations

import sys

import click

from followup.commands.accounts import account_group
from followup.commands.core import db_group, user_group
from followup.commands.jobs import scheduler_command, worker_command
from followup.commands.importing import import_command
from followup.commands.pending import PENDING_COMMANDS
from followup.errors import EXPECTED_ERRORS


class FollowupGroup(click.Group):
    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except EXPECTED_ERRORS as exc:
            raise click.ClickException(str(exc)) from None


@click.group(cls=FollowupGroup)
@click.version_option(package_name="followup")
def main() -> None:
    """Tells you whom to follow up with, from your own mailbox."""


main.add_command(db_group)
main.add_command(user_group)
main.add_command(account_group)
# Feature commands: each feature registers its commands here, above the pending ones.
from followup.commands.detection import detect_command, tasks_command  # noqa: E402

main.add_command(detect_command)
main.add_command(tasks_command)
main.add_command(worker_command)
main.add_command(scheduler_command)
main.add_command(import_command)
from followup.commands.sync import sync_command  # noqa: E402

main.add_command(sync_command)
from followup.commands.web import demo_command, serve_command  # noqa: E402

main.add_command(serve_command)
main.add_command(demo_command)
from followup.commands.nlp import classify_command, nlp_group  # noqa: E402

main.add_command(nlp_group)
main.add_command(classify_command)
from followup.commands.digest import digest_group  # noqa: E402

main.add_command(digest_group)

for command in PENDING_COMMANDS:
    if command.name not in main.commands:
        main.add_command(command)


if __name__ == "__main__":
    sys.exit(main())
