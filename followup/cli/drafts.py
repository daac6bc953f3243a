"""`followup draft TASK_ID`: the drafted follow-up of a task, printed or saved to Drafts."""

from __future__ import annotations

import click

from followup.cli.context import echo_json, json_option, now_option, parse_now, runtime
from followup.drafting import save_task_draft
from followup.db.session import MAX_ROW_ID, session_scope
from followup.drafts import DraftError, draft_languages, load_draft
from followup.db.models import FollowUpTask, MailAccount, User
from inbox_sync.imap_errors import ImapError


@click.command("draft")
@click.argument("task_id", type=click.IntRange(1, MAX_ROW_ID))
@click.option("--save", is_flag=True, help="Put it into the account's Drafts folder (replacing an earlier copy).")
@click.option("--language", type=click.Choice(sorted(draft_languages())), default=None,
              help="Write it in this language instead of the thread's.")
@now_option
@json_option
def draft_command(task_id: int, save: bool, language: str | None, now: str | None, as_json: bool) -> None:
    """Print the follow-up mail drafted for a task; with --save, put it in Drafts."""
    moment = parse_now(now)
    rt = runtime()
    with session_scope(rt.engine) as session:
        task = session.get(FollowUpTask, task_id)
        if task is None:
            raise click.ClickException(f"no task has the id {task_id}")
        draft = load_draft(session, task, language=language)
        owner = session.get(User, session.get(MailAccount, task.account_id).user_id)
    saved = None
    if save:
        try:
            saved = save_task_draft(rt, draft, owner, moment)
        except (DraftError, ImapError) as exc:
            raise click.ClickException(str(exc)) from None
    if as_json:
        echo_json({"draft": draft.to_json(), "saved": saved.to_json() if saved else None})
        return
    click.echo(_printable(draft))
    if saved:
        click.echo(f"saved to {saved.folder}" + (" (replaced the earlier draft)" if saved.replaced else ""), err=True)


def _printable(draft) -> str:
    """The draft as the rep reads it: the headers that matter, then the text (not MIME-encoded)."""
    headers = [f"From: {draft.from_addr}", f"To: {', '.join(draft.to)}"]
    if draft.cc:
        headers.append(f"Cc: {', '.join(draft.cc)}")
    headers.append(f"Subject: {draft.subject}")
    if draft.in_reply_to:
        headers.append(f"In-Reply-To: <{draft.in_reply_to}>")
    return "\n".join(headers) + "\n\n" + draft.body
