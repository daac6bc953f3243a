"""The lead's page: the last weeks of the given mailboxes in four figures.

1. open follow-ups per rep (the mailbox's owner) and kind, now (`open_task_clause`);
2. the median hours to the first reply to inquiries and to complaints, per week received;
3. complaint first-response deadlines met, missed and pending, per week received;
4. answered waits by the nudge they were answered after (0: before any), over the weeks.

Which mailboxes count is the caller's decision (web.scoping.counted_mailboxes): this module
reads those and no others. Figures 2 to 4 come from the mail (followup.domain.insight_figures
says how); a complaint's deadline is its task's due date when the thread has a complaint task,
else the complaint rule's (the owner's complaint-response business days).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func
from sqlmodel import Session, select

from followup.db.models import FollowUpTask, MailAccount, Message, Thread, User
from followup.domain import insight_figures as figures
from followup.domain.calendar import BusinessCalendar, add_business_days, business_days_between, parse_working_days
from followup.domain.rules.views import MessageView
from followup.domain.vocabulary import Label, TaskKind
from followup.tasks import open_task_clause

KIND_ORDER = tuple(TaskKind)


@dataclass(frozen=True)
class OpenRow:
    """One rep's open follow-ups, one count per kind of `Insights.kinds`."""

    rep: str
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)


@dataclass(frozen=True)
class Insights:
    weeks: list[date]  # Mondays, oldest first
    kinds: list[str]  # the kinds that have an open follow-up
    open_rows: list[OpenRow]
    reply_hours: dict[str, list[float | None]]  # label -> median hours per week
    deadlines: dict[str, list[int]]  # met / missed / pending -> count per week
    answered_after: list[int]  # index n: answered after the n-th nudge (0: before any)


def _owner_name(user: User) -> str:
    return user.display_name or user.email


def open_by_rep(session: Session, accounts: Sequence[MailAccount], now: datetime) -> tuple[list[str], list[OpenRow]]:
    """The open follow-ups of the mailboxes now, per owner and kind: (kinds shown, rows)."""
    ids = [a.id for a in accounts]
    rows = session.exec(
        select(FollowUpTask.user_id, FollowUpTask.kind, func.count(FollowUpTask.id))
        .where(FollowUpTask.account_id.in_(ids), open_task_clause(now))
        .group_by(FollowUpTask.user_id, FollowUpTask.kind)
    ).all() if ids else []
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for user_id, kind, count in rows:
        counts[user_id][kind] = count
    kinds = [str(k) for k in KIND_ORDER if any(k in by_kind for by_kind in counts.values())]
    owners = {a.user_id for a in accounts}
    users = session.exec(select(User).where(User.id.in_(owners))).all() if owners else []
    table = [OpenRow(_owner_name(u), tuple(counts[u.id].get(k, 0) for k in kinds)) for u in users]
    return kinds, sorted(table, key=lambda row: (-row.total, row.rep.lower()))


@dataclass(frozen=True)
class _Mailbox:
    owner: User
    calendar: BusinessCalendar
    own_domains: frozenset[str]


def _mailboxes(session: Session, accounts: Sequence[MailAccount]) -> dict[int, _Mailbox]:
    owners = {u.id: u for u in session.exec(select(User).where(User.id.in_({a.user_id for a in accounts})))}
    boxes = {}
    for account in accounts:
        owner = owners[account.user_id]
        domains = {d.lower() for d in account.internal_domains}
        domains |= {a.rpartition("@")[2].lower() for a in account.addresses}
        calendar = BusinessCalendar(owner.timezone, parse_working_days(owner.working_days), owner.holiday_country)
        boxes[account.id] = _Mailbox(owner, calendar, frozenset(domains))
    return boxes


