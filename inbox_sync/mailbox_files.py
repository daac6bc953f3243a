"""Reading messages out of mailbox files, one at a time: an mbox file, a Maildir (with
Maildir++ subfolders), a directory of single-message files (.eml), or one such file.

Everything is streamed: the mbox is read in blocks and each message is handed on as soon
as the next From_ line is seen, so memory stays flat however large the file.
Each message comes with the date its mailbox recorded (the mbox From_ line, the Maildir
delivery time), which stands in for IMAP's INTERNALDATE when the Date header is unusable.

Which mbox lines start a message (the rule mutt's `is_from` applies, stricter than Python's
`mailbox.mbox`, which takes any line starting "From "): the first line of the file, and
after that a line following a blank line that reads

    From [SENDER] DAY MON DD HH:MM[:SS] [ZONE ...] YYYY [anything]

SENDER is one word (a quoted local part may hold spaces; Thunderbird writes "-") or
pipermail's "name at host"; DAY and MON are English abbreviations in any case; ZONE is a
name ("PST", "MET DST") or an offset ("+0100"). So "From my experience, ..." in a body that
no writer escaped (mboxo archives leave such lines) stays in its message, and so does
"From x Tue, 3 Mar 2026 10:00:00 +0000": an RFC 5322 date is not a From_ date.
">From " lines are unescaped one level (mboxrd), as the writer escaped them.
"""

from __future__ import annotations

import logging
import os
import re
import stat
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable, Iterator

from followup.errors import FollowupError

log = logging.getLogger(__name__)


class MailboxError(FollowupError, ValueError):
    """The path is not a mailbox this importer can read."""


@dataclass(frozen=True)
class RawMessage:
    raw: bytes
    internal_date: datetime | None
    source: str  # "path" or "path#n": where the message came from, for error reports
    size: int  # bytes consumed from the mailbox, for progress


_FROM_LINE_RE = re.compile(
    rb"From [ \t]*"
    rb"(?:(?:[^\s\"\\]|\\.|\"(?:[^\"\\]|\\.)*\")+(?:[ \t]+at[ \t]+\S+)?[ \t]+)?"  # SENDER
    rb"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[ \t]+"
    rb"(?P<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[ \t]+"
    rb"(?P<day>\d{1,2})[ \t]+(?P<hour>\d{1,2}):(?P<minute>\d\d)(?::(?P<second>\d\d))?"
    rb"(?P<zones>(?:[ \t]+(?:[A-Za-z][A-Za-z0-9+-]*|[+-]\d{4}))*)[ \t]+"
    rb"(?P<year>\d{4})(?:\s.*)?\Z",
    re.IGNORECASE | re.DOTALL,
)
_MONTHS = {name: number for number, name in enumerate(
    (b"jan", b"feb", b"mar", b"apr", b"may", b"jun", b"jul", b"aug", b"sep", b"oct", b"nov", b"dec"), 1)}
_ZONE_OFFSET_RE = re.compile(rb"([+-])(\d\d)(\d\d)\Z")
_ESCAPED_FROM_RE = re.compile(rb"(?m)^>(>*From )")
_CANDIDATE_RE = re.compile(rb"\n\r?\nFrom ")
_CANDIDATE_MAX = len(b"\n\r\nFrom ")
_HEADER_FIELD_RE = re.compile(rb"[\x21-\x39\x3b-\x7e]+:")
_LOOK_AHEAD = 4096  # bytes of a file read to tell an mbox from one message
READ_BLOCK = 1 << 20
"""Bytes read from an mbox at a time."""


MAX_MESSAGE_FILE_BYTES = 100 * 2**20
"""The largest message file of a Maildir or folder that is read (100 MiB: twice what Gmail
accepts, far above most servers' limits). A larger file is no message anyone sent; it is
skipped, with a warning naming it and its size, instead of being read whole into memory."""


def mailbox_kind(path: Path) -> str:
    """'mbox', 'maildir', 'directory' or 'message' (one file named .eml, or whose text
    starts with a header field, after any blank lines some writers leave, not with a From_
    line); raises MailboxError for anything else."""
    if not path.exists():
        raise MailboxError(f"{path}: no such file or directory")
    if path.is_file():
        try:
            with open(path, "rb") as handle:
                start = handle.read(_LOOK_AHEAD)
        except OSError as exc:
            raise MailboxError(f"{path}: {exc.strerror or exc}") from exc
        if start.startswith(b"From "):
            return "mbox"
        if path.suffix.lower() == ".eml" or _HEADER_FIELD_RE.match(start.lstrip()):
            return "message"
        return "mbox"  # read_mbox says why it is not one
    if path.is_dir():
        if (path / "cur").is_dir() or (path / "new").is_dir():
            return "maildir"
        return "directory"
    raise MailboxError(f"{path}: not a regular file or a folder")


