"""Reading messages out of mailbox files, one at a time: an mbox file, a Maildir (with
Maildir++ subfolders), or a directory of single-message files (.eml).

Everything is streamed: the mbox is read line by line and each message is handed on as soon
as the next "From " separator line is seen, so memory stays flat however large the file.
Each message comes with the date its mailbox recorded (the mbox From_ line, the Maildir
delivery time), which stands in for IMAP's INTERNALDATE when the Date header is unusable.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from inbox_sync.headers import parse_date


class MailboxError(ValueError):
    """The path is not a mailbox this importer can read."""


@dataclass(frozen=True)
class RawMessage:
    raw: bytes
    internal_date: datetime | None
    source: str  # "path" or "path#n": where the message came from, for error reports
    size: int  # bytes consumed from the mailbox, for progress


_FROM_LINE_DATE_RE = re.compile(
    rb"^From \S+\s+(.*?)\s*$"
)
_ESCAPED_FROM_RE = re.compile(rb"(?m)^>(>*From )")
_SEPARATOR_RE = re.compile(rb"\n\r?\nFrom ")
READ_BLOCK = 1 << 20
"""Bytes read from an mbox at a time."""


def mailbox_kind(path: Path) -> str:
    """'mbox', 'maildir' or 'directory'; raises MailboxError for anything else."""
    if path.is_file():
        return "mbox"
    if path.is_dir():
        if (path / "cur").is_dir() or (path / "new").is_dir():
            return "maildir"
        return "directory"
    raise MailboxError(f"{path}: no such file or directory")


def total_size(path: Path) -> int:
    """Bytes the reader will go through (the progress bar's length)."""
    kind = mailbox_kind(path)
    if kind == "mbox":
        return path.stat().st_size
    return sum(f.stat().st_size for f in _message_files(path, kind))


def read_mailbox(path: Path) -> Iterator[RawMessage]:
    """Every message of the mailbox at `path`, in file order."""
    path = Path(path)
    kind = mailbox_kind(path)
    if kind == "mbox":
        yield from read_mbox(path)
    else:
        for file in _message_files(path, kind):
            try:
                raw = file.read_bytes()
            except OSError as exc:
                raise MailboxError(f"{file}: {exc.strerror}") from exc
            yield RawMessage(raw=raw, internal_date=_file_date(file, kind), source=str(file),
                             size=len(raw))


def read_mbox(path: Path) -> Iterator[RawMessage]:
    """Stream an mbox: a message starts at a "From " line at the top or after a blank line.

    Read in blocks of `READ_BLOCK` bytes; only the message being cut out is held.
    ">From " lines are unescaped one level (mboxrd), as the writer escaped them.
    """
    number = 0
    with open(path, "rb") as handle:
        buffer = handle.read(READ_BLOCK)
        if buffer and not buffer.startswith(b"From "):
            raise MailboxError(f"{path}: not an mbox file (it does not start with a 'From ' line)")
        start = 0
        eof = False
        while buffer:
            match = _SEPARATOR_RE.search(buffer, start + 1)
            while match is None and not eof:
                more = handle.read(READ_BLOCK)
                if not more:
                    eof = True
                    break
                buffer = buffer[start:] + more
                start = 0
                match = _SEPARATOR_RE.search(buffer, 1)
            end = match.start() + 1 if match else len(buffer)  # keep the blank line's "\n"
            number += 1
            yield _mbox_message(path, number, buffer[start:end], last=match is None)
            if match is None:
                return
            start = match.end() - len(b"From ")
            if start > READ_BLOCK:
                buffer, start = buffer[start:], 0


def _mbox_message(path: Path, number: int, chunk: bytes, last: bool) -> RawMessage:
    """One message out of its mbox chunk: From_ line off, unescaped. The blank line that
    separates it from the next message is not in the chunk; after the last one it may be."""
    newline = chunk.find(b"\n")
    from_line = chunk[:newline] if newline >= 0 else chunk
    raw = chunk[newline + 1:] if newline >= 0 else b""
    if last and raw.endswith(b"\r\n\r\n"):
        raw = raw[:-2]
    elif last and raw.endswith(b"\n\n"):
        raw = raw[:-1]
    if b">From " in raw:
        raw = _ESCAPED_FROM_RE.sub(rb"\1", raw)
    return RawMessage(raw=raw, internal_date=_from_line_date(from_line),
                      source=f"{path}#{number}", size=len(chunk))


def _from_line_date(line: bytes) -> datetime | None:
    match = _FROM_LINE_DATE_RE.match(line)
    if not match:
        return None
    text = match.group(1).decode("ascii", errors="replace")
    parsed = parse_date(text)
    if parsed is not None:
        return parsed
    try:  # asctime: "Mon Mar  2 09:00:00 2026"
        return datetime.strptime(" ".join(text.split()[:5]), "%a %b %d %H:%M:%S %Y").replace(
            tzinfo=timezone.utc)
    except ValueError:
        return None


def _message_files(path: Path, kind: str) -> list[Path]:
    files: list[Path] = []
    if kind == "maildir":
        folders = [path] + sorted(p for p in path.iterdir() if p.is_dir() and p.name.startswith("."))
        for folder in folders:
            for sub in ("cur", "new"):
                directory = folder / sub
                if directory.is_dir():
                    files.extend(sorted(f for f in directory.iterdir() if f.is_file()
                                        and not f.name.startswith(".")))
        return files
    for root, dirs, names in os.walk(path):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if name.startswith(".") or name.lower().endswith(_NOT_MAIL):
                continue
            files.append(Path(root) / name)
    return files


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


__all__ = ["MailboxError", "RawMessage", "mailbox_kind", "read_mailbox", "read_mbox", "total_size"]
