"""Which folders of a mailbox to sync, found by SPECIAL-USE (RFC 6154) with name fallbacks.

- Gmail (X-GM-EXT-1): only ``[Gmail]/All Mail`` (``\\All``): every message once, each
  with its X-GM-MSGID, X-GM-THRID and X-GM-LABELS, instead of one copy per label.
- Elsewhere: INBOX, the Sent folder (``\\Sent``, else a common name such as "Sent Items",
  "Gesendet", "Envoyés"), and the ``\\Archive`` folder when there is one (replies filed
  away still close follow-ups).
- Never: ``\\Junk``, ``\\Trash``, ``\\Drafts``, ``\\Noselect`` folders.
"""

from __future__ import annotations

from dataclasses import dataclass

from followup.domain.vocabulary import FolderRole

SENT_NAMES = (
    "Sent",
    "Sent Items",
    "Sent Messages",
    "Sent Mail",
    "[Gmail]/Sent Mail",
    "[Google Mail]/Sent Mail",
    "INBOX.Sent",
    "INBOX/Sent",
    "INBOX.Sent Items",
    "INBOX.Sent Messages",
    "Gesendet",
    "Gesendete Objekte",
    "Gesendete Elemente",
    "Envoyés",
    "Éléments envoyés",
    "Messages envoyés",
    "Enviados",
    "Elementos enviados",
    "Inviata",
    "Posta inviata",
    "Verzonden",
    "Verzonden items",
    "Skickat",
    "Wysłane",
)
"""Names of the Sent folder on servers without SPECIAL-USE, in order of preference."""

ALL_MAIL_NAMES = ("[Gmail]/All Mail", "[Google Mail]/All Mail")
"""Gmail's All Mail folder when LIST does not mark it ``\\All``."""


@dataclass(frozen=True)
class FolderPlan:
    """A folder to sync and the role it plays."""

    name: str
    role: str


def _flags(raw_flags) -> frozenset[str]:
    return frozenset(
        (f.decode("ascii", "replace") if isinstance(f, bytes) else str(f)).upper() for f in raw_flags
    )


def _name(raw) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)


def plan_folders(listing, *, gmail: bool = False) -> list[FolderPlan]:
    """The folders to sync from a LIST response (imapclient's ``(flags, delimiter, name)``)."""
    folders = [(_flags(flags), _name(name)) for flags, _delim, name in listing]
    selectable = [(flags, name) for flags, name in folders if "\\NOSELECT" not in flags and "\\NONEXISTENT" not in flags]

    def by_flag(flag: str) -> str | None:
        return next((name for flags, name in selectable if flag in flags), None)

    def by_names(names) -> str | None:
        lowered = {name.lower(): name for _flags, name in selectable}
        for wanted in names:
            if wanted.lower() in lowered:
                return lowered[wanted.lower()]
        return None

    if gmail:
        all_mail = by_flag("\\ALL") or by_names(ALL_MAIL_NAMES)
        if all_mail:
            return [FolderPlan(all_mail, FolderRole.ALL)]

    plans: list[FolderPlan] = []
    inbox = next((name for _f, name in selectable if name.upper() == "INBOX"), "INBOX")
    plans.append(FolderPlan(inbox, FolderRole.INBOX))
    sent = by_flag("\\SENT") or by_names(SENT_NAMES)
    if sent and sent != inbox:
        plans.append(FolderPlan(sent, FolderRole.SENT))
    archive = by_flag("\\ARCHIVE")
    if archive and archive not in (inbox, sent):
        plans.append(FolderPlan(archive, FolderRole.ARCHIVE))
    return plans


def discover_folders(connection) -> list[FolderPlan]:
    """LIST the mailbox of an `ImapConnection` and plan what to sync."""
    return plan_folders(connection.list_folders(), gmail=connection.is_gmail)
