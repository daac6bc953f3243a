"""Detection: runs the rules of `followup.domain.rules` over an account's threads and contacts and
applies the result to `FollowUpTask` and `TaskEvent`, idempotently.

One pass, in one transaction:

1. load the threads to look at: all of the account (`full=True`), or only those whose mail
   changed (`Thread.needs_detection`) or whose time has come (`Thread.detect_at <= now`:
   a due date, a second nudge, an expiry); then their messages in one query (chunked),
   never one query per thread;
2. run the pure rules per thread (told which task keys are open, so closures are only
   worded for those); merge what the threads say about each external contact (last mail,
   first and last sale, name) into `Contact`; a name learned now re-words the open tasks
   of other threads that still called the contact by address;
3. run the contact rules (dormant customer, anniversary) for contacts with a past sale;
4. upsert tasks on their unique (account, key): open new ones, nudge, update what changed,
   close what the rules close; respect the user's word (a done, dismissed or snoozed task
   comes back only with a new trigger); assign new complaints round robin in the team;
5. clear `needs_detection` and store the next `detect_at` of each thread looked at.

Running it twice with the same `now` changes nothing the second time, and an incremental
pass leaves the tasks exactly as a full pass would (tested day after day).
After a change to settings the rules read, `request_detection` flags an account's threads.
"""

from __future__ import annotations

import json
import time as _time
from dataclasses import asdict, dataclass, replace
from datetime import datetime, timezone
from typing import Iterable, Sequence

from sqlalchemy import Text, bindparam, func, or_, select, type_coerce, update
from sqlmodel import Session

from followup.domain.calendar import parse_working_days
from followup.domain.vocabulary import OPEN_STATUSES, TaskKind, TaskStatus
from followup.db.models import (
    FollowUpTask,
    IgnoreRule,
    MailAccount,
    Message,
    TaskEvent,
    Team,
    Thread,
    User,
)
from followup.db.bulk import chunks, insert_and_read_ids
from followup.db.contacts import load_contacts, save_contact_activity
from followup.detection.siblings import sibling_account_ids, sibling_tasks
from followup.detection.paces import contact_paces
from followup.domain.rules.policy import TEXT_LIMIT
from followup.domain.rules.views import (
    ContactActivity,
    ContactView,
    DetectionSettings,
    MessageView,
    Outcome,
    TaskClosure,
    TaskProposal,
    ThreadView,
    thread_key,
)
from followup.domain.rules.contact import contact_may_have_task, detect_contact
from followup.domain.rules.thread import detect_thread
from followup.errors import FollowupError

CONTACT_KINDS = (TaskKind.DORMANT_CUSTOMER, TaskKind.ANNIVERSARY)


class DetectionError(FollowupError, ValueError):
    """Detection cannot run as asked (unknown account, a naive `now`)."""


@dataclass
class DetectionReport:
    account_id: int
    full: bool
    now: datetime
    threads: int = 0
    messages: int = 0
    contacts_added: int = 0
    contacts_updated: int = 0
    opened: int = 0
    reopened: int = 0
    retriggered: int = 0
    nudged: int = 0
    updated: int = 0
    resolved: int = 0
    expired: int = 0
    dismissed: int = 0
    unsnoozed: int = 0
    seconds: float = 0.0

    @property
    def closed(self) -> int:
        return self.resolved + self.expired + self.dismissed

    @property
    def changed(self) -> int:
        return (self.opened + self.reopened + self.retriggered + self.nudged + self.updated
                + self.closed + self.unsnoozed)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["now"] = self.now.isoformat()
        data["closed"] = self.closed
        data["seconds"] = round(self.seconds, 3)
        return data


def settings_for(user: User, account: MailAccount, ignore_patterns: Iterable[str] = ()) -> DetectionSettings:
    """The rules' view of a user's settings and an account's own addresses."""
    return DetectionSettings(
        timezone=user.timezone or "UTC",
        working_days=tuple(sorted(parse_working_days(user.working_days or "0,1,2,3,4"))),
        holiday_country=user.holiday_country or None,
        awaiting_reply_days=user.awaiting_reply_days,
        needs_reply_days=user.needs_reply_days,
        complaint_response_days=user.complaint_response_days,
        max_nudges=user.max_nudges,
        dormant_days=user.dormant_days,
        contact_pace=user.contact_pace,
        own_addresses=frozenset(a.lower() for a in (*account.addresses, user.email)),
        internal_domains=frozenset(d.lower().lstrip("@") for d in account.internal_domains),
        ignore_patterns=frozenset(p.strip().lower().lstrip("@") for p in ignore_patterns if p.strip()),
        watching_since=_utc(account.created_at) if account.created_at else None,
    )


def request_detection(session: Session, account_id: int) -> int:
    """Flag every thread of the account for the next pass: after the user changed a setting
    the rules read (thresholds, time zone, holidays, ignore rules, addresses). Returns how many."""
    result = session.execute(update(Thread).where(Thread.account_id == account_id).values(needs_detection=True))
    return result.rowcount