def total_size(path: Path) -> int:
    """Bytes the reader will go through (the progress bar's length)."""
    kind = mailbox_kind(path)
    if kind in ("mbox", "message"):
        return path.stat().st_size
    return sum(size for _, size in _message_files(path, kind, on_skip=lambda warning: None))


def read_mailbox(path: Path, on_skip: Callable[[str], None] = log.warning) -> Iterator[RawMessage]:
    """Every message of the mailbox at `path`, in file order.

    A folder entry that is no message file (see `_skip_reason`) or that cannot be read is
    passed over: `on_skip` gets one line naming it and why, and the reading goes on.
    """
    path = Path(path)
    kind = mailbox_kind(path)
    if kind == "mbox":
        yield from read_mbox(path)
        return
    files = [(path, 0)] if kind == "message" else _message_files(path, kind, on_skip)
    for file, _ in files:
        try:
            with open(file, "rb") as handle:
                raw = handle.read(MAX_MESSAGE_FILE_BYTES + 1)  # the file may have grown
        except OSError as exc:
            on_skip(f"{file}: {exc.strerror or exc}")
            continue
        if len(raw) > MAX_MESSAGE_FILE_BYTES:
            on_skip(f"{file}: larger than {MAX_MESSAGE_FILE_BYTES:,} bytes")
            continue
        yield RawMessage(raw=raw, internal_date=_file_date(file, kind), source=str(file),
                         size=len(raw))


def is_from_line(line: bytes) -> bool:
    """Whether `line` (without its newline) is a From_ line by the rule of the module docstring."""
    return _FROM_LINE_RE.match(line) is not None


def read_mbox(path: Path) -> Iterator[RawMessage]:
    """Stream an mbox, cutting it at From_ lines (the rule of the module docstring).

    Read in blocks of `READ_BLOCK` bytes; only the message being cut out is held. Candidates
    (a blank line, then "From ") are found by one search; only they are checked in full.
    """
    number = 0
    with open(path, "rb") as handle:
        buffer = handle.read(max(READ_BLOCK, len(b"From ")))  # enough to check the start
        if not buffer:
            return
        if not buffer.startswith(b"From "):
            raise MailboxError(f"{path}: not an mbox file (it does not start with a 'From ' line) "
                               "nor a message (it does not start with a header field)")
        start = 0  # where the current message's From_ line begins
        from_line = None  # the current message's From_ match; the opening one is matched from its chunk
        scan = 1  # where the search for the next From_ line goes on
        eof = False
        while True:
            match = _CANDIDATE_RE.search(buffer, scan)
            line_end = buffer.find(b"\n", match.end()) if match else -1
            if match and (line_end >= 0 or eof):
                line_start = match.end() - len(b"From ")
                line = buffer[line_start:line_end if line_end >= 0 else len(buffer)]
                next_from_line = _FROM_LINE_RE.match(line)
                if not next_from_line:
                    scan = match.end()
                    continue
                number += 1
                chunk = buffer[start:match.start() + 1]
                yield _mbox_message(path, number, chunk, from_line or _first_line(chunk), last=False)
                start, scan, from_line = line_start, line_start + 1, next_from_line
                if start > READ_BLOCK:
                    buffer, scan, start = buffer[start:], scan - start, 0
                continue
            if eof:
                number += 1
                chunk = buffer[start:]
                yield _mbox_message(path, number, chunk, from_line or _first_line(chunk), last=True)
                return
            more = handle.read(READ_BLOCK)
            if not more:
                eof = True
                continue
            # Search again from the candidate whose line was cut, or from where one may begin.
            resume = match.start() if match else max(scan, len(buffer) - _CANDIDATE_MAX)
            buffer = buffer[start:] + more
            scan, start = max(resume - start, 1), 0


def _first_line(chunk: bytes) -> re.Match | None:
    return _FROM_LINE_RE.match(chunk.split(b"\n", 1)[0])


