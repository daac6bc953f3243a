"""IMAP IDLE watchers against the real Dovecot: changes seen in seconds, IDLE re-issued, drops survived."""

from __future__ import annotations

import threading
import time

import inbox_sync.idle as idle
from inbox_sync.idle import FolderWatcher
from inbox_sync.imap_connection import ConnectionSettings
from tests.integration.mailboxes import inbound


def settings_for(imap_user, port=None) -> ConnectionSettings:
    return ConnectionSettings(host=imap_user.host, port=port or imap_user.port, security="none",
                              login=imap_user.name, password=imap_user.password, timeout=10)


def wait_for(predicate, timeout=10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def test_idle_sees_new_mail_and_is_reissued(imap_user, monkeypatch):
    monkeypatch.setattr(idle, "IDLE_RENEW_SECONDS", 1.0)
    changes = []
    stop = threading.Event()
    watcher = FolderWatcher(settings_for(imap_user), "INBOX", lambda: changes.append(time.monotonic()), stop)
    watcher.start()
    try:
        assert wait_for(lambda: watcher.idles >= 3)  # IDLE, DONE, IDLE again ... on one connection
        assert watcher.connections == 1 and not changes
        raw, when = inbound(1, days_ago=0)
        appended = time.monotonic()
        imap_user.append("INBOX", raw, msg_time=when)
        assert wait_for(lambda: changes)
        assert changes[0] - appended < 5
    finally:
        stop.set()
        watcher.join(timeout=5)
    assert not watcher.is_alive() and watcher.connections == 1


def test_idle_reconnects_after_the_connection_is_cut(imap_user, cutting_proxy):
    # Connection 0 measures how many bytes the server sends until IDLE is established;
    # connection 1 is cut a few bytes into the first notification after that.
    limits: dict[int, int] = {}
    proxy = cutting_proxy(imap_user.host, imap_user.port, cut_after_bytes=lambda i: limits.get(i))
    stop = threading.Event()
    probe = FolderWatcher(settings_for(imap_user, proxy.port), "INBOX", lambda: None, stop)
    probe.start()
    assert wait_for(lambda: probe.idles >= 1)
    time.sleep(0.5)
    limits[1] = proxy.bytes_to_client[0] + 5  # greeting ... "+ idling": the setup, then 5 more
    stop.set()
    probe.join(timeout=5)

    changes = []
    stop = threading.Event()
    watcher = FolderWatcher(settings_for(imap_user, proxy.port), "INBOX", lambda: changes.append(1), stop)
    watcher.start()
    try:
        assert wait_for(lambda: watcher.idles >= 1)
        raw, when = inbound(1, days_ago=0)
        imap_user.append("INBOX", raw, msg_time=when)  # its EXISTS crosses the limit: cut
        assert wait_for(lambda: proxy.cuts == 1 and watcher.connections == 2 and watcher.idles >= 2, timeout=15)
        assert changes  # the drop itself counts as "maybe changed": a sync runs
        seen = len(changes)
        raw, when = inbound(2, days_ago=0)
        imap_user.append("INBOX", raw, msg_time=when)
        assert wait_for(lambda: len(changes) > seen)
    finally:
        stop.set()
        watcher.join(timeout=5)
