"""Saving a task's drafted follow-up into the account's Drafts folder: the one path the web
UI, the API and `followup draft --save` share.

The account is read in one short transaction, the IMAP work happens with no transaction
open, and the saving is recorded on the task's history in another.
"""

from __future__ import annotations

from datetime import datetime

from followup.bootstrap import Runtime
from followup.db.session import session_scope
from followup.drafts import Draft, DraftError
from followup.db.models import FollowUpTask, MailAccount, User
from followup.tasks import record_event
from inbox_sync.drafts_folder import SAVE_TIMEOUT, SavedDraft, save_draft
from inbox_sync.imap_connection import ConnectionSettings

IMPORT_ONLY = "this mailbox is import-only (no IMAP server): download the draft as .eml instead"


def can_save(account: MailAccount) -> bool:
    return bool(account.imap_host)


def save_task_draft(runtime: Runtime, draft: Draft, actor: User | None, at: datetime) -> SavedDraft:
    """APPEND the draft to Drafts (replacing its earlier copy); `DraftError` for an import-only
    account, `inbox_sync.imap_errors.ImapError` when the server fails."""
    with session_scope(runtime.engine) as session:
        account = session.get(MailAccount, draft.account_id)
        if not can_save(account):
            raise DraftError(IMPORT_ONLY)
        settings = ConnectionSettings.for_account(account, runtime.settings.secret_key, timeout=SAVE_TIMEOUT)
    saved = save_draft(settings, draft.to_email(at), draft.message_id, at)
    with session_scope(runtime.engine) as session:
        task = session.get(FollowUpTask, draft.task_id)
        what = "replaced the draft" if saved.replaced else "saved a draft"
        record_event(session, task, "drafted", actor=actor, detail=f"{what} in {saved.folder}", at=at)
    return saved
