"""Incremental, resumable IMAP sync of one account into the database.

Each folder is a small persisted state machine. Its state is the `Folder` row
(uidvalidity, last_uid, uidnext, highestmodseq); every transition is committed before the
next network round trip, so a crash or a dropped connection resumes where it stopped::

    EXAMINE folder ─► UIDVALIDITY differs from the row? ──yes──► uidinvalid
          │ no                                                     │ row := (new uidvalidity,
          ▼                                                        │  last_uid 0, uidnext -,
    unchanged? (QRESYNC server, same UIDNEXT and HIGHESTMODSEQ) ◄──┘  highestmodseq -)
          │ no                       │ yes: done (no other command)
          ▼                          ▼
    flags: FETCH 1:last_uid (FLAGS) (CHANGEDSINCE highestmodseq)   [without CONDSTORE: all FLAGS]
          ▼
    new: UID SEARCH UID last_uid+1:* SINCE window ─► batches of `batch_size` UIDs:
         FETCH (FLAGS INTERNALDATE RFC822.SIZE [MODSEQ] [X-GM-*]) then BODY.PEEK[] (never
         \\Seen; a message over `max_message_bytes` gets its header and first text part
         only) ─► store each message, last_uid := batch max, COMMIT (the checkpoint)
          ▼
    deleted: UID SEARCH ALL; stored locations of this folder whose UID is gone or whose
         UIDVALIDITY is old are marked deleted; a message with no live location left is
         marked deleted_on_server (its thread history stays)
          ▼
    done: uidnext, highestmodseq, last_synced_at := what EXAMINE said; COMMIT

- A message is never stored twice: `inbox_sync.store.store_messages` dedupes on
  (Message-ID, content hash) and MessageLocation is unique on (folder, uidvalidity, uid);
  after a UIDVALIDITY change the refetched messages only gain new locations.
- A batch the database refuses is stored message by message
  (`inbox_sync.store.store_isolating_refusals`); a message refused alone is skipped, its UID
  kept in `Folder.refused_uids` and named in the account's `last_error`, and the checkpoint
  moves past it (retrying would fail on the same row for ever).
- The first sync reaches back to the account's `sync_since` (default: 90 days before the
  first sync, then stored on the account so every later search uses the same window).
- No database transaction is open during network I/O: fetched batches are stored in a
  session opened after the FETCH returned. The next batch is fetched on a helper thread
  while the current one is stored (the IMAP connection is only used by that thread then).
  From `PARALLEL_PARSE_MIN` new messages in a folder, MIME parsing runs in a helper
  process (spawned; callers' scripts need the usual ``if __name__ == "__main__"`` guard),
  so fetching, parsing and storing use both cores; batches are still stored in order.
- A connection error (`RETRYABLE_ERRORS`) reconnects with exponential backoff and resumes
  from the committed checkpoint; folders finished in this run are not visited again.
- At most one sync of an account runs at a time: an exclusive `flock` on
  ``DATA_DIR/locks/account-ID.lock`` (released by the OS if the process dies).
"""

from __future__ import annotations

import fcntl
import logging
import multiprocessing
import os
import queue
import re
import signal
import threading
import time
from collections import deque
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterable, Iterator

from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import select

from followup.db.session import session_scope
from followup.db.models import Folder, MailAccount, Message, MessageLocation
from followup.domain.vocabulary import SyncStatus
from followup.db.types import utcnow
from followup.errors import FollowupError
from inbox_sync.folders import FolderPlan, discover_folders
from inbox_sync.imap_connection import (
    RETRYABLE_ERRORS,
    ConnectionSettings,
    ImapConnection,
    ImapError,
    classify_error,
    connect,
    translate_errors,
)

log = logging.getLogger(__name__)

DEFAULT_BATCH_SIZE = 500
"""UIDs per FETCH and per checkpoint commit."""

DEFAULT_MAX_MESSAGE_BYTES = 5 * 1024 * 1024
"""Messages larger than this are not downloaded whole: header and first text part only."""

DEFAULT_WINDOW_DAYS = 90
"""How far back the first sync reaches when the account has no `sync_since`."""

DEFAULT_MAX_ATTEMPTS = 6
"""Connection attempts in a row (without a checkpoint in between) before the sync fails."""

