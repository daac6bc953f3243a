"""The sync's pure parts: message sets, folder planning, large-message parts, error texts."""

import socket
import ssl
import sys

import pytest
from imapclient import exceptions as imap_exc
from imapclient.response_types import BodyData

from inbox_sync.folders import plan_folders
from inbox_sync.imap_connection import ConnectionSettings, fetch_oauth2_token, is_loopback, uid_set
from inbox_sync.imap_errors import AuthenticationError, ConnectTimeoutError, DroppedConnectionError, HostNotFoundError, TLSError, TokenCommandError, classify_error
from inbox_sync.sync.account import AccountLock
from inbox_sync.sync.reports import SyncAlreadyRunning
from inbox_sync.sync.fetch import _strip_content_headers, first_text_part, prefetch


def test_uid_set_compresses_runs():
    assert uid_set([]) == ""
    assert uid_set([5]) == "5"
    assert uid_set([3, 1, 2, 7, 9, 10, 10]) == "1:3,7,9:10"
    assert len(uid_set(range(1, 20001))) == len("1:20000")


def _listing(*entries):
    return [(tuple(f.encode() for f in flags), b"/", name) for flags, name in entries]


def test_special_use_folders_are_chosen_and_junk_trash_drafts_skipped():
    listing = _listing(
        (("\\HasNoChildren",), "INBOX"),
        (("\\HasNoChildren", "\\Sent"), "Outbox Sent"),
        (("\\Junk",), "Spam"),
        (("\\Trash",), "Bin"),
        (("\\Drafts",), "Drafts"),
        (("\\Archive",), "Archive"),
        ((), "Projects"),
    )
    plans = plan_folders(listing)
    assert [(p.name, p.role) for p in plans] == [("INBOX", "inbox"), ("Outbox Sent", "sent"), ("Archive", "archive")]


@pytest.mark.parametrize("sent_name", ["Sent Items", "Gesendet", "Envoyés", "INBOX.Sent", "Sent Messages"])
def test_sent_found_by_name_without_special_use(sent_name):
    plans = plan_folders(_listing(((), "INBOX"), ((), "Trash"), ((), sent_name)))
    assert [(p.name, p.role) for p in plans] == [("INBOX", "inbox"), (sent_name, "sent")]


def test_gmail_syncs_all_mail_only():
    listing = _listing(
        ((), "INBOX"),
        (("\\Noselect", "\\HasChildren"), "[Gmail]"),
        (("\\All", "\\HasNoChildren"), "[Gmail]/All Mail"),
        (("\\Sent",), "[Gmail]/Sent Mail"),
        (("\\Junk",), "[Gmail]/Spam"),
        ((), "Customers"),
    )
    assert [(p.name, p.role) for p in plan_folders(listing, gmail=True)] == [("[Gmail]/All Mail", "all")]
    # Not Gmail: \All is not used, INBOX and Sent are.
    assert [p.role for p in plan_folders(listing)] == ["inbox", "sent"]


def test_first_text_part_prefers_plain_and_skips_attachments():
    text_plain = (b"text", b"plain", (b"charset", b"utf-8"), None, None, b"7bit", 20, 1)
    html = (b"text", b"html", (b"charset", b"utf-8"), None, None, b"7bit", 40, 2)
    attached_text = (b"text", b"plain", (b"name", b"a.txt"), None, None, b"base64", 9999, 10,
                     None, (b"attachment", (b"filename", b"a.txt")), None, None)
    pdf = (b"application", b"pdf", (b"name", b"x.pdf"), None, None, b"base64", 99999)
    alternative = BodyData.create((html, text_plain, b"alternative"))
    structure = BodyData.create(((attached_text,), ((html, text_plain, b"alternative")), pdf, b"mixed"))
    assert first_text_part(alternative) == ("2", "plain")
    assert first_text_part(BodyData.create((attached_text, pdf, b"mixed"))) is None
    nested = BodyData.create(((html, text_plain, b"alternative"), pdf, b"mixed"))
    assert first_text_part(nested) == ("1.2", "plain")
    assert first_text_part(BodyData.create(text_plain)) == ("1", "plain")
    assert structure.is_multipart


def test_content_headers_are_replaced_keeping_folded_fields():
    header = (b"From: a@x.com\r\nSubject: long\r\n  folded subject\r\nContent-Type: multipart/mixed;\r\n"
              b"\tboundary=XX\r\nMIME-Version: 1.0\r\n\r\n")
    out = _strip_content_headers(header)
    assert b"Content-Type" not in out and b"boundary" not in out
    assert b"Subject: long\r\n  folded subject\r\n" in out
    assert out.count(b"MIME-Version") == 1


SETTINGS = ConnectionSettings(host="imap.example.com", port=993, login="rep@example.com")


@pytest.mark.parametrize("exc, kind, words", [
    (imap_exc.LoginError("[AUTHENTICATIONFAILED] Authentication failed."), AuthenticationError, "rejected the login"),
    (socket.gaierror(-2, "Name or service not known"), HostNotFoundError, "does not resolve"),
    (socket.timeout("timed out"), ConnectTimeoutError, "did not answer within"),
    (ssl.SSLCertVerificationError(1, "certificate verify failed"), TLSError, "could not be verified"),
    (imap_exc.IMAPClientAbortError("socket error: EOF"), DroppedConnectionError, "was lost"),
])
def test_errors_are_classified_with_clear_messages(exc, kind, words):
    error = classify_error(exc, SETTINGS, "FETCH")
    assert isinstance(error, kind)
    assert words in str(error) and "imap.example.com" in str(error)


def test_auth_errors_mark_the_account_auth_failed():
    assert AuthenticationError.status == "auth_failed"
    assert TLSError.status == "error"


def test_oauth2_token_command(tmp_path):
    assert fetch_oauth2_token("echo ya29.token-value") == "ya29.token-value"
    assert fetch_oauth2_token(f"{sys.executable} -c \"print('tok')\" | cat") == "tok"
    with pytest.raises(TokenCommandError, match="exited with status 3"):
        fetch_oauth2_token(f"{sys.executable} -c \"import sys; sys.stderr.write('expired'); sys.exit(3)\"")
    with pytest.raises(TokenCommandError, match="printed no token"):
        fetch_oauth2_token("true")
    with pytest.raises(TokenCommandError, match="could not run"):
        fetch_oauth2_token(str(tmp_path / "missing-command"))


def test_loopback_detection():
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("192.0.2.1") and not is_loopback("no-such-host.invalid")


def test_account_lock_is_exclusive(tmp_path):
    with AccountLock(tmp_path, 7):
        with pytest.raises(SyncAlreadyRunning, match="account 7"):
            with AccountLock(tmp_path, 7):
                pass
        with AccountLock(tmp_path, 8):
            pass
    with AccountLock(tmp_path, 7):
        pass


def test_prefetch_keeps_order_and_passes_errors():
    assert list(prefetch(iter(range(5)))) == [0, 1, 2, 3, 4]

    def failing():
        yield 1
        raise ConnectionResetError("cut")

    got = []
    with pytest.raises(ConnectionResetError):
        for item in prefetch(failing()):
            got.append(item)
    assert got == [1]
