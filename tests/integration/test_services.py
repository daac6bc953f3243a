"""The real-service fixtures work: Dovecot, Redis with an rq worker, the cutting proxy."""

from __future__ import annotations

import datetime as dt
import socket
import ssl
import subprocess
import sys
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import imapclient
import pytest
from imapclient.exceptions import IMAPClientAbortError, LoginError

from tests.paths import REPO_ROOT
from tests.services import port_accepts
from tests.services.dovecot import DovecotServer


def make_message(subject: str = "Quote for 40 pallets", body: str = "Could you send a quote?") -> bytes:
    msg = EmailMessage()
    msg["From"] = "Customer <buyer@customer.example>"
    msg["To"] = "Rep <rep@seller.example>"
    msg["Subject"] = subject
    msg["Date"] = "Mon, 23 Nov 2026 09:30:00 +0000"
    msg["Message-ID"] = make_msgid(domain="customer.example")
    msg.set_content(body)
    return msg.as_bytes().replace(b"\n", b"\r\n")


# ---- Dovecot -----------------------------------------------------------------------------


def test_dovecot_login_and_capabilities(imap_user):
    with imap_user.client() as client:
        caps = set(client.capabilities())
    assert {b"CONDSTORE", b"QRESYNC", b"SPECIAL-USE", b"IDLE", b"UIDPLUS", b"MOVE"} <= caps


def test_dovecot_special_use_folders(imap_user):
    with imap_user.client() as client:
        folders = {name: flags for flags, _sep, name in client.list_folders()}
    assert "INBOX" in folders
    assert b"\\Sent" in folders["Sent"]
    for name, attr in {"Drafts": b"\\Drafts", "Trash": b"\\Trash", "Junk": b"\\Junk", "Archive": b"\\Archive"}.items():
        assert attr in folders[name]


def test_dovecot_append_search_fetch(imap_user):
    raw = make_message()
    when = dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.timezone.utc)
    uid = imap_user.append("Sent", raw, flags=[b"\\Seen"], msg_time=when)
    assert uid == 1
    with imap_user.client() as client:
        assert client.folder_status("Sent", ["HIGHESTMODSEQ"])[b"HIGHESTMODSEQ"] >= 1
        assert client.enable("CONDSTORE") == [b"CONDSTORE"]
        info = client.select_folder("Sent")
        assert info[b"EXISTS"] == 1
        assert info[b"HIGHESTMODSEQ"] >= 1
        assert client.search(["SUBJECT", "pallets"]) == [uid]
        data = client.fetch([uid], ["BODY.PEEK[]", "FLAGS", "INTERNALDATE", "MODSEQ"])[uid]
    assert data[b"BODY[]"] == raw
    assert b"\\Seen" in data[b"FLAGS"]
    assert data[b"INTERNALDATE"].astimezone(dt.timezone.utc) == when.replace(tzinfo=dt.timezone.utc)


def test_dovecot_append_many(imap_user):
    when = dt.datetime(2026, 11, 1, 12, 0, tzinfo=dt.timezone.utc)
    template = make_message(subject="Order NUMBER")
    messages = [template.replace(b"NUMBER", str(i).encode()) for i in range(600)]
    messages[5] = {"msg": messages[5], "flags": [b"\\Answered"], "date": when}
    uids = imap_user.append_many("INBOX", messages, batch=250)
    assert uids == list(range(1, 601))
    with imap_user.client() as client:
        client.select_folder("INBOX", readonly=True)
        assert client.search(["SUBJECT", "Order 599"]) == [600]
        assert b"\\Answered" in client.get_flags([6])[6]


def test_dovecot_users_do_not_share_mail(dovecot, imap_user):
    imap_user.append("INBOX", make_message())
    dovecot.add_user("neighbour-" + imap_user.name, "pw")
    with dovecot.client("neighbour-" + imap_user.name) as client:
        assert client.select_folder("INBOX")[b"EXISTS"] == 0


