"""Write-back: the follow-ups shown inside the user's own mail client, and read back from it.

For an account with `writeback` on, each task that is due (open, or a snooze that ended;
``due_at`` reached) puts a keyword (`MailAccount.writeback_keyword`, ``$FollowUp`` by
default) on the last message of its thread, in every folder where that message lives. On
Gmail (X-GM-EXT-1) it is a label (X-GM-LABELS) named after the keyword without its ``$``.
When the task is resolved, done, dismissed or expired, or write-back is switched off, the
keyword goes. Every keyword written is remembered as a `KeywordMark` row::

    load (DB) ─► live check (IMAP, only for Gmail labels and folders without CONDSTORE):
          │       FETCH FLAGS [X-GM-LABELS] of the marked UIDs
          ▼
    reconcile (DB, one transaction): for each mark of an open task,
          keyword gone from the location's flags, or \\Flagged toggled since it was set
          ─► the task is done ("done in mail client"), the mark forgotten if the keyword is gone;
          then plan: locations that need the keyword and lack it, marked ones that must lose it
          ▼
    store (IMAP): SELECT the folder (read-write), check UIDVALIDITY, then
          UID STORE uids +FLAGS.SILENT (keyword) / -FLAGS.SILENT (keyword)
          (or +X-GM-LABELS.SILENT / -X-GM-LABELS.SILENT) — nothing but the keyword is touched,
          never \\Seen
          ▼
    record (DB): marks added and removed; the stored flags follow what was written

- Idempotent: the plan compares with the stored flags (updated by the CONDSTORE flag pass
  of `inbox_sync.sync`), so a second run with nothing new sends no STORE and, when no
  Gmail label or non-CONDSTORE folder needs a live check, does not even connect.
- Two-way: the user removing the keyword (or flagging/unflagging the message) shows up in
  `MessageLocation.flags` at the next sync; the next write-back closes the task.
- It runs under the account's sync lock (`AccountLock`): a sync fetching flags while the
  keyword is being written would otherwise read the old flags back and look like a removal.
- No database transaction is open during IMAP commands.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable

from sqlalchemy import and_, delete, or_
from sqlalchemy.engine import Engine
from sqlmodel import select

from followup.db.session import session_scope
from followup.domain.vocabulary import OPEN_STATUSES, TaskStatus
from followup.db.models import Folder, FollowUpTask, KeywordMark, MailAccount, Message, MessageLocation, User
from followup.tasks import record_event
from followup.db.types import utcnow
from followup.errors import FollowupError
from inbox_sync.imap_connection import ConnectionSettings, ImapConnection, connect
from inbox_sync.imap_errors import translate_errors
from inbox_sync.sync.account import AccountLock, default_lock_dir

log = logging.getLogger(__name__)

DEFAULT_KEYWORD = "$FollowUp"
"""The keyword put on a thread's last message while its follow-up is due."""

FLAGGED = "\\Flagged"

DONE_IN_CLIENT = "done in mail client"
"""How a task closed by the user's mail client is explained in its history."""

VIA_KEYWORD = "keyword"
VIA_LABEL = "label"

STORE_CHUNK = 500
"""UIDs per STORE command (Dovecot refuses command lines over 64 kB)."""

_ATOM_SPECIALS = re.compile(r'[\x00-\x20\x7f(){%*"\\\]]')


class WritebackError(FollowupError, ValueError):
    """Write-back cannot run as asked (a keyword that is no IMAP atom)."""


def check_keyword(keyword: str) -> str:
    """The keyword if it is a valid IMAP flag keyword (an atom, not a system flag)."""
    keyword = (keyword or "").strip()
    if not keyword or len(keyword) > 100 or not keyword.isascii() or _ATOM_SPECIALS.search(keyword):
        raise WritebackError(
            f"{keyword!r} is not a valid IMAP keyword (ASCII letters, digits and $-_.:; no spaces, "
            "no ( ) { % * \" \\ ], at most 100 characters)")
    return keyword


def gmail_label(keyword: str) -> str:
    """The Gmail label that stands for the keyword: ``$FollowUp`` → ``FollowUp``."""
    return keyword.lstrip("$") or keyword


@dataclass
class WritebackReport:
    account_id: int
    enabled: bool = False
    keyword: str = DEFAULT_KEYWORD
    set: int = 0
    removed: int = 0
    done_in_client: int = 0
    stores: int = 0
    connected: bool = False
    skipped_folders: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class _Loc:
    """A message location the plan touches."""

    location_id: int
    folder_id: int
    uidvalidity: int
    uid: int
    flags: tuple[str, ...]


@dataclass
class _Plan:
    keyword: str
    add: dict[int, list[tuple[int, _Loc]]] = field(default_factory=dict)  # folder → (task, location)
    remove: dict[int, list[tuple[_Loc, str]]] = field(default_factory=dict)  # folder → (location, keyword)
    forget: list[int] = field(default_factory=list)  # mark ids whose task no longer wants it
    folders: dict[int, tuple[str, int | None]] = field(default_factory=dict)  # id → (name, uidvalidity)

    @property
    def empty(self) -> bool:
        return not self.add and not self.remove


