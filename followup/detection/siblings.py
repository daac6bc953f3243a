"""One task per customer question, not per mailbox (issue #16).

The same mail synced into two mailboxes of one user, or of two teammates, is one question.
Its key is the Message-ID of the mail that triggered the task: a task of a sibling mailbox
(another account of the same user, or of a user in the same team) whose trigger's Message-ID
is also in this mailbox stands for the question here too. Detection then opens no second task
for it, and a closure here (a reply sent from this mailbox) closes that task. The task kept is
the one of the mailbox whose detection saw the mail first (a mailbox is detected right after
its own sync, so that is the one that received it first).

A customer gone quiet (dormant, an anniversary) is one task the same way, keyed on the
contact's address: `followup.detection.apply.TaskApplier.load_sibling_contact_tasks`.
"""

from __future__ import annotations

from typing import Iterator, Sequence

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import aliased
from sqlmodel import Session

from followup.db.bulk import chunks
from followup.db.models import FollowUpTask, MailAccount, Message, User


def sibling_account_ids(session: Session, account: MailAccount, user: User) -> list[int]:
    """The other mailboxes of the account's owner and of the owner's teammates."""
    owners = [MailAccount.user_id == user.id]
    if user.team_id is not None:
        owners.append(MailAccount.user_id.in_(select(User.id).where(User.team_id == user.team_id)))
    return list(session.execute(
        select(MailAccount.id).where(MailAccount.id != account.id, or_(*owners)).order_by(MailAccount.id)
    ).scalars())


def sibling_tasks(session: Session, account_id: int, sibling_ids: Sequence[int],
                  thread_ids: Sequence[int]) -> Iterator[tuple[int, int, FollowUpTask]]:
    """(thread here, message here, the sibling's task) for each task of a sibling mailbox whose
    trigger mail is also in one of these threads of this account, oldest task first."""
    if not sibling_ids or not thread_ids:
        return
    here, there = aliased(Message), aliased(Message)
    # Driven from the siblings' tasks: their trigger by primary key, then this account's copy
    # of it by (account_id, message_id_header), the index ix_message_account_msgid.
    query = (select(here.thread_id, here.id, FollowUpTask)
             .join(there, there.id == FollowUpTask.trigger_message_id)
             .join(here, and_(here.account_id == account_id,
                              here.message_id_header == there.message_id_header))
             .where(FollowUpTask.account_id.in_(sibling_ids), FollowUpTask.thread_id.is_not(None))
             .order_by(FollowUpTask.id))
    for chunk in chunks(sorted(thread_ids)):
        yield from session.execute(query.where(here.thread_id.in_(chunk))).all()
