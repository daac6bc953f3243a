"""The write-back keyword: its default, its check, and the Gmail label that stands for it."""

from __future__ import annotations

import re

from followup.errors import FollowupError

DEFAULT_KEYWORD = "$FollowUp"
"""The keyword put on a thread's last message while its follow-up is due."""

FLAGGED = "\\Flagged"

VIA_KEYWORD = "keyword"
VIA_LABEL = "label"

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