def test_dovecot_create_and_delete_folder(imap_user):
    imap_user.create_folder("Customers/ACME")
    imap_user.append("Customers/ACME", make_message())
    with imap_user.client() as client:
        first_validity = client.folder_status("Customers/ACME", ["UIDVALIDITY"])[b"UIDVALIDITY"]
        assert client.folder_exists("Customers/ACME")
    imap_user.delete_folder("Customers/ACME")
    with imap_user.client() as client:
        assert not client.folder_exists("Customers/ACME")
    # Recreated, the folder is a new one: new UIDVALIDITY, UIDs from 1 again.
    imap_user.create_folder("Customers/ACME")
    assert imap_user.append("Customers/ACME", make_message()) == 1
    with imap_user.client() as client:
        assert client.folder_status("Customers/ACME", ["UIDVALIDITY"])[b"UIDVALIDITY"] != first_validity


@pytest.mark.parametrize("server_name", ["localhost", "127.0.0.1"])
def test_dovecot_tls_verifies_against_cafile(dovecot, imap_user, server_name):
    context = ssl.create_default_context(cafile=str(dovecot.cafile))
    with imapclient.IMAPClient(server_name, dovecot.ssl_port, ssl=True, ssl_context=context, timeout=10) as client:
        client.login(imap_user.name, imap_user.password)
        assert client.select_folder("INBOX")[b"EXISTS"] == 0
    with imap_user.client(tls=True) as client:
        assert client.ssl and client.select_folder("INBOX")[b"EXISTS"] == 0
    # Without the CA the same server is refused: verification is really happening.
    with pytest.raises(ssl.SSLCertVerificationError):
        imapclient.IMAPClient(server_name, dovecot.ssl_port, ssl=True, ssl_context=ssl.create_default_context(), timeout=10)


def test_dovecot_starttls_on_plain_port(dovecot, imap_user):
    context = ssl.create_default_context(cafile=str(dovecot.cafile))
    with imapclient.IMAPClient("localhost", dovecot.port, ssl=False, timeout=10) as client:
        client.starttls(context)
        client.login(imap_user.name, imap_user.password)
        assert client.select_folder("INBOX")[b"EXISTS"] == 0


def test_dovecot_wrong_password(dovecot, imap_user):
    client = imapclient.IMAPClient(dovecot.host, dovecot.port, ssl=False, timeout=10)
    try:
        with pytest.raises(LoginError):
            client.login(imap_user.name, imap_user.password + "-wrong")
    finally:
        client.shutdown()


def test_dovecot_restart_keeps_mail():
    # A server of its own (in its own temp dir): restarting the session one would cut
    # other tests' connections.
    with DovecotServer() as server:
        server.add_user("alice", "secret")
        uid = server.append("alice", "INBOX", make_message(subject="kept"))
        port, ssl_port, pid = server.port, server.ssl_port, server.pid
        open_session = server.client("alice")
        open_session.select_folder("INBOX")
        server.restart()
        with pytest.raises((IMAPClientAbortError, OSError)):
            open_session.noop()
        assert (server.port, server.ssl_port) == (port, ssl_port)
        assert server.pid != pid
        with server.client("alice") as client:
            client.select_folder("INBOX")
            assert client.search(["SUBJECT", "kept"]) == [uid]
    assert not port_accepts(server.host, port)
    assert not port_accepts(server.host, ssl_port)
    assert not server.root.exists()


def test_dovecot_refuses_pytest_tmp_path(tmp_path):
    with pytest.raises(ValueError, match="pytest"):
        DovecotServer(tmp_path / "dovecot")


# ---- Redis and rq ------------------------------------------------------------------------


def double(x: int) -> int:
    """An rq job run by a real worker process (imported there as tests.integration.test_services.double)."""
    return 2 * x


def test_redis_ping_set_get(redis_conn):
    assert redis_conn.ping()
    assert redis_conn.dbsize() == 0
    redis_conn.set("followup:test", "42")
    assert redis_conn.get("followup:test") == b"42"


