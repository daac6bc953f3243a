"""Store (IMAP): SELECT read-write, check UIDVALIDITY, UID STORE exactly the keyword."""

from __future__ import annotations

from collections import defaultdict

from followup.nudges.writeback.keyword import VIA_KEYWORD, VIA_LABEL, gmail_label
from followup.nudges.writeback.plan import Plan, Stored, WritebackReport
from inbox_sync.imap_connection import ImapConnection
from inbox_sync.imap_errors import translate_errors

STORE_CHUNK = 500
"""UIDs per STORE command (Dovecot refuses command lines over 64 kB)."""


def store(connection: ImapConnection, plan: Plan, report: WritebackReport) -> Stored:
    gmail = connection.is_gmail
    done = Stored(via=VIA_LABEL if gmail else VIA_KEYWORD)
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