DEFAULT_BACKOFF = 0.5
"""Seconds before the first reconnect; doubled each time up to `MAX_BACKOFF`."""

MAX_BACKOFF = 30.0
"""Longest wait between two reconnects."""

PARALLEL_PARSE_MIN = 1000
"""New messages in one folder from which MIME parsing moves to a helper process (the second
core) while this process fetches and stores."""

TRUNCATED_HEADER = "X-Followup-Truncated"
"""Header added to a large message of which only the first text part was downloaded."""


class SyncError(FollowupError):
    """Root of the sync's own errors (connection errors are `ImapError`s)."""


class SyncAlreadyRunning(SyncError):
    """Another sync of the same account holds its lock."""


class NotSyncable(SyncError):
    """The account cannot be synced (no IMAP server, unknown id)."""


@dataclass(frozen=True)
class SyncOptions:
    batch_size: int = DEFAULT_BATCH_SIZE
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    window_days: int = DEFAULT_WINDOW_DAYS
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff: float = DEFAULT_BACKOFF
    timeout: float = 60.0
    lock_dir: Path | None = None
    prefetch: bool = True
    parallel_parse_min: int = PARALLEL_PARSE_MIN  # 0: never parse in a helper process


@dataclass
class FolderReport:
    name: str
    role: str
    uidvalidity: int | None = None
    uidvalidity_changed: bool = False
    unchanged: bool = False
    fetched: int = 0
    created: int = 0
    locations_added: int = 0
    truncated: int = 0
    parsed_in_helper: int = 0
    flags_updated: int = 0
    marked_deleted: int = 0
    refused: list[int] = field(default_factory=list)  # UIDs the database refused to store
    refusal_errors: list[str] = field(default_factory=list)  # "FOLDER UID n: why", one a UID


@dataclass
class SyncReport:
    account_id: int
    folders: list[FolderReport] = field(default_factory=list)
    connections: int = 0
    retries: int = 0
    commands: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    pipeline: dict | None = None

    @property
    def fetched(self) -> int:
        return sum(f.fetched for f in self.folders)

    @property
    def created(self) -> int:
        return sum(f.created for f in self.folders)

    @property
    def marked_deleted(self) -> int:
        return sum(f.marked_deleted for f in self.folders)

    @property
    def refused_count(self) -> int:
        return sum(len(f.refused) for f in self.folders)

    @property
    def fetch_commands(self) -> int:
        return self.commands.get("FETCH", 0)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.update(fetched=self.fetched, created=self.created, marked_deleted=self.marked_deleted,
                    refused=self.refused_count, fetch_commands=self.fetch_commands)
        return data


# ---- the per-account lock --------------------------------------------------------------


def default_lock_dir() -> Path:
    """Where account locks live when the caller names no directory: DATA_DIR/locks."""
    return Path(os.environ.get("FOLLOWUP_DATA_DIR") or ".") / "locks"


class AccountLock:
    """An exclusive, non-blocking `flock` for one account; the OS frees it if we die."""

    def __init__(self, lock_dir: Path, account_id: int) -> None:
        self.path = Path(lock_dir) / f"account-{account_id}.lock"
        self.account_id = account_id
        self._fd: int | None = None

    def __enter__(self) -> "AccountLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise SyncAlreadyRunning(f"a sync of account {self.account_id} is already running") from None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode())
        self._fd = fd
        return self

    def __exit__(self, *exc) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None


# ---- the account -----------------------------------------------------------------------


def sync_mailbox(
    engine: Engine,
    account_id: int,
    *,
    secret_key: str,
    options: SyncOptions | None = None,
    now: datetime | None = None,
    connect_fn: Callable[[ConnectionSettings], ImapConnection] = connect,
) -> SyncReport:
    """Sync every folder of the account; record the outcome on the account.

    On failure the account gets sync_status ``error`` or ``auth_failed`` and `last_error`,
    and the exception is raised again (job runners must see the failure).
    """
    options = options or SyncOptions()
    lock_dir = options.lock_dir or default_lock_dir()
    with AccountLock(lock_dir, account_id):
        settings, window = _begin(engine, account_id, secret_key, options, now or utcnow())
        report = SyncReport(account_id=account_id)
        started = time.monotonic()
        try:
            _sync_with_retries(engine, account_id, settings, window, options, report, connect_fn)
        except BaseException as exc:
            report.seconds = time.monotonic() - started
            error = exc if isinstance(exc, ImapError) else None
            _record_failure(engine, account_id, exc, error.status if error else SyncStatus.ERROR)
            raise
        report.seconds = time.monotonic() - started
        _record_success(engine, account_id, report)
        return report