def test_redis_is_flushed_between_tests(redis_conn):
    assert redis_conn.get("followup:test") is None


def test_rq_worker_subprocess_runs_job(redis_url, redis_conn):
    from rq import Queue

    queue = Queue("followup-test", connection=redis_conn)
    job = queue.enqueue(double, 21)
    rq_cli = Path(sys.executable).with_name("rq")
    result = subprocess.run(
        [str(rq_cli), "worker", "--burst", "--url", redis_url, "--path", str(REPO_ROOT), "followup-test"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    job.refresh()
    assert job.get_status() == "finished", result.stdout + result.stderr
    assert job.return_value() == 42


# ---- TCP fault-injection proxy -----------------------------------------------------------


def test_proxy_passes_then_cuts_imap(dovecot, imap_user, cutting_proxy):
    for _ in range(3):
        imap_user.append("INBOX", make_message(body="x" * 20_000))
    proxy = cutting_proxy(dovecot.host, dovecot.port, cut_after_bytes=30_000, cut_connections=1)

    client = imapclient.IMAPClient(proxy.host, proxy.port, ssl=False, timeout=10)
    client.login(imap_user.name, imap_user.password)
    uids = client.select_folder("INBOX") and client.search()
    assert len(uids) == 3
    with pytest.raises((IMAPClientAbortError, OSError)):
        client.fetch(uids, ["BODY.PEEK[]"])
    assert proxy.cuts == 1
    assert proxy.bytes_to_client[0] == 30_000

    # The second connection is not cut.
    with imapclient.IMAPClient(proxy.host, proxy.port, ssl=False, timeout=10) as client:
        client.login(imap_user.name, imap_user.password)
        client.select_folder("INBOX")
        assert len(client.fetch(uids, ["BODY.PEEK[]"])) == 3
    assert proxy.connections == 2
    assert proxy.cuts == 1


def test_proxy_reset_and_per_connection_rule(dovecot, cutting_proxy):
    proxy = cutting_proxy(dovecot.host, dovecot.port, cut_after_bytes=[0, None], reset=True)
    with pytest.raises((IMAPClientAbortError, OSError)):
        imapclient.IMAPClient(proxy.host, proxy.port, ssl=False, timeout=10)
    with imapclient.IMAPClient(proxy.host, proxy.port, ssl=False, timeout=10) as client:
        assert b"IMAP4REV1" in client.capabilities()
    proxy.set_cut(5)
    sock = socket.create_connection((proxy.host, proxy.port), timeout=10)
    received = b""
    try:
        while chunk := sock.recv(100):
            received += chunk
    except ConnectionResetError:
        pass
    finally:
        sock.close()
    assert received == b"* OK "


def test_private_redis_server_starts_and_stops(tmp_path):
    import redis

    from tests.services.redis_server import RedisServer, redis_answers

    server = RedisServer(tmp_path / "redis").start()
    try:
        conn = redis.Redis(host=server.host, port=server.port)
        assert conn.ping()
        assert conn.config_get("save") == {"save": ""}
        assert conn.config_get("appendonly") == {"appendonly": "no"}
        conn.close()
    finally:
        server.stop()
    assert not redis_answers(server.host, server.port)


def test_concurrent_sessions_get_distinct_redis_databases(redis_service):
    from tests.services.redis_server import acquire_redis

    other = acquire_redis()  # as a second pytest session on this machine would
    try:
        assert other.url != redis_service.url
    finally:
        other.release()


def test_missing_binary_without_root_says_what_to_install(monkeypatch):
    from tests.services import dovecot as dovecot_module

    monkeypatch.setattr(dovecot_module.os, "geteuid", lambda: 1000)
    with pytest.raises(dovecot_module.DovecotUnavailable, match="apt-get install -y dovecot-imapd"):
        dovecot_module.apt_install("dovecot-imapd", "/nonexistent/dovecot")
