"""`followup detect` and `followup tasks`: run follow-up detection, list open tasks."""

from __future__ import annotations

import click
from sqlalchemy import select

from followup.cli.context import account_option, echo_json, json_option, now_option, parse_now, runtime
from followup.db.accounts import find_account
from followup.db.session import session_scope
from followup.domain.calendar import CalendarError
from followup.detection.service import DetectionError, detect_account
from followup.tasks import list_open_tasks
from followup.db.models import MailAccount
from followup.domain.vocabulary import TaskKind


def _account_ids(session, account_ref: str | None) -> list[int]:
    if account_ref:
        return [find_account(session, account_ref).id]
    return list(session.execute(select(MailAccount.id).order_by(MailAccount.id)).scalars())


@click.command("detect")
@account_option
@now_option
@click.option("--full", is_flag=True, help="Look at every thread, not only those that changed or are due.")
@json_option
def detect_command(account_ref: str | None, now: str | None, full: bool, as_json: bool) -> None:
    """Detect whom to follow up with: open, nudge and close follow-up tasks."""
    moment = parse_now(now)
    rt = runtime()
    with session_scope(rt.engine) as session:
        account_ids = _account_ids(session, account_ref)
    reports = []
    for account_id in account_ids:  # one transaction per account
        try:
            with session_scope(rt.engine) as session:
                reports.append(detect_account(session, account_id, moment, full=full))
        except (DetectionError, CalendarError) as exc:  # e.g. a holiday country the package lacks
            raise click.ClickException(f"account {account_id}: {exc}") from None
    if as_json:
        echo_json({
            "now": moment.isoformat(),
            "accounts": [r.to_dict() for r in reports],
            **{name: sum(getattr(r, name) for r in reports)
               for name in ("threads", "opened", "reopened", "nudged", "closed")},
        })
        return
    if not reports:
        click.echo("no accounts (add one with `followup account add`)")
    for r in reports:
        click.echo(
            f"account {r.account_id}: {r.threads} threads looked at, {r.opened} opened, {r.reopened} reopened, "
            f"{r.nudged} nudged, {r.resolved} resolved, {r.expired} expired ({r.seconds:.2f} s)"
        )


@click.command("tasks")
@json_option
@now_option
@account_option
@click.option("--kind", type=click.Choice([k.value for k in TaskKind]), default=None, help="Only this kind.")
def tasks_command(as_json: bool, now: str | None, account_ref: str | None, kind: str | None) -> None:
    """List open follow-up tasks with their reasons, most urgent first."""
    moment = parse_now(now)
    rt = runtime()
    with session_scope(rt.engine) as session:
        account_ids = [find_account(session, account_ref).id] if account_ref else None
        rows = list_open_tasks(session, moment, account_ids=account_ids, kind=kind)
    if as_json:
        echo_json([row.to_dict() for row in rows])
        return
    if not rows:
        click.echo("no open follow-ups")
    for row in rows:
        when = "overdue" if row.overdue else f"due {row.due_at:%Y-%m-%d %H:%M} UTC"
        owner = f" → {row.assignee}" if row.assignee else ""
        click.echo(f"#{row.id} [{row.kind}] p{row.priority} {when}{owner}: {row.nudge}")
        click.echo(f"    {row.reason}")