def _mbox_message(path: Path, number: int, chunk: bytes, from_line: re.Match | None,
                  last: bool) -> RawMessage:
    """One message out of its mbox chunk: From_ line off, unescaped. The blank line that
    separates it from the next message is not in the chunk; after the last one it may be."""
    newline = chunk.find(b"\n")
    raw = chunk[newline + 1:] if newline >= 0 else b""
    if last and raw.endswith(b"\r\n\r\n"):
        raw = raw[:-2]
    elif last and raw.endswith(b"\n\n"):
        raw = raw[:-1]
    if b">From " in raw:
        raw = _ESCAPED_FROM_RE.sub(rb"\1", raw)
    return RawMessage(raw=raw, internal_date=_from_line_date(from_line),
                      source=f"{path}#{number}", size=len(chunk))


def _from_line_date(match: re.Match | None) -> datetime | None:
    """The From_ line's date; UTC unless the line gives a numeric offset (asctime has none)."""
    if match is None:
        return None
    zone = timezone.utc
    for word in match["zones"].split():
        offset = _ZONE_OFFSET_RE.match(word)
        if offset:
            minutes = int(offset[2]) * 60 + int(offset[3])
            zone = timezone(timedelta(minutes=-minutes if offset[1] == b"-" else minutes))
    try:
        return datetime(int(match["year"]), _MONTHS[match["month"].lower()], int(match["day"]),
                        int(match["hour"]), int(match["minute"]), int(match["second"] or 0),
                        tzinfo=zone)
    except ValueError:
        return None


def _message_files(path: Path, kind: str, on_skip: Callable[[str], None]) -> list[tuple[Path, int]]:
    """The message files of a Maildir or folder with their sizes, in reading order."""
    root = path.resolve()
    candidates: list[Path] = []
    if kind == "maildir":
        folders = [path] + sorted(p for p in path.iterdir() if p.is_dir() and p.name.startswith("."))
        for folder in folders:
            for sub in ("cur", "new"):
                directory = folder / sub
                if directory.is_dir():
                    candidates.extend(sorted(f for f in directory.iterdir() if not f.name.startswith(".")))
    else:
        for folder, dirs, names in os.walk(path):
            for name in sorted(d for d in dirs if os.path.islink(os.path.join(folder, d))):
                on_skip(f"{Path(folder) / name}: a link to a folder, not followed")
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            candidates.extend(Path(folder) / name for name in sorted(names)
                              if not name.startswith(".") and not name.lower().endswith(_NOT_MAIL))
    files = []
    for file in candidates:
        reason, size = _skip_reason(file, root)
        if reason:
            on_skip(f"{file}: {reason}")
        else:
            files.append((file, size))
    return files


def _skip_reason(file: Path, root: Path) -> tuple[str | None, int]:
    """Why `file` is not read as a message (None when it is), and its size.

    Only regular files inside the folder are read: a FIFO would block the import forever, a
    device such as /dev/zero never ends, and a link out of the folder reads what the user did
    not choose to import.
    """
    try:
        status = file.stat()
    except FileNotFoundError:
        return ("a broken link" if file.is_symlink() else "vanished"), 0
    except OSError as exc:
        return exc.strerror or str(exc), 0
    if stat.S_ISDIR(status.st_mode):
        return "a folder inside a Maildir's cur/ or new/", 0
    if not stat.S_ISREG(status.st_mode):
        return "not a regular file (a FIFO, device or socket)", 0
    if file.is_symlink() and not file.resolve().is_relative_to(root):
        return f"a link to {file.resolve()}, outside the folder", 0
    if status.st_size > MAX_MESSAGE_FILE_BYTES:
        return (f"{status.st_size:,} bytes, more than the {MAX_MESSAGE_FILE_BYTES:,} a message "
                f"file may have"), 0
    return None, status.st_size


_NOT_MAIL = (".json", ".txt.json", ".py", ".yaml", ".yml", ".md", ".pyc", ".html", ".js")


def _file_date(file: Path, kind: str) -> datetime | None:
    """The Maildir delivery time; a loose file's modification time says nothing."""
    if kind != "maildir":
        return None
    stamp = file.name.split(".", 1)[0]
    if stamp.isdigit():
        try:
            return datetime.fromtimestamp(int(stamp), tz=timezone.utc)
        except (OverflowError, OSError, ValueError):
            pass
    try:
        return datetime.fromtimestamp(file.stat().st_mtime, tz=timezone.utc)
    except OSError:
        return None


__all__ = ["MailboxError", "RawMessage", "is_from_line", "mailbox_kind", "read_mailbox", "read_mbox", "total_size"]
