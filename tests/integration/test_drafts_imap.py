"""A drafted follow-up saved into the real Dovecot's Drafts folder (SQLite and PostgreSQL):
it lands with \\Draft, threads onto the customer's message, a second save replaces the first,
a missing Drafts folder is created, and the copy the rep sends closes the task at the next sync."""

from __future__ import annotations

import datetime as dt
import json
import re
import secrets

import pytest
from click.testing import CliRunner
from sqlmodel import select

from followup.cli.main import main
from followup.drafting import save_task_draft
from followup.worker.jobs import sync_account
from followup.db.session import session_scope
from followup.drafts import load_draft
from followup.db.models import FollowUpTask, TaskEvent, User
from followup.domain.vocabulary import TaskStatus
from tests.services.dovecot import DovecotServer
from tests.services.fixtures import ImapUser
from tests.integration.mailboxes import NOW, append_quote_request, drafts, make_account, needs_reply_task


def draft_of(rt, task_id, **kw):
    with session_scope(rt.engine) as session:
        return load_draft(session, session.get(FollowUpTask, task_id), **kw)


def owner(rt) -> User:
    with session_scope(rt.engine) as session:
        return session.exec(select(User)).first()


def test_saved_draft_lands_in_drafts_threaded_replaced_not_duplicated_and_sending_it_closes_the_task(runtime, imap_user):
    append_quote_request(imap_user)
    account_id = make_account(runtime, imap_user)
    sync_account(account_id, runtime=runtime)
    task = needs_reply_task(runtime, account_id)
    draft = draft_of(runtime, task.id)
    assert draft.to == ("Ann Buyer <ann@client.com>",) and draft.subject == "Re: Quote for 40 chairs"
    assert "> Could you send me a quote for 40 chairs by Friday?" in draft.text

    saved = save_task_draft(runtime, draft, owner(runtime), NOW)

    assert (saved.folder, saved.replaced, saved.created_folder) == ("Drafts", 0, False)
    [(flags, copy)] = drafts(imap_user)
    assert "\\Draft" in flags
    assert copy["In-Reply-To"] == "<q1@client.com>" and copy["References"] == "<q1@client.com>"
    assert copy["From"] == "Owner <rep@example.com>" and copy["To"] == "Ann Buyer <ann@client.com>"
    assert copy["Subject"] == "Re: Quote for 40 chairs"
    assert "> Could you send me a quote for 40 chairs by Friday?" in copy.get_content()

    # The rep changes the answer and saves again: still one draft, the new text.
    edited = draft.edited(to="Ann Buyer <ann@client.com>", cc="", subject=draft.subject,
                          text="Hi Ann,\n\n40 chairs are 1,200 EUR, delivered Friday.\n")
    again = save_task_draft(runtime, edited, owner(runtime), NOW + dt.timedelta(minutes=5))
    assert again.replaced == 1
    [(_flags, copy)] = drafts(imap_user)
    assert "1,200 EUR" in copy.get_content() and copy["Message-ID"] == f"<{draft.message_id}>"
    with session_scope(runtime.engine) as session:
        history = [(e.event, e.detail) for e in session.exec(
            select(TaskEvent).where(TaskEvent.task_id == task.id, TaskEvent.event == "drafted").order_by(TaskEvent.id))]
    assert history == [("drafted", "saved a draft in Drafts"), ("drafted", "replaced the draft in Drafts")]

    # The rep's client sends it: the copy lands in Sent, and the next sync closes the task.
    sent = NOW - dt.timedelta(minutes=1)  # NOW is the test session's start: detection runs later
    imap_user.append("Sent", edited.to_email(sent).as_bytes(), flags=[b"\\Seen"], msg_time=sent)
    sync_account(account_id, runtime=runtime)
    assert needs_reply_task(runtime, account_id).status == TaskStatus.RESOLVED


class DovecotWithoutDrafts(DovecotServer):
    """A server whose users get no Drafts folder (the shared one creates it for every user)."""

    def config_text(self) -> str:
        return re.sub(r"  mailbox Drafts \{[^}]*\}\n", "", super().config_text())


@pytest.fixture(scope="module")
def bare_dovecot():
    with DovecotWithoutDrafts() as server:
        yield server


def test_missing_drafts_folder_is_created_and_the_cli_saves_and_prints_json(runtime, bare_dovecot):
    imap_user = ImapUser(f"bare-{secrets.token_hex(3)}", secrets.token_urlsafe(12), bare_dovecot)
    bare_dovecot.add_user(imap_user.name, imap_user.password)
    append_quote_request(imap_user)
    with imap_user.client() as client:
        assert "Drafts" not in {name for _f, _d, name in client.list_folders()}
    account_id = make_account(runtime, imap_user)
    sync_account(account_id, runtime=runtime)
    task = needs_reply_task(runtime, account_id)

    result = CliRunner().invoke(main, ["draft", str(task.id), "--save", "--json", "--now", NOW.isoformat()])

    assert result.exit_code == 0, result.output
    out = json.loads(result.output.strip().splitlines()[-1])
    assert out["draft"]["subject"] == "Re: Quote for 40 chairs" and out["draft"]["language"] == "en"
    assert out["saved"]["folder"] == "Drafts" and out["saved"]["created_folder"] is True
    [(flags, copy)] = drafts(imap_user)
    assert "\\Draft" in flags and copy["In-Reply-To"] == "<q1@client.com>"

