"""Every query the web app makes about mail or tasks starts here, scoped to the signed-in user.

The rule: a user sees the accounts they own, the threads and messages of those accounts, the
tasks of those accounts that are not handed to a teammate, and the tasks handed to them. A
team lead also sees the whole team's complaints (and the threads behind them). Anything
else is a 404, never a 403: ids that are not yours do not exist for you.
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import and_, exists, or_
from sqlmodel import Session, select

from followup.db.models import FollowUpTask, MailAccount, Message, Thread, User
from followup.domain.vocabulary import Role, TaskKind


def is_lead(user: User) -> bool:
    return user.role == Role.LEAD and user.team_id is not None


def user_account_ids(user: User):
    """A subquery of the ids of the user's own mail accounts."""
    return select(MailAccount.id).where(MailAccount.user_id == user.id)


def user_accounts(user: User):
    return select(MailAccount).where(MailAccount.user_id == user.id).order_by(MailAccount.id)


def mine_clause(user: User):
    """Tasks on the user's own list: theirs unless handed to someone else, plus those handed to them."""
    return or_(
        and_(
            FollowUpTask.user_id == user.id,
            or_(FollowUpTask.assignee_id.is_(None), FollowUpTask.assignee_id == user.id),
        ),
        FollowUpTask.assignee_id == user.id,
    )


def visible_task_clause(user: User):
    """Tasks the user may see and act on."""
    clauses = [FollowUpTask.user_id == user.id, FollowUpTask.assignee_id == user.id]
    if is_lead(user):
        clauses.append(
            and_(FollowUpTask.team_id == user.team_id, FollowUpTask.kind == TaskKind.COMPLAINT)
        )
    return or_(*clauses)



def user_tasks(user: User):
    return select(FollowUpTask).where(visible_task_clause(user))


def my_tasks(user: User):
    return select(FollowUpTask).where(mine_clause(user))


def team_complaints(user: User):
    """The complaint board: a lead sees the team's, a member their own and those handed to them."""
    query = select(FollowUpTask).where(FollowUpTask.kind == TaskKind.COMPLAINT)
    if is_lead(user):
        return query.where(or_(FollowUpTask.team_id == user.team_id, visible_task_clause(user)))
    return query.where(visible_task_clause(user))


def teammates(session: Session, user: User) -> list[User]:
    if user.team_id is None:
        return [user]
    return list(
        session.exec(
            select(User).where(User.team_id == user.team_id, User.is_active).order_by(User.display_name, User.email)
        )
    )


def counted_mailboxes(session: Session, user: User) -> list[MailAccount]:
    """Whose mailboxes the lead's page counts: a lead's the active teammates' (theirs too),
    anyone else's their own."""
    if is_lead(user):
        owners = select(User.id).where(User.team_id == user.team_id, User.is_active)
        query = select(MailAccount).where(MailAccount.user_id.in_(owners))
    else:
        query = select(MailAccount).where(MailAccount.user_id == user.id)
    return list(session.exec(query.order_by(MailAccount.id)))


def get_user_account_or_404(session: Session, user: User, account_id: int) -> MailAccount:
    account = session.get(MailAccount, account_id)
    if account is None or account.user_id != user.id:
        abort(404)
    return account


def get_user_task_or_404(session: Session, user: User, task_id: int) -> FollowUpTask:
    task = session.exec(
        select(FollowUpTask).where(FollowUpTask.id == task_id, visible_task_clause(user))
    ).first()
    if task is None:
        abort(404)
    return task


def thread_visible_clause(user: User):
    """Threads of the user's accounts, or behind a task the user may see."""
    task_behind = exists().where(FollowUpTask.thread_id == Thread.id, visible_task_clause(user))
    return or_(Thread.account_id.in_(user_account_ids(user)), task_behind)


def get_user_thread_or_404(session: Session, user: User, thread_id: int) -> Thread:
    thread = session.exec(
        select(Thread).where(Thread.id == thread_id, thread_visible_clause(user))
    ).first()
    if thread is None:
        abort(404)
    return thread


def get_user_message_or_404(session: Session, user: User, message_id: int) -> Message:
    message = session.get(Message, message_id)
    if message is None or message.thread_id is None:
        abort(404)
    get_user_thread_or_404(session, user, message.thread_id)
    return message