# ---- the account ---------------------------------------------------------------------


def writeback_wanted(engine: Engine, account_id: int) -> bool:
    """Whether a write-back pass has anything to do: switched on, or keywords left to take back."""
    with session_scope(engine) as session:
        on = session.exec(select(MailAccount.writeback).where(MailAccount.id == account_id,
                                                             MailAccount.imap_host.is_not(None))).first()
        return bool(on) or session.exec(
            select(KeywordMark.id).where(KeywordMark.account_id == account_id).limit(1)).first() is not None


def writeback_account(
    engine: Engine,
    account_id: int,
    *,
    secret_key: str,
    now: datetime | None = None,
    lock_dir: Path | None = None,
    timeout: float = 60.0,
    connect_fn: Callable[[ConnectionSettings], ImapConnection] = connect,
) -> WritebackReport:
    """Bring the account's keywords in line with its tasks; see the module docstring."""
    now = now or utcnow()
    lock_dir = lock_dir or default_lock_dir()
    report = WritebackReport(account_id=account_id)
    with session_scope(engine) as session:
        account = session.get(MailAccount, account_id)
        if account is None or not account.imap_host:
            return report
        report.enabled = bool(account.writeback)
        report.keyword = account.writeback_keyword or DEFAULT_KEYWORD
        has_marks = session.exec(
            select(KeywordMark.id).where(KeywordMark.account_id == account_id).limit(1)).first() is not None
        if not report.enabled and not has_marks:
            return report  # nothing to write and nothing to take back: no lock, no connection
        settings = ConnectionSettings.for_account(account, secret_key, timeout=timeout)

    with AccountLock(lock_dir, account_id):
        with session_scope(engine) as session:
            live_needed = _marks_needing_live_check(session, account_id)
        connection: ImapConnection | None = None
        try:
            live: dict[int, tuple[str, ...]] = {}
            if live_needed:
                connection = connect_fn(settings)
                report.connected = True
                live = _live_flags(connection, live_needed)
            with session_scope(engine) as session:
                plan = _reconcile(session, account_id, now, live, report)
            if plan.empty:
                if plan.forget:  # marks of closed tasks on a message that keeps its keyword
                    with session_scope(engine) as session:
                        _record(session, account_id, plan, _Done(), now)
                return report
            if connection is None:
                connection = connect_fn(settings)
                report.connected = True
            done = _store(connection, plan, report)
            with session_scope(engine) as session:
                _record(session, account_id, plan, done, now)
        finally:
            if connection is not None:
                connection.close()
    return report


# ---- live check (Gmail labels, folders without CONDSTORE) ----------------------------


@dataclass(frozen=True)
class _LiveCheck:
    folder: str
    uidvalidity: int
    via: str
    keyword: str
    uids: dict[int, int]  # uid → location id


def _marks_needing_live_check(session, account_id: int) -> list[_LiveCheck]:
    """Marks whose state the sync cannot report: Gmail labels, and folders without CONDSTORE."""
    rows = session.exec(
        select(KeywordMark.location_id, KeywordMark.via, KeywordMark.keyword, Folder.name,
               MessageLocation.uidvalidity, MessageLocation.uid, Folder.highestmodseq)
        .join(MessageLocation, MessageLocation.id == KeywordMark.location_id)
        .join(Folder, Folder.id == MessageLocation.folder_id)
        .join(FollowUpTask, FollowUpTask.id == KeywordMark.task_id)
        .where(KeywordMark.account_id == account_id, MessageLocation.deleted == False,  # noqa: E712
               FollowUpTask.status.in_(OPEN_STATUSES))
    ).all()
    groups: dict[tuple, dict[int, int]] = defaultdict(dict)
    for location_id, via, keyword, folder, validity, uid, modseq in rows:
        if via == VIA_LABEL or modseq is None:
            groups[(folder, validity, via, keyword)][int(uid)] = location_id
    return [_LiveCheck(f, v, via, k, uids) for (f, v, via, k), uids in groups.items()]


def _live_flags(connection: ImapConnection, checks: list[_LiveCheck]) -> dict[int, tuple[str, ...]]:
    """Location id → its flags now, with a Gmail label shown as the keyword it stands for."""
    out: dict[int, tuple[str, ...]] = {}
    for check in checks:
        with translate_errors(connection.settings, f"EXAMINE {check.folder}"):
            status = connection.client.select_folder(check.folder, readonly=True)
        if int(status[b"UIDVALIDITY"]) != check.uidvalidity:
            continue
        items = ["FLAGS"] + (["X-GM-LABELS"] if check.via == VIA_LABEL else [])
        response = connection.fetch(list(check.uids), items)
        for uid, location_id in check.uids.items():
            data = response.get(uid)
            if data is None:
                continue  # gone from the folder: the sync will mark the location deleted
            flags = [_text(f) for f in data.get(b"FLAGS", ())]
            if check.via == VIA_LABEL and gmail_label(check.keyword) in {
                    _text(label) for label in data.get(b"X-GM-LABELS", ())}:
                flags.append(check.keyword)
            out[location_id] = tuple(flags)
    return out


