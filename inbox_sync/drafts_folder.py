"""Putting a drafted follow-up into the account's Drafts folder over IMAP.

The folder is the one LIST marks ``\\Drafts`` (RFC 6154), else one with a common name
("Drafts", "INBOX.Drafts", "Entwürfe", "Brouillons", ...); when there is none it is created,
with the ``\\Drafts`` attribute where the server offers CREATE-SPECIAL-USE (RFC 6154 §3),
under the personal namespace's prefix.

Saving again replaces: the UIDs that carry the draft's Message-ID are looked up first, the
new copy is APPENDed (flags ``\\Draft`` and ``\\Seen``), and only then are the old ones
flagged ``\\Deleted`` and expunged by UID (UIDPLUS; without it they stay flagged
``\\Deleted``, which mail clients hide, and nothing else in the folder is expunged). So a
failure half-way leaves the earlier draft in place, never no draft.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

from inbox_sync.folders import _flags, _name
from inbox_sync.imap_connection import ConnectionSettings, ImapConnection, connect
from inbox_sync.imap_errors import translate_errors

DRAFT_FLAGS = (b"\\Draft", b"\\Seen")

DRAFTS_NAMES = (
    "Drafts",
    "Draft",
    "INBOX.Drafts",
    "INBOX/Drafts",
    "[Gmail]/Drafts",
    "[Google Mail]/Drafts",
    "Entwürfe",
    "Brouillons",
    "Borradores",
    "Bozze",
    "Concepten",
    "Rascunhos",
    "Utkast",
    "Kopie robocze",
)
"""Names of the Drafts folder on servers without SPECIAL-USE, in order of preference."""

NEW_FOLDER_NAME = "Drafts"

SAVE_TIMEOUT = 30.0
"""Seconds to wait for the server while saving (the rep is waiting for the page)."""


@dataclass(frozen=True)
class SavedDraft:
    folder: str
    uid: int | None  # None when the server has no UIDPLUS to tell it
    replaced: int  # earlier copies of the same draft removed
    created_folder: bool

    def to_json(self) -> dict:
        return {"folder": self.folder, "uid": self.uid, "replaced": self.replaced,
                "created_folder": self.created_folder}


def find_drafts_folder(listing) -> str | None:
    """The Drafts folder in a LIST response (imapclient's ``(flags, delimiter, name)``), or None."""
    folders = [(_flags(flags), _name(name)) for flags, _delim, name in listing]
    usable = [(flags, name) for flags, name in folders if "\\NOSELECT" not in flags and "\\NONEXISTENT" not in flags]
    marked = next((name for flags, name in usable if "\\DRAFTS" in flags), None)
    if marked:
        return marked
    by_lower = {name.lower(): name for _flags, name in usable}
    return next((by_lower[n.lower()] for n in DRAFTS_NAMES if n.lower() in by_lower), None)


def save_draft(settings: ConnectionSettings, message: EmailMessage, message_id: str, at: datetime) -> SavedDraft:
    """Put `message` (whose Message-ID is `message_id`, without <>) into Drafts, replacing
    earlier copies with that Message-ID. Raises `inbox_sync.imap_errors.ImapError`."""
    with connect(settings) as connection:
        folder, created = _drafts_folder(connection)
        client = connection.client
        with translate_errors(settings, f"SELECT {folder}"):
            client.select_folder(folder)  # read-write: the old copies are deleted
        with translate_errors(settings, "SEARCH"):
            earlier = client.search(["HEADER", "Message-ID", f"<{message_id}>"])
        with translate_errors(settings, f"APPEND {folder}"):
            response = client.append(folder, message.as_bytes(), flags=DRAFT_FLAGS, msg_time=at)
        if earlier:
            with translate_errors(settings, "STORE"):
                client.add_flags(earlier, [b"\\Deleted"], silent=True)
                if connection.has("UIDPLUS"):
                    client.uid_expunge(earlier)
        return SavedDraft(folder=folder, uid=_appended_uid(response), replaced=len(earlier), created_folder=created)


def _drafts_folder(connection: ImapConnection) -> tuple[str, bool]:
    found = find_drafts_folder(connection.list_folders())
    if found:
        return found, False
    name = _personal_prefix(connection) + NEW_FOLDER_NAME
    with translate_errors(connection.settings, f"CREATE {name}"):
        if connection.has("CREATE-SPECIAL-USE"):
            # imapclient's create_folder() takes no USE list (RFC 6154 §5.1): the raw command.
            connection.client._imap._simple_command("CREATE", _quoted(name), "(USE (\\Drafts))")
        else:
            connection.client.create_folder(name)
        connection.client.subscribe_folder(name)
    return name, True


def _personal_prefix(connection: ImapConnection) -> str:
    if not connection.has("NAMESPACE"):
        return ""
    with translate_errors(connection.settings, "NAMESPACE"):
        personal = connection.client.namespace().personal
    if not personal:
        return ""
    prefix = personal[0][0]
    return prefix.decode() if isinstance(prefix, bytes) else (prefix or "")


def _quoted(name: str) -> str:
    from imapclient.imap_utf7 import encode

    return '"' + encode(name).decode("ascii").replace("\\", "\\\\").replace('"', '\\"') + '"'


_APPENDUID = re.compile(rb"\[APPENDUID \d+ (\d+)\]")


def _appended_uid(response) -> int | None:
    match = _APPENDUID.search(response if isinstance(response, bytes) else bytes(str(response), "utf-8"))
    return int(match.group(1)) if match else None
