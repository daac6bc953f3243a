"""`followup sync`: bring accounts' mail into the database, once or continuously (--watch)."""

from __future__ import annotations

import sys

import click
from sqlmodel import select

from followup.cli.context import account_option, echo_json, json_option, runtime
from followup.worker.jobs import sync_account
from followup.db.accounts import AccountError, find_account
from followup.db.session import session_scope
from followup.db.models import Folder, MailAccount
from followup.domain.vocabulary import FolderRole
from inbox_sync.imap_connection import ConnectionSettings
from inbox_sync.imap_errors import ImapError
from inbox_sync.sync.reports import SyncError


@click.command("sync")
@account_option
@click.option("--all", "all_accounts", is_flag=True, help="Every account with an IMAP server.")
@click.option("--watch", is_flag=True, help="Keep running: IMAP IDLE on INBOX and Sent, sync on change.")
@click.option("--stop-after", type=float, default=None, hidden=True, help="With --watch: stop after N seconds.")
@json_option
def sync_command(account_ref, all_accounts, watch, stop_after, as_json) -> None:
    """Fetch new mail over IMAP, then classify it and detect follow-ups.

    Exits non-zero when any account failed; the error is also kept on the account
    (`followup account list` shows it).
    """
    if bool(account_ref) == bool(all_accounts):
        raise click.UsageError("give either --account ID or --all")
    rt = runtime()
    with session_scope(rt.engine) as session:
        if all_accounts:
            ids = list(session.exec(
                select(MailAccount.id).where(MailAccount.imap_host.is_not(None)).order_by(MailAccount.id)
            ))
        else:
            account = find_account(session, account_ref)
            if not account.imap_host:
                raise click.ClickException(f"account {account.id} is import-only (no IMAP server to sync)")
            ids = [account.id]

    if rt.settings.redis_url and not watch:
        _enqueue(rt, ids, as_json)
        return
    results = [_sync_one(rt, account_id, as_json) for account_id in ids]
    if as_json and watch:
        for result in results:  # one JSON object a line, as the later syncs print them
            echo_json(result)
    elif as_json:
        echo_json(results if all_accounts else results[0])
    if not ids and not as_json:
        click.echo("no accounts with an IMAP server (add one with `followup account add`)")
    failed = [r for r in results if not r["ok"]]
    if watch:
        _watch(rt, [r["account_id"] for r in results if r.get("status") != "auth_failed"], as_json, stop_after)
    if failed:
        sys.exit(1)


def _enqueue(rt, ids: list[int], as_json: bool) -> None:
    """With Redis, workers sync: queue each account once (already queued ones are skipped)."""
    from followup.worker.queues import connect, enqueue_sync, sync_job_id

    conn = connect(rt.settings)
    queued = [account_id for account_id in ids if enqueue_sync(conn, account_id) is not None]
    if as_json:
        echo_json({"queued": queued, "already_queued": [i for i in ids if i not in queued]})
        return
    for account_id in ids:
        state = "queued" if account_id in queued else "already queued or running"
        click.echo(f"account {account_id}: sync {state} ({sync_job_id(account_id)})")


def _sync_one(rt, account_id: int, as_json: bool) -> dict:
    try:
        report = sync_account(account_id, runtime=rt)
    except Exception as exc:  # one account failing does not stop the others; exit status says so
        status = getattr(exc, "status", "error")
        if not isinstance(exc, (ImapError, SyncError, AccountError)):
            exc = f"{exc.__class__.__name__}: {exc}"  # type: ignore[assignment]
        if not as_json:
            click.echo(f"account {account_id}: sync failed: {exc}", err=True)
        return {"account_id": account_id, "ok": False, "status": status, "error": str(exc)}
    result = {"ok": True, "status": "ok", "error": None} | report.to_dict()
    if not as_json:
        folders = ", ".join(f"{f.name} {f.fetched}" for f in report.folders)
        deleted = f", {report.marked_deleted} deleted on server" if report.marked_deleted else ""
        retries = f", {report.retries} reconnects" if report.retries else ""
        click.echo(
            f"account {account_id}: {report.fetched} fetched ({folders}), {report.created} new"
            f"{deleted}{retries} in {report.seconds:.1f} s"
        )
    return result


def _watch(rt, account_ids: list[int], as_json: bool, stop_after: float | None) -> None:
    from inbox_sync.idle import watch

    targets = {}
    with session_scope(rt.engine) as session:
        for account_id in account_ids:
            account = session.get(MailAccount, account_id)
            folders = [
                f.name for f in session.exec(select(Folder).where(Folder.account_id == account_id))
                if f.role in (FolderRole.INBOX, FolderRole.SENT, FolderRole.ALL)
            ] or ["INBOX"]
            settings = ConnectionSettings.for_account(account, rt.settings.secret_key)
            targets[account_id] = (settings, folders)
    if not targets:
        return
    if not as_json:
        watched = "; ".join(f"account {a}: {', '.join(f)}" for a, (_s, f) in targets.items())
        click.echo(f"watching ({watched}); Ctrl-C stops")

    def on_change(account_id: int) -> None:
        result = _sync_one(rt, account_id, as_json)
        if as_json:
            echo_json(result)

    watch(targets, on_change, stop_after=stop_after)
