"""One folder's sync: the persisted state machine of `inbox_sync.sync`, batch by batch.
"""

from __future__ import annotations

import logging
import os
from collections import deque
from concurrent.futures import Future
from datetime import date
from inbox_sync.imap_connection import ImapConnection
from sqlalchemy import update
from sqlalchemy.engine import Engine
from sqlmodel import select

from followup.db.models import Folder, MailAccount, Message, MessageLocation
from followup.db.session import session_scope
from followup.db.types import utcnow
from inbox_sync.sync.fetch import (
    FetchedMessage,
    ParsePool,
    as_aware,
    chunks,
    fetch_large_message,
    flag_strings,
    modseq_value,
    prefetch,
)
from inbox_sync.store import StoreItem, store_isolating_refusals, store_messages
from inbox_sync.sync.reports import FolderReport, SyncOptions

log = logging.getLogger(__name__)


# ---- one folder ------------------------------------------------------------------------

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
                changes[int(uid)] = (sorted(set(flag_strings(data[b"FLAGS"]))), data.get(b"MODSEQ"))
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
                    location.modseq = modseq_value(modseq)

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
                flags=flag_strings(data.get(b"FLAGS", ())),
                size=size,
                internal_date=as_aware(data.get(b"INTERNALDATE")),
                modseq=modseq_value(data.get(b"MODSEQ")),
                gm_msgid=data.get(b"X-GM-MSGID"),
                gm_thrid=data.get(b"X-GM-THRID"),
                truncated=truncated,
            ))
        return out

    def _store_batch(self, uidvalidity: int, batch: list[int], messages: list[FetchedMessage],
                     parsing: Future | None = None) -> int:
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
            for chunk in chunks(gone_ids, 500):
                session.execute(update(MessageLocation).where(MessageLocation.id.in_(chunk)).values(deleted=True))
            message_ids = sorted({msg_id for _, msg_id in gone})
            still_live = set()
            for chunk in chunks(message_ids, 500):
                still_live.update(session.exec(
                    select(MessageLocation.message_id).where(
                        MessageLocation.message_id.in_(chunk), MessageLocation.deleted == False  # noqa: E712
                    )
                ).all())
            dead = [m for m in message_ids if m not in still_live]
            for chunk in chunks(dead, 500):
                session.execute(update(Message).where(Message.id.in_(chunk)).values(deleted_on_server=True))
            self.report.marked_deleted += len(dead)

    def _complete(self, uidnext: int | None, modseq: int | None) -> None:
        with session_scope(self.engine) as session:
            folder = session.get(Folder, self.folder_id)
            folder.uidnext = uidnext
            folder.highestmodseq = modseq
            folder.last_synced_at = utcnow()