# ---- reconcile: the two-way check and the plan ---------------------------------------


def _reconcile(session, account_id: int, now: datetime, live: dict[int, tuple[str, ...]],
               report: WritebackReport) -> _Plan:
    account = session.get(MailAccount, account_id)
    keyword = account.writeback_keyword or DEFAULT_KEYWORD
    plan = _Plan(keyword=keyword)
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
            loc = _Loc(location.id, location.folder_id, location.uidvalidity, location.uid, tuple(location.flags))
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


def _wanted_locations(session, account_id: int, now: datetime) -> dict[int, tuple[set[int], _Loc]]:
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
    wanted: dict[int, tuple[set[int], _Loc]] = {}
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
            wanted[loc_id] = (set(by_thread[thread_id]), _Loc(loc_id, folder_id, validity, uid, tuple(flags)))
    return wanted


# ---- store ---------------------------------------------------------------------------


@dataclass
class _Done:
    via: str = VIA_KEYWORD
    added: set[int] = field(default_factory=set)  # location ids that carry the keyword now
    removed: set[tuple[int, str]] = field(default_factory=set)  # (location id, keyword) taken off


def _store(connection: ImapConnection, plan: _Plan, report: WritebackReport) -> _Done:
    gmail = connection.is_gmail
    done = _Done(via=VIA_LABEL if gmail else VIA_KEYWORD)
    for folder_id in sorted(set(plan.add) | set(plan.remove)):
        name, validity = plan.folders[folder_id]
        with translate_errors(connection.settings, f"SELECT {name}"):
            status = connection.client.select_folder(name)  # read-write: STORE needs it
        if int(status[b"UIDVALIDITY"]) != validity:
            report.skipped_folders.append(name)  # recreated: the next sync reads it afresh
            continue
        # Compare with the stored flags: nothing is sent for what the server already has.
        # (Gmail labels are not in the flags: those are always sent; adding twice is harmless.)
        adds = plan.add.get(folder_id, [])
        to_add = sorted({loc.uid for _task, loc in adds if gmail or plan.keyword not in loc.flags})
        to_remove: dict[str, set[int]] = defaultdict(set)
        for loc, keyword in plan.remove.get(folder_id, []):
            if gmail or keyword in loc.flags:
                to_remove[keyword].add(loc.uid)
        if to_add:
            report.stores += _store_uids(connection, to_add, plan.keyword, adding=True, gmail=gmail)
        for keyword, uids in sorted(to_remove.items()):
            report.stores += _store_uids(connection, sorted(uids), keyword, adding=False, gmail=gmail)
        done.added.update(loc.location_id for _task, loc in adds)
        done.removed.update((loc.location_id, keyword) for loc, keyword in plan.remove.get(folder_id, []))
        report.set += len(to_add)
        report.removed += sum(len(uids) for uids in to_remove.values())
    return done


def _store_uids(connection: ImapConnection, uids: list[int], keyword: str, *, adding: bool, gmail: bool) -> int:
    """UID STORE +/-FLAGS.SILENT (or X-GM-LABELS) of exactly one keyword; returns the commands sent."""
    client = connection.client
    sign = "+" if adding else "-"
    commands = 0
    for start in range(0, len(uids), STORE_CHUNK):
        chunk = uids[start:start + STORE_CHUNK]
        connection.commands["STORE"] = connection.commands.get("STORE", 0) + 1
        with translate_errors(connection.settings, f"STORE {sign}{'X-GM-LABELS' if gmail else 'FLAGS'}"):
            if gmail:
                change = client.add_gmail_labels if adding else client.remove_gmail_labels
                change(chunk, [gmail_label(keyword)], silent=True)
            else:
                change = client.add_flags if adding else client.remove_flags
                change(chunk, [keyword], silent=True)
        commands += 1
    return commands


# ---- record --------------------------------------------------------------------------


def _record(session, account_id: int, plan: _Plan, done: _Done, now: datetime) -> None:
    if plan.forget:
        session.execute(delete(KeywordMark).where(KeywordMark.id.in_(plan.forget)))
    touched = done.added | {location_id for location_id, _ in done.removed}
    locations = {loc.id: loc for loc in session.exec(
        select(MessageLocation).where(MessageLocation.id.in_(touched)))} if touched else {}
    for entries in plan.add.values():
        for task_id, loc in entries:
            if loc.location_id in done.added:
                location = locations[loc.location_id]
                session.add(KeywordMark(account_id=account_id, task_id=task_id, location_id=loc.location_id,
                                        keyword=plan.keyword, via=done.via, flagged=FLAGGED in location.flags,
                                        set_at=now))
    if done.via == VIA_KEYWORD:  # Gmail labels are not flags: the stored flags stay the server's
        for location_id, keyword in done.removed:
            location = locations[location_id]
            location.flags = [f for f in location.flags if f != keyword]
        for location_id in done.added:
            location = locations[location_id]
            if plan.keyword not in location.flags:
                location.flags = sorted({*location.flags, plan.keyword})


def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
