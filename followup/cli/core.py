"""`followup db ...` and `followup user ...`."""

from __future__ import annotations

import click

from followup.cli.context import echo_json, json_option, read_secret
from followup.db.session import make_engine, reporting_unavailable, upgrade
from followup.db.session import session_scope
from followup.config import load_settings
from followup.db.users import create_user, disable_user, get_user, set_password


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
    from followup.cli.context import runtime

    if lead and not team_name:
        raise click.UsageError("--lead needs --team")
    password = read_secret("Password")
    rt = runtime()
    with session_scope(rt.engine) as session:
        user = create_user(
            session, email, password, team_name=team_name, lead=lead, display_name=display_name,
            hash_method=rt.settings.password_hash,
        )
        result = {"id": user.id, "email": user.email, "role": user.role, "team_id": user.team_id}
    if as_json:
        echo_json(result)
    else:
        team = f" in team {team_name}" if team_name else ""
        click.echo(f"user {result['email']} added (id {result['id']}, {result['role']}{team})")


@user_group.command("passwd")
@click.argument("email")
def user_passwd(email: str) -> None:
    """Set a user's password (read from stdin); every session of the user ends."""
    from followup.cli.context import runtime

    password = read_secret("New password")
    rt = runtime()
    with session_scope(rt.engine) as session:
        user = get_user(session, email)
        set_password(user, password, rt.settings.password_hash)
        email = user.email
    click.echo(f"password of {email} changed; every session of the user is signed out")


@user_group.command("disable")
@click.argument("email")
def user_disable(email: str) -> None:
    """Stop a user: no sign-in, no API token, every session ends."""
    from followup.cli.context import runtime

    with session_scope(runtime().engine) as session:
        user = get_user(session, email)
        disable_user(user)
        email = user.email
    click.echo(f"user {email} disabled: signed out everywhere, API token revoked")
