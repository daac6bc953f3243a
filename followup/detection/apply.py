"""Detection's writing (`followup.detection.service`, steps 4 and 5): `TaskApplier` turns the
rules' proposals and closures into `FollowUpTask` rows and `TaskEvent`s, idempotently, and
`mark_threads` stores each thread's next look.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Sequence

from sqlalchemy import bindparam, select
from sqlmodel import Session

from followup.db.bulk import chunks, insert_and_read_ids
from followup.db.models import Contact, FollowUpTask, MailAccount, TaskEvent, Team, Thread, User
from followup.detection.load import ThreadRow
from followup.detection.siblings import sibling_account_ids, sibling_tasks
from followup.domain.rules.contact import anniversary_key, dormant_key
from followup.domain.rules.views import Outcome, TaskClosure, TaskProposal, thread_key
from followup.domain.vocabulary import OPEN_STATUSES, TaskKind, TaskStatus

if TYPE_CHECKING:  # the service imports this module: its report type only for the checker
    from followup.detection.service import DetectionReport

CONTACT_KINDS = (TaskKind.DORMANT_CUSTOMER, TaskKind.ANNIVERSARY)


class TaskApplier:
    """Turns proposals and closures into task rows and events, counting what it did."""

    def __init__(self, session: Session, account: MailAccount, user: User, now: datetime,
                 report: DetectionReport) -> None:
        self.session, self.account, self.user, self.now = session, account, user, now
        self.report = report
        self.contact_ids: dict[str, int] = {}  # set once the contacts are saved
        self.tasks: dict[str, FollowUpTask] = {}
        self.new_rows: dict[str, dict] = {}  # inserted in bulk: building ORM objects is slow
        self.events: list[tuple[FollowUpTask | str, str, str]] = []  # (task, or key of a new one)
        self.proposed: set[str] = set()
        self._members: list[int] | None = None
        # The same question's task in a sibling mailbox (followup.detection.siblings), by
        # (this account's copy of its trigger message, kind) and by the key it has here.
        self._sibling_ids: list[int] | None = None
        self.sibling_questions: dict[tuple[int, str], FollowUpTask] = {}
        self.sibling_keys: dict[str, FollowUpTask] = {}

    def load(self, thread_ids: Sequence[int], full: bool) -> None:
        base = select(FollowUpTask).where(FollowUpTask.account_id == self.account.id)
        if full:
            queries = [base]
        else:
            queries = [base.where(FollowUpTask.kind.in_(CONTACT_KINDS))]
            queries += [base.where(FollowUpTask.thread_id.in_(chunk)) for chunk in chunks(thread_ids)]
        for query in queries:
            for task in self.session.execute(query).scalars():
                self.tasks[task.key] = task
        if self._sibling_ids is None:
            self._sibling_ids = sibling_account_ids(self.session, self.account, self.user)
        for thread_id, message_id, task in sibling_tasks(self.session, self.account.id, self._sibling_ids,
                                                         thread_ids):
            self.sibling_questions.setdefault((message_id, task.kind), task)
            key = thread_key(task.kind, thread_id)
            if key not in self.sibling_keys or self.sibling_keys[key].status not in OPEN_STATUSES:
                self.sibling_keys[key] = task  # an open one, if any, is the one a closure here closes

    def load_sibling_contact_tasks(self) -> set[str]:
        """The open dormant-customer and anniversary tasks of sibling mailboxes about contacts
        this mailbox knows too (by address, once `contact_ids` is set), under the key each would
        have here; returns those keys. One customer gone quiet is one task for the user (team):
        no second one opens here, and mail with them here closes that one."""
        if self._sibling_ids is None:
            self._sibling_ids = sibling_account_ids(self.session, self.account, self.user)
        if not self._sibling_ids:
            return set()
        query = (select(FollowUpTask, Contact.email).join(Contact, Contact.id == FollowUpTask.contact_id)
                 .where(FollowUpTask.account_id.in_(self._sibling_ids), FollowUpTask.kind.in_(CONTACT_KINDS),
                        FollowUpTask.status.in_(OPEN_STATUSES))
                 .order_by(FollowUpTask.id))
        keys = set()
        for task, email in self.session.execute(query).all():
            here = self.contact_ids.get(email)
            if here is None:
                continue
            if task.kind == TaskKind.DORMANT_CUSTOMER:
                key = dormant_key(here)
            else:
                key = anniversary_key(here, int(task.key.rpartition(":")[2]))
            if key not in self.tasks:
                self.sibling_keys.setdefault(key, task)
                keys.add(key)
        return keys

    def open_keys(self) -> set[str]:
        keys = {key for key, task in self.tasks.items() if task.status in OPEN_STATUSES}
        return keys | {key for key, task in self.sibling_keys.items() if task.status in OPEN_STATUSES}

    def apply(self, outcome: Outcome) -> None:
        for proposal in outcome.proposals:
            self.proposed.add(proposal.key)
            self._propose(proposal)
        for closure in outcome.closures:
            if closure.key not in self.proposed:
                self._close(closure)

    def _propose(self, p: TaskProposal) -> None:
        task = self.tasks.get(p.key)
        if task is None:
            if p.key in self.new_rows or (p.trigger_message_id, str(p.kind)) in self.sibling_questions:
                return  # a sibling mailbox has this question's task, open or closed: no second one
            if p.kind in CONTACT_KINDS and p.key in self.sibling_keys:
                return  # a sibling mailbox has this customer's open task
            assignee = self._next_assignee() if p.team_task else None
            self.new_rows[p.key] = dict(
                account_id=self.account.id, user_id=self.user.id, key=p.key, status=TaskStatus.OPEN,
                team_id=self.user.team_id if p.team_task else None, assignee_id=assignee,
                snooze_until=None, created_at=self.now, updated_at=self.now, closed_at=None,
                **self._values(p),
            )
            self.events.append((p.key, "opened", p.reason))
            if p.team_task:
                self.events.append((p.key, "assigned", self._assignment_detail(assignee)))
            self.report.opened += 1
            return
        new_trigger = (task.trigger_message_id != p.trigger_message_id if p.trigger_message_id is not None
                       else task.due_at != p.due_at)
        if task.status in OPEN_STATUSES:
            nudged = not new_trigger and p.nudge_count > task.nudge_count
            if new_trigger:
                self.events.append((task, "retriggered", p.reason))
                self.report.retriggered += 1
                if task.status == TaskStatus.SNOOZED:  # something new: the snooze ends
                    task.status, task.snooze_until = TaskStatus.OPEN, None
            elif nudged:
                self.events.append((task, "nudged", p.nudge))
                self.report.nudged += 1
            if self._fill(task, p) and not (new_trigger or nudged):
                self.report.updated += 1
            return
        if not new_trigger:
            return  # done, dismissed, resolved or expired: stays closed until something new happens
        task.status, task.closed_at, task.snooze_until = TaskStatus.OPEN, None, None
        self._fill(task, p, force=True)
        if p.team_task and task.assignee_id is None:
            task.assignee_id = self._next_assignee()
            self.events.append((task, "assigned", self._assignment_detail(task.assignee_id)))
        self.events.append((task, "reopened", p.reason))
        self.report.reopened += 1

    def _values(self, p: TaskProposal) -> dict:
        return dict(
            kind=str(p.kind), thread_id=p.thread_id, contact_id=self.contact_ids.get(p.contact_email or ""),
            trigger_message_id=p.trigger_message_id, due_at=p.due_at, expires_at=p.expires_at,
            priority=p.priority, reason=p.reason, nudge=p.nudge, nudge_count=p.nudge_count,
        )

    def _fill(self, task: FollowUpTask, p: TaskProposal, force: bool = False) -> bool:
        changed = force
        for name, value in self._values(p).items():
            if getattr(task, name) != value:
                setattr(task, name, value)
                changed = True
        if changed:
            task.updated_at = self.now
        return changed

    def _close(self, c: TaskClosure) -> None:
        task = self.tasks.get(c.key) or self.sibling_keys.get(c.key)  # closed here, closed for both
        if task is None or task.status not in OPEN_STATUSES:
            return
        task.status, task.closed_at, task.snooze_until, task.updated_at = c.status, self.now, None, self.now
        self.events.append((task, str(c.status), c.reason))
        setattr(self.report, str(c.status), getattr(self.report, str(c.status)) + 1)

    def wake_snoozed(self) -> None:
        query = select(FollowUpTask).where(
            FollowUpTask.account_id == self.account.id, FollowUpTask.status == TaskStatus.SNOOZED,
            FollowUpTask.snooze_until <= self.now)
        for task in self.session.execute(query).scalars():
            task.status, task.snooze_until, task.updated_at = TaskStatus.OPEN, None, self.now
            self.events.append((task, "unsnoozed", "the snooze ended"))
            self.report.unsnoozed += 1

    def flush(self) -> None:
        self.session.flush()
        rows = list(self.new_rows.values())
        new_ids = insert_and_read_ids(self.session.connection(), FollowUpTask.__table__, rows, key=("key",),
                                      scope={"account_id": self.account.id})
        ids = dict(zip(self.new_rows, new_ids))
        if self.events:
            self.session.connection().execute(TaskEvent.__table__.insert(), [
                dict(task_id=ids[task] if isinstance(task, str) else task.id, at=self.now, event=event,
                     actor_id=None, detail=detail)
                for task, event, detail in self.events
            ])

    def _next_assignee(self) -> int:
        """The mailbox owner, unless the lead turned team triage on: then round robin over the
        active members of the owner's team."""
        if not self._round_robin():
            return self.user.id
        if self._members is None:
            self._members = list(self.session.execute(
                select(User.id).where(User.team_id == self.user.team_id, User.is_active.is_(True)).order_by(User.id)
            ).scalars()) or [self.user.id]
        team = self.session.get(Team, self.user.team_id)
        members = self._members
        last = team.last_assignee_id
        chosen = members[(members.index(last) + 1) % len(members)] if last in members else members[0]
        team.last_assignee_id = chosen
        return chosen

    def _round_robin(self) -> bool:
        if self.user.team_id is None:
            return False
        team = self.session.get(Team, self.user.team_id)
        return bool(team and team.complaint_round_robin)

    def _assignment_detail(self, user_id: int | None) -> str:
        if user_id is None:
            return "unassigned"
        email = self.session.execute(select(User.email).where(User.id == user_id)).scalar_one_or_none()
        how = "round robin in the team" if self._round_robin() else "the mailbox owner"
        return f"to {email} ({how})"


def mark_threads(session: Session, outcomes: list[tuple[ThreadRow, Outcome]]) -> None:
    """Store each thread's next `detect_at` and clear `needs_detection`, unless mail arrived
    meanwhile: a thread another writer changed since it was read (its `updated_at` or
    `message_count` moved) stays flagged for the next pass.

    Set-based where it can be: ingestion stamps a whole batch of threads with the same
    `updated_at`, so the guarded clears group into a few `IN (...)` updates."""
    table = Thread.__table__
    connection = session.connection()
    moved = [dict(tid=row.id, next_at=outcome.recheck_at) for row, outcome in outcomes
             if row.detect_at != outcome.recheck_at]
    if moved:
        connection.execute(table.update().where(table.c.id == bindparam("tid"))
                           .values(detect_at=bindparam("next_at")), moved)
    groups: dict[tuple[datetime, int], list[int]] = {}
    for row, _ in outcomes:
        if row.needs_detection:
            groups.setdefault((row.updated_at, row.message_count), []).append(row.id)
    for (seen, count), ids in groups.items():
        for chunk in chunks(ids):
            connection.execute(table.update()
                               .where(table.c.id.in_(chunk), table.c.updated_at == seen,
                                      table.c.message_count == count)
                               .values(needs_detection=False))