def _begin(engine, account_id, secret_key, options, now) -> tuple[ConnectionSettings, date]:
    with session_scope(engine) as session:
        account = session.get(MailAccount, account_id)
        if account is None:
            raise NotSyncable(f"no account {account_id}")
        if not account.imap_host:
            raise NotSyncable(f"account {account_id} is import-only (no IMAP server)")
        if account.sync_since is None:
            account.sync_since = (now - timedelta(days=options.window_days)).date()
        account.sync_status = SyncStatus.SYNCING
        account.sync_progress = {"started_at": now.isoformat()}
        settings = ConnectionSettings.for_account(account, secret_key, timeout=options.timeout)
        return settings, account.sync_since


REFUSED_PREFIX = "refused by the database: "
"""How `last_error` of a successful sync names the messages the database would not store."""


def _record_success(engine, account_id, report: SyncReport) -> None:
    """Status ok; `last_error` names what the database refused, in this sync (with why) or before."""
    with session_scope(engine) as session:
        account = session.get(MailAccount, account_id)
        account.sync_status = SyncStatus.OK
        account.last_sync_at = utcnow()
        account.sync_progress = {}
        refused = "; ".join(error for folder in report.folders for error in folder.refusal_errors)
        if refused:
            account.last_error_at = utcnow()
        refused = refused or _refused_earlier(session, account_id)
        account.last_error = (REFUSED_PREFIX + refused)[:2000] if refused else None
        if not refused:
            account.last_error_at = None


def _refused_earlier(session, account_id: int) -> str:
    folders = session.exec(select(Folder).where(Folder.account_id == account_id).order_by(Folder.name))
    return "; ".join(f"{f.name} UID {', '.join(map(str, f.refused_uids))}" for f in folders if f.refused_uids)


def _record_failure(engine, account_id, exc: BaseException, status: str) -> None:
    message = str(exc) or exc.__class__.__name__
    if not isinstance(exc, (ImapError, SyncError)):
        message = f"{exc.__class__.__name__}: {message}"
    try:
        with session_scope(engine) as session:
            account = session.get(MailAccount, account_id)
            if account is not None:
                account.sync_status = str(status)
                account.last_error = message[:2000]
                account.last_error_at = utcnow()
    except Exception:  # the database itself may be what failed; keep the original error
        log.exception("could not record the sync failure of account %s", account_id)


def _sync_with_retries(engine, account_id, settings, window, options, report, connect_fn) -> None:
    done: set[str] = set()
    failures = 0
    while True:
        progress_mark = _progress_mark(report)
        connection = None
        try:
            connection = connect_fn(settings)
            report.connections += 1
            connection.client.normalise_times = False
            connection.enable_condstore()
            plans = discover_folders(connection)
            folder_ids = _upsert_folders(engine, account_id, plans)
            for plan in plans:
                if plan.name in done:
                    continue
                folder_report = next((f for f in report.folders if f.name == plan.name), None)
                if folder_report is None:
                    folder_report = FolderReport(plan.name, str(plan.role))
                    report.folders.append(folder_report)
                FolderSync(engine, connection, account_id, folder_ids[plan.name], window,
                           options, folder_report).run()
                done.add(plan.name)
            return
        except RETRYABLE_ERRORS as exc:
            failures = 0 if _progress_mark(report) != progress_mark else failures
            failures += 1
            if failures >= options.max_attempts:
                raise exc if isinstance(exc, ImapError) else classify_error(exc, settings, "sync") from exc
            delay = min(options.backoff * 2 ** (failures - 1), MAX_BACKOFF)
            log.warning("account %s: %s; reconnecting in %.1f s (attempt %d of %d)",
                        account_id, exc, delay, failures + 1, options.max_attempts)
            report.retries += 1
            time.sleep(delay)
        finally:
            if connection is not None:
                for name, count in connection.commands.items():
                    report.commands[name] = report.commands.get(name, 0) + count
                connection.commands.clear()
                connection.close()