def _threads(session: Session, account_ids: list[int], since: datetime) -> dict[tuple[int, int], list[MessageView]]:
    """The messages of the threads that had mail since `since`, by (account id, thread id)."""
    recent = select(Thread.id).where(Thread.account_id.in_(account_ids), Thread.last_message_at >= since)
    rows = session.exec(
        select(Message.id, Message.account_id, Message.thread_id, Message.sent_at, Message.direction,
               Message.from_addr, Message.label, Message.needs_reply, Message.is_auto_reply, Message.is_bulk,
               Message.is_bounce, Message.is_noreply, Message.is_calendar, func.substr(Message.body_text, 1, 2000))
        .where(Message.account_id.in_(account_ids), Message.thread_id.in_(recent))
    ).all()
    threads: dict[tuple[int, int], list[MessageView]] = defaultdict(list)
    for (mid, account_id, thread_id, sent_at, direction, from_addr, label, needs_reply, auto, bulk, bounce,
         noreply, calendar, text) in rows:
        threads[(account_id, thread_id)].append(MessageView(
            id=mid, sent_at=sent_at, direction=direction, from_addr=from_addr, label=label, needs_reply=needs_reply,
            is_auto_reply=auto, is_bulk=bulk, is_bounce=bounce, is_noreply=noreply, is_calendar=calendar,
            text=text or ""))
    return threads


def _complaint_due(session: Session, account_ids: list[int]) -> dict[int, datetime]:
    """A thread's complaint task's due date (its first-response deadline), by thread id."""
    rows = session.exec(
        select(FollowUpTask.thread_id, FollowUpTask.due_at)
        .where(FollowUpTask.account_id.in_(account_ids), FollowUpTask.kind == TaskKind.COMPLAINT)
    ).all()
    return {thread_id: due for thread_id, due in rows if thread_id is not None}


def compute_insights(session: Session, accounts: Sequence[MailAccount], now: datetime, zone: ZoneInfo,
                     weeks: int = figures.WEEKS) -> Insights:
    """The four figures of `accounts` for the `weeks` Monday weeks in `zone` up to `now`."""
    mondays = figures.last_weeks(now, zone, weeks)
    since = figures.week_starts_at(mondays[0], zone)
    kinds, open_rows = open_by_rep(session, accounts, now)
    shown = set(mondays)
    replies: dict[str, list[tuple[datetime, float]]] = {str(Label.INQUIRY): [], str(Label.COMPLAINT): []}
    deadlines = {str(outcome): [0] * len(mondays) for outcome in figures.Deadline}
    answered_after = [0] * (figures.LAST_NUDGE + 1)
    ids = [a.id for a in accounts]
    if ids:
        boxes = _mailboxes(session, accounts)
        complaint_due = _complaint_due(session, ids)
        for (account_id, thread_id), messages in _threads(session, ids, since).items():
            box = boxes[account_id]
            found = figures.first_replies(messages, box.own_domains, now)
            last_complaint = max((r.received_at for r in found if r.label == Label.COMPLAINT), default=None)
            for reply in found:
                week = figures.week_of(reply.received_at, zone)
                if week not in shown:
                    continue
                if reply.hours is not None:
                    replies[reply.label].append((reply.received_at, reply.hours))
                if reply.label == Label.COMPLAINT:
                    due = complaint_due.get(thread_id) if reply.received_at == last_complaint else None
                    due = due or add_business_days(reply.received_at, box.owner.complaint_response_days, box.calendar)
                    outcome = figures.deadline_outcome(due, reply.replied_at, now)
                    deadlines[str(outcome)][mondays.index(week)] += 1
            for wait in figures.answered_waits(messages, box.own_domains, now):
                if wait.answered_at >= since:
                    waited = business_days_between(wait.asked_at, wait.answered_at, box.calendar)
                    answered_after[figures.nudge_number(waited, box.owner.awaiting_reply_days)] += 1
    reply_hours = {label: figures.median_per_week(samples, mondays, zone) for label, samples in replies.items()}
    return Insights(mondays, kinds, open_rows, reply_hours, deadlines, answered_after)
