"""`followup db ...` and `followup user ...`."""

from __future__ import annotations

import click

from followup.commands.context import echo_json, json_option, read_secret
from followups.db import make_engine, reporting_unavailable, upgrade
from followups.db import session_scope
from followups.settings import load_settings
from followups.users import create_user


@click.group("db")
def db_group() -> None:
    """The database schema."""


@db_group.command("upgrade")
def db_upgrade() -> None:
    """Create the schema, or upgrade it to the latest revision."""
    settings = load_settings()
    with reporting_unavailable(settings.database_url):
        before, after = upgrade(make_engine(settings.database_url))
    if before == after:
        click.echo(f"database is up to date (revision {after})")
    else:
        click.echo(f"database upgraded from {before or 'empty'} to {after}")


@click.group("user")
def user_group() -> None:
    """Users of the service."""


@user_group.command("add")
@click.argument("email")
@click.option("--team", "team_name", default=None, help="Join (or create) this team.")
@click.option("--lead", is_flag=True, help="Make the user a lead of the team.")
@click.option("--name", "display_name", default="", help="Display name.")
@json_option
def user_add(email: str, team_name: str | None, lead: bool, display_name: str, as_json: bool) -> None:
    """Add a user; the password is read from stdin."""
    from followup.commands.context import runtime

    if lead and not team_name:
        raise click.UsageError("--lead needs --team")
    password = read_secret("Password")
    rt = runtime()
    with session_scope(rt.engine) as session:
        user = create_user(
            session, email, password, team_name=team_name, lead=lead, display_name=display_name
        )
        result = {"id": user.id, "email": user.email, "role": user.role, "team_id": user.team_id}
    if as_json:
        echo_json(result)
    else:
        team = f" in team {team_name}" if team_name else ""
        click.echo(f"user {result['email']} added (id {result['id']}, {result['role']}{team})")