def _progress_mark(report: SyncReport) -> tuple:
    return tuple((f.name, f.fetched, f.marked_deleted, f.flags_updated) for f in report.folders)


def _upsert_folders(engine, account_id, plans: list[FolderPlan]) -> dict[str, int]:
    with session_scope(engine) as session:
        existing = {f.name: f for f in session.exec(select(Folder).where(Folder.account_id == account_id))}
        for plan in plans:
            folder = existing.get(plan.name)
            if folder is None:
                folder = Folder(account_id=account_id, name=plan.name, role=str(plan.role))
                session.add(folder)
                existing[plan.name] = folder
            elif folder.role != plan.role:
                folder.role = str(plan.role)
        session.flush()
        return {plan.name: existing[plan.name].id for plan in plans}


# ---- one folder ------------------------------------------------------------------------


@dataclass
class FetchedMessage:
    uid: int
    raw: bytes
    flags: tuple[str, ...]
    size: int
    internal_date: datetime | None = None
    modseq: int | None = None
    gm_msgid: int | None = None
    gm_thrid: int | None = None
    truncated: bool = False


class FolderSync:
    """Runs the state machine of the module docstring for one folder."""

    def __init__(self, engine: Engine, connection: ImapConnection, account_id: int, folder_id: int,
                 window: date | None, options: SyncOptions, report: FolderReport) -> None:
        self.engine = engine
        self.conn = connection
        self.account_id = account_id
        self.folder_id = folder_id
        self.window = window
        self.options = options
        self.report = report

    def run(self) -> FolderReport:
        with session_scope(self.engine) as session:
            folder = session.get(Folder, self.folder_id)
            name, old_validity = folder.name, folder.uidvalidity
            last_uid, old_uidnext, old_modseq = folder.last_uid, folder.uidnext, folder.highestmodseq

        status = self.conn.select(name)
        uidvalidity = int(status[b"UIDVALIDITY"])
        uidnext = status.get(b"UIDNEXT")
        modseq = status.get(b"HIGHESTMODSEQ")
        self.empty = status.get(b"EXISTS") == 0  # some servers refuse `1:*` in an empty folder
        self.report.uidvalidity = uidvalidity

        if old_validity != uidvalidity:
            if old_validity is not None:
                log.info("folder %s: UIDVALIDITY %s -> %s, resyncing", name, old_validity, uidvalidity)
                self.report.uidvalidity_changed = True
            with session_scope(self.engine) as session:
                folder = session.get(Folder, self.folder_id)
                folder.uidvalidity, folder.last_uid = uidvalidity, 0
                folder.uidnext = folder.highestmodseq = None
                folder.refused_uids = []  # UIDs of the old UIDVALIDITY name other messages now
            last_uid, old_uidnext, old_modseq = 0, None, None

        if (self.conn.has("QRESYNC") and uidnext is not None and uidnext == old_uidnext
                and modseq is not None and modseq == old_modseq):
            self.report.unchanged = True
            self._complete(uidnext, modseq)
            return self.report

        if self.empty:
            pass
        elif self.conn.condstore and old_modseq and modseq and modseq > old_modseq and last_uid:
            self._sync_flags(uidvalidity, last_uid, old_modseq)
        elif not self.conn.condstore and last_uid:
            self._sync_flags(uidvalidity, last_uid, None)  # no CONDSTORE: every known UID's FLAGS

        if not self.empty and (uidnext is None or old_uidnext is None or uidnext != old_uidnext):
            self._fetch_new(name, uidvalidity, last_uid)

        self._detect_deleted(uidvalidity)
        self._complete(uidnext, modseq)
        return self.report

    # -- flags --------------------------------------------------------------------------

    def _sync_flags(self, uidvalidity: int, last_uid: int, since_modseq: int | None) -> None:
        modifiers = [f"CHANGEDSINCE {since_modseq}"] if since_modseq else []
        response = self.conn.fetch(f"1:{last_uid}", ["UID", "FLAGS"], modifiers)
        changes = {}
        for uid, data in response.items():
            if b"FLAGS" in data:
                changes[int(uid)] = (sorted(set(_flag_strings(data[b"FLAGS"]))), data.get(b"MODSEQ"))
        if not changes:
            return
        with session_scope(self.engine) as session:
            locations = session.exec(
                select(MessageLocation).where(
                    MessageLocation.folder_id == self.folder_id,
                    MessageLocation.uidvalidity == uidvalidity,
                    MessageLocation.uid.in_(list(changes)),
                )
            )
            for location in locations:
                flags, modseq = changes[location.uid]
                if list(flags) != list(location.flags):
                    location.flags = list(flags)
                    self.report.flags_updated += 1
                if modseq:
                    location.modseq = _modseq_value(modseq)

    # -- new messages -------------------------------------------------------------------

    def _fetch_new(self, name: str, uidvalidity: int, last_uid: int) -> None:
        criteria: list = ["UID", f"{last_uid + 1}:*"]
        if self.window is not None:
            criteria += ["SINCE", self.window]
        uids = [u for u in self.conn.search(criteria) if u > last_uid]
        if not uids:
            return
        batches = [uids[i:i + self.options.batch_size] for i in range(0, len(uids), self.options.batch_size)]
        fetched_batches = (self._fetch_batch(batch) for batch in batches)
        if self.options.prefetch and len(batches) > 1:
            fetched_batches = prefetch(fetched_batches)
        parser = None
        if 0 < self.options.parallel_parse_min <= len(uids) and (os.cpu_count() or 1) > 1:
            parser = ParsePool()
        # Three stages overlap: FETCH of batch k+2 (thread), parsing of k+1 (helper process),
        # storing of k (here). Batches are stored in order, so the checkpoint stays exact.
        pending: deque = deque()
        done = 0
        try:
            for batch, messages in zip(batches, fetched_batches):
                pending.append((batch, messages, parser.submit(messages) if parser else None))
                if len(pending) > 1 or parser is None:
                    done += self._store_batch(uidvalidity, *pending.popleft())
                    self._progress(name, done, len(uids))
            while pending:
                done += self._store_batch(uidvalidity, *pending.popleft())
                self._progress(name, done, len(uids))
        finally:
            if parser is not None:
                parser.close()

    def _fetch_batch(self, uids: list[int]) -> list[FetchedMessage]:
        conn, cap = self.conn, self.options.max_message_bytes
        items = ["UID", "FLAGS", "INTERNALDATE", "RFC822.SIZE"]
        if conn.condstore:
            items.append("MODSEQ")
        if conn.is_gmail:
            items += ["X-GM-MSGID", "X-GM-THRID"]
        meta = conn.fetch(uids, items)
        small = [u for u in uids if u in meta and int(meta[u].get(b"RFC822.SIZE", 0)) <= cap]
        bodies = conn.fetch(small, ["BODY.PEEK[]"]) if small else {}
        out: list[FetchedMessage] = []
        for uid in uids:
            data = meta.get(uid)
            if data is None:  # expunged between SEARCH and FETCH
                continue
            size = int(data.get(b"RFC822.SIZE", 0))
            truncated = False
            if uid in bodies and b"BODY[]" in bodies[uid]:
                raw = bodies[uid][b"BODY[]"]
            elif size > cap:
                raw, truncated = fetch_large_message(conn, uid, cap, size), True
            else:  # expunged between the two FETCHes
                continue
            out.append(FetchedMessage(
                uid=uid,
                raw=bytes(raw or b""),
                flags=_flag_strings(data.get(b"FLAGS", ())),
                size=size,
                internal_date=_aware(data.get(b"INTERNALDATE")),
                modseq=_modseq_value(data.get(b"MODSEQ")),
                gm_msgid=data.get(b"X-GM-MSGID"),
                gm_thrid=data.get(b"X-GM-THRID"),
                truncated=truncated,
            ))
        return out

    def _store_batch(self, uidvalidity: int, batch: list[int], messages: list[FetchedMessage],
                     parsing: Future | None = None) -> int:
        from inbox_sync.store import StoreItem, store_isolating_refusals, store_messages

        parsed = None
        if parsing is not None:
            try:
                parsed = parsing.result()
                self.report.parsed_in_helper += len(parsed)
            except Exception:  # the helper process died: parse here instead
                log.warning("parsing in the helper process failed; parsing in this one", exc_info=True)

        def store(session, indexes: list[int]):
            account = session.get(MailAccount, self.account_id)
            folder = session.get(Folder, self.folder_id)
            items = [
                StoreItem(raw=m.raw, folder=folder, uid=m.uid, uidvalidity=uidvalidity, flags=m.flags,
                          modseq=m.modseq, internal_date=m.internal_date, gm_msgid=m.gm_msgid,
                          gm_thrid=m.gm_thrid)
                for m in (messages[i] for i in indexes)
            ]
            results = store_messages(session, account, items,
                                     parsed=[parsed[i] for i in indexes] if parsed else None)
            for result in results:
                if result.message is not None and result.message.deleted_on_server:
                    result.message.deleted_on_server = False
            # The checkpoint commits with what it covers; one by one, it moves message by message.
            folder.last_uid = max(batch) if len(indexes) == len(messages) else messages[indexes[-1]].uid
            return results

        results, refusals = store_isolating_refusals(self.engine, len(messages), store)
        for item, result in zip(messages, results):
            self.report.fetched += 1
            self.report.truncated += int(item.truncated)
            if result is not None:
                self.report.created += int(bool(result.created))
                self.report.locations_added += int(bool(result.location_added))
        if refusals:
            self._record_refusals(batch, [(messages[r.index].uid, r.error) for r in refusals])
        return len(batch)

    def _record_refusals(self, batch: list[int], refused: list[tuple[int, str]]) -> None:
        """Keep the UIDs the database refused and move the checkpoint past them: retrying
        would fail on the same rows for ever."""
        uids = [uid for uid, _ in refused]
        log.warning("folder %s: the database refused UIDs %s", self.report.name, uids)
        self.report.refused += uids
        self.report.refusal_errors += [f"{self.report.name} UID {uid}: {error}" for uid, error in refused]
        with session_scope(self.engine) as session:
            folder = session.get(Folder, self.folder_id)
            folder.last_uid = max(folder.last_uid or 0, max(batch))
            folder.refused_uids = sorted(set(folder.refused_uids or []) | set(uids))

    def _progress(self, name: str, done: int, total: int) -> None:
        with session_scope(self.engine) as session:
            session.execute(
                update(MailAccount).where(MailAccount.id == self.account_id)
                .values(sync_progress={"folder": name, "done": done, "total": total})
            )

    # -- deleted on the server ----------------------------------------------------------

    def _detect_deleted(self, uidvalidity: int) -> None:
        on_server = set() if self.empty else set(self.conn.search(["ALL"]))
        with session_scope(self.engine) as session:
            rows = session.exec(
                select(MessageLocation.id, MessageLocation.message_id, MessageLocation.uid,
                       MessageLocation.uidvalidity)
                .where(MessageLocation.folder_id == self.folder_id, MessageLocation.deleted == False)  # noqa: E712
            ).all()
            gone = [(loc_id, msg_id) for loc_id, msg_id, uid, validity in rows
                    if validity != uidvalidity or uid not in on_server]
            if not gone:
                return
            gone_ids = [loc_id for loc_id, _ in gone]
            for chunk in _chunks(gone_ids, 500):
                session.execute(update(MessageLocation).where(MessageLocation.id.in_(chunk)).values(deleted=True))
            message_ids = sorted({msg_id for _, msg_id in gone})
            still_live = set()
            for chunk in _chunks(message_ids, 500):
                still_live.update(session.exec(
                    select(MessageLocation.message_id).where(
                        MessageLocation.message_id.in_(chunk), MessageLocation.deleted == False  # noqa: E712
                    )
                ).all())
            dead = [m for m in message_ids if m not in still_live]
            for chunk in _chunks(dead, 500):
                session.execute(update(Message).where(Message.id.in_(chunk)).values(deleted_on_server=True))
            self.report.marked_deleted += len(dead)

    def _complete(self, uidnext: int | None, modseq: int | None) -> None:
        with session_scope(self.engine) as session:
            folder = session.get(Folder, self.folder_id)
            folder.uidnext = uidnext
            folder.highestmodseq = modseq
            folder.last_synced_at = utcnow()