def detect_account(session: Session, account_id: int, now: datetime, full: bool = False) -> DetectionReport:
    """Run detection for one account at `now`; see the module docstring."""
    if now.tzinfo is None:
        raise DetectionError("now must be an aware datetime")
    started = _time.perf_counter()
    account = session.get(MailAccount, account_id)
    if account is None:
        raise DetectionError(f"no account {account_id}")
    user = session.get(User, account.user_id)
    patterns = session.execute(select(IgnoreRule.pattern).where(IgnoreRule.user_id == user.id)).scalars().all()
    settings = settings_for(user, account, patterns)
    settings.calendar  # noqa: B018  (a bad time zone or holiday country fails here, before any work)
    report = DetectionReport(account_id=account_id, full=full, now=now)

    threads = _load_threads(session, account_id, now, full)
    messages = _load_messages(session, account_id, [t.id for t in threads], full)
    report.threads = len(threads)
    report.messages = sum(len(m) for m in messages.values())

    def load_more(ids: Sequence[int]) -> dict[int, list[MessageView]]:
        return _load_messages(session, account_id, ids, False)

    paces = contact_paces(session, account_id, messages, settings, full, load_more)

    addresses = {a for views in messages.values() for m in views
                 for a in (m.from_addr, *m.to_addrs, *m.cc_addrs)}
    contacts = load_contacts(session, account_id, None if full else addresses)
    # Names seen in the mail being looked at, so that a first pass and a later one word the
    # nudges alike ("Dana Wu (Acme)", not "dana@acme.com" before the contact row existed).
    names = _display_names(messages)
    named = dict(contacts)
    for email, name in names.items():
        known = named.get(email)
        if known is None:
            named[email] = ContactView(0, email, name)
        elif not known.name:
            named[email] = replace(known, name=name)

    applier = _TaskApplier(session, account, user, now, report)
    applier.load([row.id for row in threads], full)
    open_keys = applier.open_keys()  # closures matter only for these

    outcomes: list[tuple[_ThreadRow, Outcome]] = []
    activity: dict[str, ContactActivity] = {}
    for row in threads:
        view = ThreadView(id=row.id, subject=row.subject or "", messages=tuple(messages.get(row.id, ())),
                          muted=bool(row.muted))
        outcome = detect_thread(view, settings, now, named, open_keys, paces)
        outcomes.append((row, outcome))
        for email, seen in outcome.activity.items():
            known = activity.get(email)
            if known is None:
                activity[email] = seen
            else:
                known.merge(seen)

    for email, seen in activity.items():
        seen.name = names.get(email, seen.name)
    saved = save_contact_activity(session, account_id, contacts, activity, full)
    contacts, renamed = saved.contacts, saved.renamed
    report.contacts_added, report.contacts_updated = saved.added, saved.updated
    applier.contact_ids = {email: c.id for email, c in contacts.items()}
    if renamed and not full:
        # A name learned in this pass: re-word the open tasks elsewhere that still call the
        # contact by address, so an incremental pass words nudges as a full pass would.
        ids = _threads_naming(session, account_id, [contacts[e].id for e in renamed], {r.id for r in threads})
        if ids:
            applier.load(ids, False)
            open_keys = applier.open_keys()
            named.update((email, contacts[email]) for email in renamed)
            extra = _load_messages(session, account_id, ids, False)
            paces.update(contact_paces(session, account_id, extra, settings, False, load_more))
            for row in _load_threads(session, account_id, now, False, ids=ids):
                view = ThreadView(id=row.id, subject=row.subject or "", messages=tuple(extra.get(row.id, ())),
                                  muted=bool(row.muted))
                outcomes.append((row, detect_thread(view, settings, now, named, open_keys, paces)))
    # Contact rules: every past customer in a full pass; else those whose mail changed, who
    # have an open contact task, or who may be due (dormant, an anniversary window).
    with_tasks = {t.contact_id for t in applier.tasks.values()
                  if t.kind in CONTACT_KINDS and t.status in OPEN_STATUSES}
    contact_outcomes = [
        detect_contact(c, settings, now, open_keys) for c in contacts.values()
        if c.first_sale_at is not None and (
            full or c.email in activity or c.id in with_tasks or contact_may_have_task(c, settings, now))
    ]

    for _, outcome in outcomes:
        applier.apply(outcome)
    for outcome in contact_outcomes:
        applier.apply(outcome)
    applier.wake_snoozed()
    applier.flush()

    _mark_threads(session, outcomes)
    report.seconds = _time.perf_counter() - started
    return report


# ------------------------------------------------------------------------------ loading


@dataclass(frozen=True)
class _ThreadRow:
    id: int
    subject: str
    muted: bool
    needs_detection: bool
    detect_at: datetime | None
    updated_at: datetime
    message_count: int


