"""Live check: the flags the sync cannot report (Gmail labels, folders without CONDSTORE),
fetched from the server before the reconcile."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlmodel import select

from followup.db.models import Folder, FollowUpTask, KeywordMark, MessageLocation
from followup.domain.vocabulary import OPEN_STATUSES
from followup.nudges.writeback.keyword import VIA_LABEL, gmail_label
from inbox_sync.imap_connection import ImapConnection
from inbox_sync.imap_errors import translate_errors


@dataclass(frozen=True)
class _LiveCheck:
    folder: str
    uidvalidity: int
    via: str
    keyword: str
    uids: dict[int, int]  # uid → location id


def marks_needing_live_check(session, account_id: int) -> list[_LiveCheck]:
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


def live_flags(connection: ImapConnection, checks: list[_LiveCheck]) -> dict[int, tuple[str, ...]]:
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



def _text(value) -> str:
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