# ---- large messages --------------------------------------------------------------------


def first_text_part(structure, prefix: str = "") -> tuple[str, str] | None:
    """(section, subtype) of the first text/plain part, else the first text/html part."""
    found: list[tuple[str, str, str]] = []

    def walk(node, section: str) -> None:
        if node.is_multipart:
            for index, child in enumerate(node[0], start=1):
                walk(child, f"{section}.{index}" if section else str(index))
            return
        maintype = _text(node[0]).lower()
        subtype = _text(node[1]).lower()
        disposition = _disposition(node)
        if maintype == "text" and subtype in ("plain", "html") and disposition != "attachment":
            found.append((section or "1", subtype, maintype))

    walk(structure, prefix)
    for wanted in ("plain", "html"):
        for section, subtype, _ in found:
            if subtype == wanted:
                return section, subtype
    return None


def _disposition(node) -> str:
    # BODYSTRUCTURE extension data: body-fld-dsp sits after md5 for non-multipart parts.
    for item in node[7:]:
        if isinstance(item, tuple) and item and isinstance(item[0], bytes):
            value = item[0].decode("ascii", "replace").lower()
            if value in ("attachment", "inline"):
                return value
    return ""


def fetch_large_message(conn: ImapConnection, uid: int, cap: int, size: int) -> bytes:
    """The header of a large message plus its first text part (up to *cap* bytes of it)."""
    data = conn.fetch([uid], ["BODY.PEEK[HEADER]", "BODYSTRUCTURE"]).get(uid, {})
    header = bytes(data.get(b"BODY[HEADER]") or b"")
    structure = data.get(b"BODYSTRUCTURE")
    part = first_text_part(structure) if structure is not None else None
    note = f"{TRUNCATED_HEADER}: original size {size} bytes; attachments not downloaded\r\n".encode()
    if part is None:
        return _strip_content_headers(header) + note + b"Content-Type: text/plain; charset=us-ascii\r\n\r\n"
    section, _subtype = part
    if structure.is_multipart:
        items = [f"BODY.PEEK[{section}.MIME]", f"BODY.PEEK[{section}]<0.{cap}>"]
        part_data = conn.fetch([uid], items).get(uid, {})
        mime = bytes(part_data.get(f"BODY[{section}.MIME]".encode()) or b"")
        body = _partial(part_data, f"BODY[{section}]")
        content_headers = _content_headers(mime)
    else:
        part_data = conn.fetch([uid], [f"BODY.PEEK[TEXT]<0.{cap}>"]).get(uid, {})
        body = _partial(part_data, "BODY[TEXT]")
        content_headers = _content_headers(header)
    return _strip_content_headers(header) + content_headers + note + b"\r\n" + body


