"""Which IMAP folder takes a saved draft: the one the server marks \\Drafts, else one named Drafts."""

from inbox_sync.drafts_folder import find_drafts_folder


def test_drafts_folder_found_by_special_use_then_by_name():
    listing = [((b"\\HasNoChildren",), b"/", b"INBOX"), ((b"\\Drafts",), b"/", b"Mes brouillons"),
               ((), b"/", b"Drafts")]
    assert find_drafts_folder(listing) == "Mes brouillons"
    assert find_drafts_folder([((), b".", b"INBOX"), ((), b".", b"INBOX.Drafts")]) == "INBOX.Drafts"
    assert find_drafts_folder([((b"\\Noselect",), b"/", b"Drafts"), ((), b"/", b"INBOX")]) is None
