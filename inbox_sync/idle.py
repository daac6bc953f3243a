"""`followup sync --watch`: IMAP IDLE (RFC 2177) on INBOX and Sent, so new mail is seen in seconds.

One `FolderWatcher` thread per watched folder, each with its own connection (IDLE watches
the selected folder only). A watcher re-issues IDLE every `IDLE_RENEW_SECONDS` (servers
may drop an IDLE after 30 minutes), treats a socket that turns readable without data as a
dead connection, and reconnects with backoff after any drop. On a change it puts the
account id on a queue; `watch()` runs the sync for each account that changed (several
changes within `DEBOUNCE_SECONDS` give one sync) and a full sync every `RESYNC_SECONDS`
as a safety net. Servers without IDLE are polled with NOOP every `POLL_SECONDS`.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from typing import Callable

from inbox_sync.imap_connection import ConnectionSettings, ImapConnection, connect
from inbox_sync.imap_errors import RETRYABLE_ERRORS, AuthenticationError, DroppedConnectionError, ImapError, translate_errors

log = logging.getLogger(__name__)

IDLE_RENEW_SECONDS = 25 * 60
"""IDLE is ended and re-issued this often (RFC 2177: before the server's 29-minute timeout)."""

CHECK_SECONDS = 1.0
"""How long each wait for IDLE responses lasts; also how fast a stop request is seen."""

POLL_SECONDS = 30.0
"""NOOP interval on servers without IDLE."""

DEBOUNCE_SECONDS = 1.0
"""Changes arriving within this time of each other give one sync."""

RESYNC_SECONDS = 15 * 60
"""A full sync of every watched account this often, whatever IDLE said."""

MAX_RECONNECT_DELAY = 60.0
"""Longest wait between two reconnects of a watcher."""

CHANGE_RESPONSES = (b"EXISTS", b"EXPUNGE", b"FETCH", b"VANISHED")
"""Untagged responses that mean the folder changed."""


class FolderWatcher(threading.Thread):
    """Keeps an IDLE open on one folder; calls `on_change()` when it changes."""

    def __init__(self, settings: ConnectionSettings, folder: str, on_change: Callable[[], None],
                 stop: threading.Event, connect_fn: Callable[[ConnectionSettings], ImapConnection] = connect) -> None:
        super().__init__(name=f"idle-{settings.login}-{folder}", daemon=True)
        self.settings = settings
        self.folder = folder
        self.on_change = on_change
        self.stop_event = stop
        self.connect_fn = connect_fn
        self.connections = 0
        self.idles = 0
        self.error: BaseException | None = None

    def run(self) -> None:
        delay = 1.0
        while not self.stop_event.is_set():
            try:
                self._watch_once()
                delay = 1.0
            except AuthenticationError as exc:
                self.error = exc
                log.error("watch %s: %s; giving up", self.folder, exc)
                return
            except (ImapError, *RETRYABLE_ERRORS) as exc:
                log.warning("watch %s: %s; reconnecting in %.0f s", self.folder, exc, delay)
                self.on_change()  # something may have arrived while we were away
                if self.stop_event.wait(delay):
                    return
                delay = min(delay * 2, MAX_RECONNECT_DELAY)

    def _watch_once(self) -> None:
        conn = self.connect_fn(self.settings)
        self.connections += 1
        try:
            conn.select(self.folder)
            if not conn.has("IDLE"):
                self._poll(conn)
                return
            while not self.stop_event.is_set():
                if self._idle_round(conn):
                    self.on_change()
        finally:
            conn.close()

    def _idle_round(self, conn: ImapConnection) -> bool:
        """One IDLE ... DONE; True when the folder changed."""
        client = conn.client
        changed = False
        with translate_errors(conn.settings, "IDLE"):
            client.idle()
            self.idles += 1
            started = time.monotonic()
            while not self.stop_event.is_set() and time.monotonic() - started < IDLE_RENEW_SECONDS:
                waited = time.monotonic()
                responses = client.idle_check(timeout=CHECK_SECONDS)
                if not responses and time.monotonic() - waited < CHECK_SECONDS * 0.5:
                    raise DroppedConnectionError(f"the IDLE connection to {conn.settings.where} was closed")
                if any(_is_change(r) for r in responses):
                    changed = True
                    break
            _text, responses = client.idle_done()
            changed = changed or any(_is_change(r) for r in responses)
        return changed

    def _poll(self, conn: ImapConnection) -> None:
        last = None
        while not self.stop_event.wait(POLL_SECONDS):
            _text, responses = conn.noop()
            status = conn.select(self.folder)
            current = (status.get(b"EXISTS"), status.get(b"UIDNEXT"))
            if (last is not None and current != last) or any(_is_change(r) for r in responses):
                self.on_change()
            last = current


def _is_change(response) -> bool:
    return isinstance(response, tuple) and any(item in CHANGE_RESPONSES for item in response[:3])


def watch(
    targets: dict[int, tuple[ConnectionSettings, list[str]]],
    sync: Callable[[int], None],
    *,
    stop: threading.Event | None = None,
    stop_after: float | None = None,
    connect_fn: Callable[[ConnectionSettings], ImapConnection] = connect,
) -> None:
    """Watch each account's folders and call `sync(account_id)` after changes.

    *targets* maps an account id to its connection settings and the folders to watch.
    Returns when *stop* is set, after *stop_after* seconds, or on KeyboardInterrupt.
    """
    stop = stop or threading.Event()
    changed: queue.Queue[int] = queue.Queue()
    watchers: list[FolderWatcher] = []
    for account_id, (settings, folders) in targets.items():
        for folder in folders:
            watcher = FolderWatcher(settings, folder, lambda a=account_id: changed.put(a), stop, connect_fn)
            watcher.start()
            watchers.append(watcher)
    deadline = time.monotonic() + stop_after if stop_after else None
    last_full = time.monotonic()
    try:
        while not stop.is_set():
            if deadline and time.monotonic() >= deadline:
                break
            try:
                first = changed.get(timeout=0.5)
            except queue.Empty:
                if time.monotonic() - last_full >= RESYNC_SECONDS:
                    last_full = time.monotonic()
                    for account_id in targets:
                        sync(account_id)
                continue
            pending = {first}
            settle = time.monotonic() + DEBOUNCE_SECONDS
            while time.monotonic() < settle:
                try:
                    pending.add(changed.get(timeout=max(0.0, settle - time.monotonic())))
                except queue.Empty:
                    break
            for account_id in sorted(pending):
                sync(account_id)
    except KeyboardInterrupt:
        pass
    finally:
        stop.set()
        for watcher in watchers:
            watcher.join(timeout=CHECK_SECONDS * 3)
