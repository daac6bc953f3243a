"""Reconcile (one transaction): the user's word read from the flags, then the plan of what
to add and remove."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import select

from followup.db.models import Folder, FollowUpTask, KeywordMark, MailAccount, Message, MessageLocation, User
from followup.domain.vocabulary import OPEN_STATUSES, TaskStatus
from followup.nudges.writeback.keyword import DEFAULT_KEYWORD, FLAGGED, VIA_LABEL, gmail_label
from followup.nudges.writeback.plan import Plan, PlannedLocation, WritebackReport
from followup.tasks import record_event

DONE_IN_CLIENT = "done in mail client"
"""How a task closed by the user's mail client is explained in its history."""


def reconcile(session, account_id: int, now: datetime, live: dict[int, tuple[str, ...]],
               report: WritebackReport) -> Plan:
    account = session.get(MailAccount, account_id)
    keyword = account.writeback_keyword or DEFAULT_KEYWORD
    plan = Plan(keyword=keyword)
    owner = session.get(User, account.user_id)

    marks = session.exec(
        select(KeywordMark, MessageLocation, FollowUpTask)
        .join(MessageLocation, MessageLocation.id == KeywordMark.location_id)
        .join(FollowUpTask, FollowUpTask.id == KeywordMark.task_id)
        .where(KeywordMark.account_id == account_id)
    ).all()

    # The user's word, read from the flags the sync stored (or the live check fetched).
    marked: dict[int, list[KeywordMark]] = defaultdict(list)
    for mark, location, task in marks:
        flags = set(live.get(location.id, location.flags))
        known = mark.via != VIA_LABEL or location.id in live  # a label is only seen live
        if task.status in OPEN_STATUSES and not location.deleted and known:
            removed = mark.keyword not in flags
            toggled = (FLAGGED in flags) != mark.flagged
            if removed or toggled:
                what = ((f"the {gmail_label(mark.keyword)} label was removed" if mark.via == VIA_LABEL
                         else f"the {mark.keyword} keyword was removed") if removed
                        else "the message was flagged" if FLAGGED in flags else "the message was unflagged")
                _done_in_client(session, task, owner, now, what)
                report.done_in_client += 1
            if removed:
                session.delete(mark)
                continue
        if location.deleted:
            session.delete(mark)  # the message left that folder; nothing to remove there
            continue
        marked[location.id].append(mark)
    session.flush()

    wanted = _wanted_locations(session, account_id, now) if account.writeback else {}
    for location_id, (task_ids, loc) in wanted.items():
        have = {m.task_id for m in marked.get(location_id, ()) if m.keyword == keyword}
        for task_id in sorted(task_ids - have):
            plan.add.setdefault(loc.folder_id, []).append((task_id, loc))
    for location_id, location_marks in marked.items():
        want = wanted[location_id][0] if location_id in wanted else set()
        stale = [m for m in location_marks if m.task_id not in want or m.keyword != keyword]
        if not stale:
            continue
        plan.forget.extend(m.id for m in stale)
        keep = {m.keyword for m in location_marks if m not in stale}
        if location_id in wanted:
            keep.add(keyword)
        gone = sorted({m.keyword for m in stale} - keep)
        if gone:
            location = session.get(MessageLocation, location_id)
            loc = PlannedLocation(location.id, location.folder_id, location.uidvalidity, location.uid, tuple(location.flags))
            for old in gone:
                plan.remove.setdefault(location.folder_id, []).append((loc, old))
    folder_ids = set(plan.add) | set(plan.remove)
    if folder_ids:
        for folder in session.exec(select(Folder).where(Folder.id.in_(folder_ids))):
            plan.folders[folder.id] = (folder.name, folder.uidvalidity)
    return plan


def _done_in_client(session, task: FollowUpTask, owner: User | None, now: datetime, what: str) -> None:
    task.status = TaskStatus.DONE
    task.closed_at = now
    task.snooze_until = None
    task.updated_at = now
    session.add(task)
    record_event(session, task, str(TaskStatus.DONE), actor=owner, detail=f"{DONE_IN_CLIENT}: {what}", at=now)


def _wanted_locations(session, account_id: int, now: datetime) -> dict[int, tuple[set[int], PlannedLocation]]:
    """Location id → (the due tasks that want the keyword there, the location)."""
    tasks = session.exec(
        select(FollowUpTask.id, FollowUpTask.thread_id).where(
            FollowUpTask.account_id == account_id,
            FollowUpTask.thread_id.is_not(None),
            FollowUpTask.due_at <= now,
            or_(FollowUpTask.status == TaskStatus.OPEN,
                and_(FollowUpTask.status == TaskStatus.SNOOZED, FollowUpTask.snooze_until <= now)),
        )
    ).all()
    if not tasks:
        return {}
    by_thread: dict[int, set[int]] = defaultdict(set)
    for task_id, thread_id in tasks:
        by_thread[thread_id].add(task_id)
    wanted: dict[int, tuple[set[int], PlannedLocation]] = {}
    thread_ids = sorted(by_thread)
    for start in range(0, len(thread_ids), 500):
        chunk = thread_ids[start:start + 500]
        rows = session.exec(
            select(Message.thread_id, Message.id, Message.sent_at, MessageLocation.id, MessageLocation.folder_id,
                   MessageLocation.uidvalidity, MessageLocation.uid, MessageLocation.flags)
            .join(MessageLocation, MessageLocation.message_id == Message.id)
            .join(Folder, and_(Folder.id == MessageLocation.folder_id,
                               Folder.uidvalidity == MessageLocation.uidvalidity))
            .where(Message.thread_id.in_(chunk), MessageLocation.deleted == False)  # noqa: E712
        ).all()
        last: dict[int, tuple] = {}
        for thread_id, message_id, sent_at, *_ in rows:
            key = (sent_at, message_id)
            if thread_id not in last or key > last[thread_id]:
                last[thread_id] = key
        for thread_id, message_id, sent_at, loc_id, folder_id, validity, uid, flags in rows:
            if last[thread_id] != (sent_at, message_id):
                continue
            wanted[loc_id] = (set(by_thread[thread_id]), PlannedLocation(loc_id, folder_id, validity, uid, tuple(flags)))
    return wanted

