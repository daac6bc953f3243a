"""The write-back keyword: which names an IMAP keyword may take."""

from __future__ import annotations

from followup.nudges.writeback.keyword import DEFAULT_KEYWORD, WritebackError, check_keyword

KW = DEFAULT_KEYWORD.encode()


def test_keyword_check():
    assert check_keyword(" $FollowUp ") == "$FollowUp"
    for bad in ("", "two words", "\\Seen", "a(b", "x" * 101, 'q"'):
        try:
            check_keyword(bad)
        except WritebackError:
            continue
        raise AssertionError(f"{bad!r} accepted")