def _partial(data: dict, key: str) -> bytes:
    for candidate, value in data.items():
        if isinstance(candidate, bytes) and candidate.startswith(key.encode()):
            return bytes(value or b"")
    return b""


_HEADER_FIELD = re.compile(rb"^([!-9;-~]+):", re.M)


def _header_fields(block: bytes) -> list[tuple[bytes, bytes]]:
    """Split a header block into (name, whole field with folded lines) pairs."""
    block = block.replace(b"\r\n", b"\n").rstrip(b"\n") + b"\n"
    fields: list[tuple[bytes, bytes]] = []
    for line in block.split(b"\n"):
        if not line:
            continue
        if line[:1] in (b" ", b"\t") and fields:
            name, text = fields[-1]
            fields[-1] = (name, text + b"\r\n" + line)
        else:
            match = _HEADER_FIELD.match(line)
            fields.append(((match.group(1) if match else b"").lower(), line))
    return fields


_CONTENT_FIELDS = (b"content-type", b"content-transfer-encoding", b"mime-version")


def _strip_content_headers(block: bytes) -> bytes:
    kept = [text for name, text in _header_fields(block) if name not in _CONTENT_FIELDS]
    return b"".join(text + b"\r\n" for text in kept) + b"MIME-Version: 1.0\r\n"