def _load_threads(session: Session, account_id: int, now: datetime, full: bool,
                  ids: Sequence[int] | None = None) -> list[_ThreadRow]:
    """All threads (full), those flagged or due, or those with these ids."""
    query = select(Thread.id, Thread.subject, Thread.muted, Thread.needs_detection, Thread.detect_at,
                   Thread.updated_at, Thread.message_count).where(Thread.account_id == account_id)
    if ids is not None:
        queries = [query.where(Thread.id.in_(chunk)) for chunk in chunks(sorted(ids))]
    elif not full:
        queries = [query.where(or_(Thread.needs_detection.is_(True), Thread.detect_at <= now))]
    else:
        queries = [query]
    connection = session.connection()
    rows = [_ThreadRow(*row) for q in queries for row in connection.execute(q.order_by(Thread.id))]
    return rows


def _threads_naming(session: Session, account_id: int, contact_ids: list[int], skip: set[int]) -> list[int]:
    """Threads with an open task for one of these contacts, other than `skip`."""
    found: set[int] = set()
    for chunk in chunks(contact_ids):
        found.update(session.execute(
            select(FollowUpTask.thread_id).where(
                FollowUpTask.account_id == account_id, FollowUpTask.contact_id.in_(chunk),
                FollowUpTask.status.in_(OPEN_STATUSES), FollowUpTask.thread_id.is_not(None))
        ).scalars())
    return sorted(found - skip)


# Read raw: JSON address lists and dates are decoded below, much faster than by the column
# types for 100,000 rows (the same few address lists repeat a lot).
_MESSAGE_COLUMNS = (
    Message.thread_id, Message.id, type_coerce(Message.sent_at, Text), Message.direction, Message.from_addr,
    Message.from_name, type_coerce(Message.to_addrs, Text), type_coerce(Message.cc_addrs, Text), Message.subject,
    func.substr(Message.body_text, 1, TEXT_LIMIT),
    Message.label, Message.needs_reply, Message.is_auto_reply, Message.is_bulk, Message.is_bounce,
    Message.is_noreply, Message.message_id_header, Message.is_calendar, type_coerce(Message.attachments, Text),
    Message.reply_to_addr,
)


def _load_messages(session: Session, account_id: int, thread_ids: Sequence[int], full: bool) -> dict[int, list[MessageView]]:
    by_thread: dict[int, list[MessageView]] = {}
    if not thread_ids:
        return by_thread
    if full:
        queries = [select(*_MESSAGE_COLUMNS).where(Message.account_id == account_id, Message.thread_id.is_not(None))]
    else:
        queries = [select(*_MESSAGE_COLUMNS).where(Message.thread_id.in_(chunk)) for chunk in chunks(thread_ids)]
    connection = session.connection()
    addresses = _AddressLists()
    for query in queries:
        for (thread_id, id_, sent_at, direction, from_addr, from_name, to_addrs, cc_addrs, subject, text,
             label, needs_reply, auto, bulk, bounce, noreply, msgid, calendar,
             attachments, reply_to) in connection.execute(query).all():
            view = MessageView(  # positional: 100,000 of them
                id_, _utc(sent_at), direction, (from_addr or "").lower(), from_name or "", addresses(to_addrs),
                addresses(cc_addrs), subject or "", text or "", label, needs_reply, bool(auto), bool(bulk),
                bool(bounce), bool(noreply), msgid, bool(calendar), _any_attachment(attachments),
            )
            by_thread.setdefault(thread_id, []).append(view.with_reply_to(reply_to) if reply_to else view)
    return by_thread


def _any_attachment(value) -> bool:
    """The JSON attachment list read raw (text on SQLite, a list on PostgreSQL) is not empty."""
    if isinstance(value, str):
        return value.strip() not in ("", "[]", "null")
    return bool(value)


def _display_names(messages: dict[int, list[MessageView]]) -> dict[str, str]:
    """Each sender's display name, from their earliest mail that has one."""
    earliest: dict[str, tuple[datetime, int, str]] = {}
    for views in messages.values():
        for m in views:
            name = m.from_name.strip().strip('"')
            if name and "@" not in name and m.direction != "outbound":
                seen = earliest.get(m.from_addr)
                if seen is None or (m.sent_at, m.id) < seen[:2]:
                    earliest[m.from_addr] = (m.sent_at, m.id, name[:300])
    return {email: value[2] for email, value in earliest.items()}


class _AddressLists:
    """JSON address lists (text on SQLite, already decoded on PostgreSQL) to lower-case tuples."""

    def __init__(self) -> None:
        self.memo: dict[str, tuple[str, ...]] = {}

    def __call__(self, value) -> tuple[str, ...]:
        if isinstance(value, str):
            known = self.memo.get(value)
            if known is None:
                known = self.memo[value] = self._clean(json.loads(value))
            return known
        return self._clean(value)

    @staticmethod
    def _clean(value) -> tuple[str, ...]:
        return tuple(a.lower() for a in value or () if isinstance(a, str))


def _utc(value) -> datetime:
    """A stored UTC datetime read raw: text on SQLite, naive or aware datetime on PostgreSQL."""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=timezone.utc) if value.tzinfo is None else value.astimezone(timezone.utc)


def _mark_threads(session: Session, outcomes: list[tuple[_ThreadRow, Outcome]]) -> None:
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



# -------------------------------------------------------------------------- applying


class _TaskApplier:
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
