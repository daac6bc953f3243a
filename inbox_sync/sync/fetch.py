"""Fetching well: a large message's header and first text part only, and the pipelining that
fetches the next batch (and parses in a helper process) while the current one is stored.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import queue
import re
import signal
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone
from inbox_sync.imap_connection import ImapConnection
from inbox_sync.parse import parse_message
from typing import Iterable, Iterator

from inbox_sync.sync.reports import TRUNCATED_HEADER

log = logging.getLogger(__name__)


@dataclass
class FetchedMessage:
    uid: int
    raw: bytes
    flags: tuple[str, ...]
    size: int
    internal_date: datetime | None = None
    modseq: int | None = None
    gm_msgid: int | None = None
    gm_thrid: int | None = None
    truncated: bool = False

# ---- large messages --------------------------------------------------------------------


def first_text_part(structure, prefix: str = "") -> tuple[str, str] | None:
    """(section, subtype) of the first text/plain part, else the first text/html part."""
    found: list[tuple[str, str, str]] = []

    def walk(node, section: str) -> None:
        if node.is_multipart:
            for index, child in enumerate(node[0], start=1):
                walk(child, f"{section}.{index}" if section else str(index))
            return
        maintype = _text(node[0]).lower()
        subtype = _text(node[1]).lower()
        disposition = _disposition(node)
        if maintype == "text" and subtype in ("plain", "html") and disposition != "attachment":
            found.append((section or "1", subtype, maintype))

    walk(structure, prefix)
    for wanted in ("plain", "html"):
        for section, subtype, _ in found:
            if subtype == wanted:
                return section, subtype
    return None


def _disposition(node) -> str:
    # BODYSTRUCTURE extension data: body-fld-dsp sits after md5 for non-multipart parts.
    for item in node[7:]:
        if isinstance(item, tuple) and item and isinstance(item[0], bytes):
            value = item[0].decode("ascii", "replace").lower()
            if value in ("attachment", "inline"):
                return value
    return ""


def fetch_large_message(conn: ImapConnection, uid: int, cap: int, size: int) -> bytes:
    """The header of a large message plus its first text part (up to *cap* bytes of it)."""
    data = conn.fetch([uid], ["BODY.PEEK[HEADER]", "BODYSTRUCTURE"]).get(uid, {})
    header = bytes(data.get(b"BODY[HEADER]") or b"")
    structure = data.get(b"BODYSTRUCTURE")
    part = first_text_part(structure) if structure is not None else None
    note = f"{TRUNCATED_HEADER}: original size {size} bytes; attachments not downloaded\r\n".encode()
    if part is None:
        return _strip_content_headers(header) + note + b"Content-Type: text/plain; charset=us-ascii\r\n\r\n"
    section, _subtype = part
    if structure.is_multipart:
        items = [f"BODY.PEEK[{section}.MIME]", f"BODY.PEEK[{section}]<0.{cap}>"]
        part_data = conn.fetch([uid], items).get(uid, {})
        mime = bytes(part_data.get(f"BODY[{section}.MIME]".encode()) or b"")
        body = _partial(part_data, f"BODY[{section}]")
        content_headers = _content_headers(mime)
    else:
        part_data = conn.fetch([uid], [f"BODY.PEEK[TEXT]<0.{cap}>"]).get(uid, {})
        body = _partial(part_data, "BODY[TEXT]")
        content_headers = _content_headers(header)
    return _strip_content_headers(header) + content_headers + note + b"\r\n" + body


def _partial(data: dict, key: str) -> bytes:
    for candidate, value in data.items():
        if isinstance(candidate, bytes) and candidate.startswith(key.encode()):
            return bytes(value or b"")
    return b""


_HEADER_FIELD = re.compile(rb"^([!-9;-~]+):", re.M)


def _header_fields(block: bytes) -> list[tuple[bytes, bytes]]:
    """Split a header block into (name, whole field with folded lines) pairs."""
    block = block.replace(b"\r\n", b"\n").rstrip(b"\n") + b"\n"
    fields: list[tuple[bytes, bytes]] = []
    for line in block.split(b"\n"):
        if not line:
            continue
        if line[:1] in (b" ", b"\t") and fields:
            name, text = fields[-1]
            fields[-1] = (name, text + b"\r\n" + line)
        else:
            match = _HEADER_FIELD.match(line)
            fields.append(((match.group(1) if match else b"").lower(), line))
    return fields


_CONTENT_FIELDS = (b"content-type", b"content-transfer-encoding", b"mime-version")


def _strip_content_headers(block: bytes) -> bytes:
    kept = [text for name, text in _header_fields(block) if name not in _CONTENT_FIELDS]
    return b"".join(text + b"\r\n" for text in kept) + b"MIME-Version: 1.0\r\n"


def _content_headers(block: bytes) -> bytes:
    wanted = (b"content-type", b"content-transfer-encoding")
    return b"".join(text + b"\r\n" for name, text in _header_fields(block) if name in wanted)


# ---- helpers ---------------------------------------------------------------------------


def _text(value) -> str:
    return value.decode("ascii", "replace") if isinstance(value, bytes) else str(value or "")


def flag_strings(flags) -> tuple[str, ...]:
    """Flags as text, without \\Recent (it belongs to one IMAP session, not to the message)."""
    return tuple(t for t in (_text(f) for f in flags or ()) if t.lower() != "\\recent")


def modseq_value(value) -> int | None:
    if value is None:
        return None
    if isinstance(value, (tuple, list)):
        value = value[0] if value else None
    return int(value) if value is not None else None


def as_aware(value) -> datetime | None:
    if value is None or not isinstance(value, datetime):
        return None
    # imapclient's FixedOffset zones do not pickle (the parse helper process needs that).
    return value.astimezone(timezone.utc) if value.tzinfo else value.replace(tzinfo=timezone.utc)


def chunks(items: list, size: int) -> Iterator[list]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def _parse_many(items: list[tuple[bytes, datetime | None]]) -> list:
    return [parse_message(raw, internal_date=when) for raw, when in items]


def _die_with_parent(parent_pid: int) -> None:
    """In the helper: exit when the syncing process dies (a killed worker leaves no orphan)."""
    try:
        import ctypes

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    except OSError:
        pass
    if os.getppid() != parent_pid:  # the parent died before the prctl took effect
        os._exit(1)


class ParsePool:
    """One helper process that parses MIME batches (CPU-bound) beside the fetching and storing.

    Started with "spawn": forking a process that has a prefetch thread and open database
    connections is unsafe.
    """

    def __init__(self) -> None:
        self._executor = ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn"),
                                             initializer=_die_with_parent, initargs=(os.getpid(),))
        self.broken = False

    def submit(self, messages: list[FetchedMessage]) -> Future | None:
        """A future of the parsed batch, or None (parse inline) once the helper has failed."""
        if self.broken:
            return None
        try:
            return self._executor.submit(_parse_many, [(m.raw, m.internal_date) for m in messages])
        except Exception:
            self.broken = True
            log.warning("the parse helper process is unusable; parsing in this one", exc_info=True)
            return None

    def close(self) -> None:
        self._executor.shutdown(wait=True, cancel_futures=True)


_DONE = object()


def prefetch(iterator: Iterable, depth: int = 1) -> Iterator:
    """Run *iterator* on a helper thread, one item ahead of the consumer.

    An exception on the helper thread is raised in the consumer. When the consumer stops
    early (an error while storing), the helper is told to stop and is waited for, so the
    IMAP connection is never used by two threads at once.
    """
    results: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def work() -> None:
        try:
            for item in iterator:
                while not stop.is_set():
                    try:
                        results.put((item, None), timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as exc:  # handed to the consumer
            results.put((None, exc))
            return
        results.put((_DONE, None))

    thread = threading.Thread(target=work, name="imap-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            item, exc = results.get()
            if exc is not None:
                raise exc
            if item is _DONE:
                return
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            try:
                results.get(timeout=0.1)
            except queue.Empty:
                pass
        thread.join()