def _content_headers(block: bytes) -> bytes:
    wanted = (b"content-type", b"content-transfer-encoding")
    return b"".join(text + b"\r\n" for name, text in _header_fields(block) if name in wanted)


# ---- helpers ---------------------------------------------------------------------------


def _text(value) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value or "")


def _flag_strings(flags) -> tuple[str, ...]:
    """Flags as text, without \\Recent (it belongs to one IMAP session, not to the message)."""
    return tuple(t for t in (_text(f) for f in flags or ()) if t.lower() != "\\recent")


def _modseq_value(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        value = value[0] if value else None
    return int(value) if value is not None else None


def _aware(value) -> datetime | None:
    if value is None or not isinstance(value, datetime):
        return None
    # imapclient's FixedOffset zones do not pickle (the parse helper process needs that).
    return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _parse_many(items: list[tuple[bytes, datetime | None]]) -> list:
    from inbox_sync.parse import parse_message

    return [parse_message(raw, internal_date=when) for raw, when in items]


def _die_with_parent(parent_pid: int) -> None:
    """In the helper: exit when the syncing process dies (a killed worker leaves no orphan)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except OSError:
        pass
    if os.getppid() != parent_pid:  # the parent died before the prctl took effect
        os._exit(1)


class ParsePool:
    """One helper process that parses MIME batches (CPU-bound) beside the fetching and storing.

    Started with "spawn": forking a process that has a prefetch thread and open database
    connections is unsafe.
    """

    def __init__(self) -> None:
        self._executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_die_with_parent, initargs=(os.getpid(),))
        self.broken = False

    def submit(self, messages: list[FetchedMessage]) -> Future | None:
        """A future of the parsed batch, or None (parse inline) once the helper has failed."""
        if self.broken:
            return None
        try:
            return self._executor.submit(_parse_many, [(m.raw, m.internal_date) for m in messages])
        except Exception:
            self.broken = True
            log.warning("the parse helper process is unusable; parsing in this one", exc_info=True)
            return None

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


_DONE = object()


def prefetch(iterator: Iterable, depth: int = 1) -> Iterator:
    """Run *iterator* on a helper thread, one item ahead of the consumer.

    An exception on the helper thread is raised in the consumer. When the consumer stops
    early (an error while storing), the helper is told to stop and is waited for, so the
    IMAP connection is never used by two threads at once.
    """
    results: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for item in iterator:
                while not stop.is_set():
                    try:
                        results.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as exc:  # handed to the consumer
            results.put((None, exc))
            return
        results.put((_DONE, None))

    thread = threading.Thread(target=work, name="imap-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item, exc = results.get()
            if exc is not None:
                raise exc
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            try:
                results.get(timeout=0.1)
            except queue.Empty:
                pass
        thread.join()


# ---- `followup account test` -----------------------------------------------------------


@dataclass
class AccountCheck:
    account_id: int
    server: str
    capabilities: list[str]
    folders: list[dict]
    seconds: float

    def to_dict(self) -> dict:
        return asdict(self)


def check_account(engine: Engine, account_id: int, *, secret_key: str, timeout: float = 30.0,
                  connect_fn: Callable[[ConnectionSettings], ImapConnection] = connect) -> AccountCheck:
    """Log in, read the capabilities and plan the folders; change nothing anywhere."""
    with session_scope(engine) as session:
        account = session.get(MailAccount, account_id)
        if account is None:
            raise NotSyncable(f"no account {account_id}")
        if not account.imap_host:
            raise NotSyncable(f"account {account_id} is import-only (no IMAP server)")
        settings = ConnectionSettings.for_account(account, secret_key, timeout=timeout)
    started = time.monotonic()
    with connect_fn(settings) as connection:
        capabilities = sorted(connection.capabilities)
        folders = []
        for plan in discover_folders(connection):
            with translate_errors(settings, f"STATUS {plan.name}"):
                status = connection.client.folder_status(plan.name, ["MESSAGES"])
            folders.append({"name": plan.name, "role": str(plan.role),
                            "messages": int(status.get(b"MESSAGES", 0))})
    return AccountCheck(account_id, settings.where, capabilities, folders, time.monotonic() - started)
