"""`followup import PATH --account ACCOUNT`: an mbox file, a Maildir, a folder of .eml files or one."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from followup.cli.context import echo_json, json_option, now_option, parse_now, runtime
from followup.pipeline import PendingClassifier, process_account
from followup.db.accounts import find_account
from followup.db.session import session_scope
from inbox_sync.importer import default_parse_workers, import_mailbox
from inbox_sync.mailbox_files import MailboxError, total_size


@click.command("import")
@click.argument("path", type=click.Path(exists=True, path_type=Path))
@click.option("--account", "account_ref", required=True, help="The account: its id or one of its addresses.")
@now_option
@json_option
def import_command(path: Path, account_ref: str, now: str | None, as_json: bool) -> None:
    """Import mail from an mbox file or a Maildir (same parse, thread and store path as sync).

    Importing the same mailbox again stores nothing new. Exits 1 when a message failed.
    In a folder, entries that are no message file (a FIFO, a device, a broken link, a link
    out of the folder, a file over 100 MiB) are skipped, each named on stderr.
    """
    when = parse_now(now)
    rt = runtime()
    workers = default_parse_workers()
    with session_scope(rt.engine) as session:
        account_id = find_account(session, account_ref).id
    # Each batch is labelled as soon as it is stored, so that a parse worker parses the next
    # one meanwhile (labelling after the whole import left the worker idle).
    classifier = PendingClassifier(rt, account_id)
    try:
        if sys.stderr.isatty() and not as_json:
            with click.progressbar(length=total_size(path), label=f"importing {path.name}",
                                   file=sys.stderr) as bar:
                summary = import_mailbox(rt.engine, account_id, path, on_progress=bar.update,
                                         parse_workers=workers, after_batch=classifier)
                bar.update(max(bar.length - bar.pos, 0))  # separators between messages
            click.echo("labelling what is left and detecting follow-ups ...", err=True)
        else:
            summary = import_mailbox(rt.engine, account_id, path, parse_workers=workers,
                                     after_batch=classifier)
    except MailboxError as exc:
        raise click.ClickException(str(exc)) from None
    processed = process_account(rt, account_id, when, classifier)
    for skipped in summary.skipped:
        click.echo(f"skipped: {skipped}", err=True)
    for error in summary.errors:
        click.echo(f"failed: {error}", err=True)
    if as_json:
        echo_json(summary.to_dict() | {"account": account_id, "processed": processed.to_dict()})
    else:
        click.echo(
            f"read {summary.read}, stored {summary.stored}, duplicates {summary.duplicates}, "
            f"with warnings {summary.warnings}, failed {summary.failed}, skipped {len(summary.skipped)}; "
            f"account {account_id} has {summary.threads} threads"
        )
    if summary.failed:
        sys.exit(1)
