"""`followup digest send`: the daily digest mail, now (the scheduler sends it each morning)."""

from __future__ import annotations

import click
from sqlmodel import select

from followup.cli.context import echo_json, json_option, now_option, parse_now, runtime
from followup.nudges.digest_mail import DigestError, send_digest
from followup.db.session import session_scope
from followup.db.models import User
from followup.db.users import normalise_email


@click.group("digest")
def digest_group() -> None:
    """The daily digest mail."""


@digest_group.command("send")
@click.option("--user", "user_email", default=None, metavar="EMAIL",
              help="Only this user (sent even if their digest is switched off).")
@click.option("--due", "due_only", is_flag=True,
              help="Only users whose digest hour has come in their time zone (what the scheduler does; "
                   "for cron without Redis).")
@now_option
@click.option("--dry-run", is_flag=True, help="Print the digest instead of sending it; record nothing.")
@json_option
def digest_send(user_email: str | None, due_only: bool, now: str | None, dry_run: bool, as_json: bool) -> None:
    """Send today's digest (the user's local day) to each user with the digest on, at most once a day."""
    rt = runtime()
    moment = parse_now(now)
    with session_scope(rt.engine) as session:
        if user_email:
            user = session.exec(select(User).where(User.email == normalise_email(user_email))).first()
            if user is None:
                raise click.ClickException(f"no user {user_email!r}")
            user_ids = [user.id]
        elif not due_only:
            user_ids = list(session.exec(select(User.id).where(
                User.digest_enabled == True, User.is_active == True).order_by(User.id)))  # noqa: E712
    if due_only and not user_email:
        from followup.worker.schedule import digest_clocks, due_digests

        user_ids = [user_id for user_id, _day in due_digests(digest_clocks(rt), moment)]
    outcomes = []
    for user_id in user_ids:
        try:
            outcomes.append(send_digest(rt, user_id, moment, dry_run=dry_run))
        except DigestError as exc:
            raise click.ClickException(str(exc)) from None
    if as_json:
        echo_json([o.to_dict() for o in outcomes])
        return
    for o in outcomes:
        if o.status == "dry_run":
            click.echo(f"To: {o.email}\nSubject: {o.digest.subject}\n\n{o.digest.text}")
        elif o.status == "sent":
            click.echo(f"{o.email}: sent {o.task_count} follow-up{'s' if o.task_count != 1 else ''} ({o.day})")
        elif o.status == "already_sent":
            click.echo(f"{o.email}: already sent for {o.day}")
        else:
            click.echo(f"{o.email}: nothing due ({o.day}), no mail")
    if not outcomes:
        click.echo("no digest is due" if due_only else "no user has the digest on")
