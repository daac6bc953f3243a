"""`followup serve` and `followup demo`: the web UI, on its own or with the demo mailbox."""

from __future__ import annotations

import os
import secrets
from datetime import datetime
from pathlib import Path

import click
from sqlmodel import select

from followup.bootstrap import Runtime
from followup.cli.context import parse_now, runtime

DEMO_TEAM = "Demo team"
DEMO_PASSWORD_ENV = "FOLLOWUP_DEMO_PASSWORD"

host_option = click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
port_option = click.option("--port", type=int, default=5000, show_default=True, help="Port to listen on.")


def _serve(rt: Runtime, host: str, port: int, now: datetime | None = None) -> None:
    from werkzeug.serving import run_simple

    from web import create_app

    app = create_app(rt, {"FOLLOWUP_NOW": now} if now else None)
    if rt.settings.jobs_inline:  # no Redis: this process syncs and sends digests itself
        from followup.worker.schedule import InlineTimer

        InlineTimer(rt).start()
    click.echo(f"serving on http://{host}:{port}/  (Ctrl-C stops; for many users run it under granian, see the README)")
    run_simple(host, port, app, threaded=True, use_reloader=False, use_debugger=False)


@click.command("serve")
@host_option
@port_option
def serve_command(host: str, port: int) -> None:
    """Serve the web UI (Flask's threaded server; granian at scale, see the README)."""
    _serve(runtime(), host, port)


@click.command("demo")
@host_option
@port_option
@click.option("--write-mbox", "write_mbox", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Only write the demo mailbox (mbox) to this file and exit.")
@click.option("--now", "now_text", default=None, metavar="ISO", help="Pretend it is this time (ISO 8601).")
@click.option("--no-serve", is_flag=True, help="Set up the demo user and mailbox, then exit.")
def demo_command(host: str, port: int, write_mbox: Path | None, now_text: str | None, no_serve: bool) -> None:
    """The whole product on a demo mailbox: a demo user, its mail imported, classified and
    followed up, and the web UI to look at it."""
    now = parse_now(now_text)
    from followup import demo

    if write_mbox is not None:
        summary = demo.write_demo_mbox(write_mbox, now)
        click.echo(f"wrote {summary.messages} messages in {summary.threads} threads to {write_mbox}")
        return
    rt = runtime()
    user_email, password, account_id = setup_demo(rt, now, demo)
    if password is not None:
        click.echo(f"demo user: {user_email}")
        click.echo(f"password:  {password}   (shown once; set {DEMO_PASSWORD_ENV} to choose it)")
    else:
        click.echo(f"demo user: {user_email}  (password from {DEMO_PASSWORD_ENV})")
    if not no_serve:
        _serve(rt, host, port, now if now_text else None)


def setup_demo(rt: Runtime, now: datetime, demo) -> tuple[str, str | None, int]:
    """Create (or refresh) the demo user, team and account, import the demo mailbox and run
    the pipeline. Returns (email, the password when generated here, account id)."""
    from followup.pipeline import process_account
    from followup.db.accounts import create_account
    from followup.db.session import session_scope
    from followup.db.models import MailAccount, User
    from followup.db.users import UserError, create_user, get_or_create_team, set_password
    from inbox_sync.importer import import_mailbox

    email = demo.DEMO_USER_EMAIL
    chosen = os.environ.get(DEMO_PASSWORD_ENV)
    password = chosen or secrets.token_urlsafe(12)
    with session_scope(rt.engine) as session:
        user = session.exec(select(User).where(User.email == email)).first()
        try:
            if user is None:
                user = create_user(session, email, password, team_name=DEMO_TEAM, lead=True,
                                   display_name="Alex Morgan", hash_method=rt.settings.password_hash)
            else:
                set_password(user, password, rt.settings.password_hash)  # the same rule as every password; old sessions end
        except UserError as exc:
            raise UserError(f"{DEMO_PASSWORD_ENV}: {exc}") from None
        colleague_email = getattr(demo, "COLLEAGUE_EMAIL", None)
        if colleague_email and not session.exec(select(User).where(User.email == colleague_email)).first():
            colleague = create_user(session, colleague_email, secrets.token_urlsafe(16), team_name=DEMO_TEAM,
                                    hash_method=rt.settings.password_hash)
            colleague.team_id = user.team_id
        if user.team_id is None:
            user.team_id = get_or_create_team(session, DEMO_TEAM).id
        account = session.exec(
            select(MailAccount).where(MailAccount.user_id == user.id, MailAccount.imap_host.is_(None))
        ).first()
        if account is None:
            internal = getattr(demo, "DEMO_INTERNAL_DOMAIN", None)
            account = create_account(session, rt.settings.secret_key, user=user, addresses=[email],
                                     internal_domains=[internal] if internal else [], name="Demo mailbox")
        account_id = account.id
    path = rt.settings.data_dir / "demo" / "demo.mbox"
    summary = demo.write_demo_mbox(path, now)
    imported = import_mailbox(rt.engine, account_id, path)
    counts = process_account(rt, account_id, now)
    with session_scope(rt.engine) as session:
        from sqlalchemy import func

        from followup.db.models import FollowUpTask
        from followup.tasks import open_task_clause, upcoming_task_clause

        def count(clause) -> int:
            return session.exec(select(func.count()).select_from(FollowUpTask)
                                .where(FollowUpTask.account_id == account_id, clause)).one()

        open_tasks, upcoming_tasks = count(open_task_clause(now)), count(upcoming_task_clause(now))
    if not open_tasks:
        raise click.ClickException(
            f"the demo mailbox was imported but no follow-ups came out of it ({counts.classified} "
            f"messages classified, detection: {counts.detection.to_dict()})"
        )
    click.echo(
        f"demo mailbox: {summary.messages} messages in {summary.threads} threads "
        f"({imported.stored} new), {counts.classified} classified, {open_tasks} follow-ups open, {upcoming_tasks} upcoming"
    )
    return email, (None if chosen else password), account_id
