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
_ESCAPED_FROM_RE = re.compile(rb"^>(>*From )")


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

    ">From " lines are unescaped one level (mboxrd), as the writer escaped them.
    """
    number = 0
    lines: list[bytes] = []
    from_line: bytes | None = None
    consumed = 0
    previous_blank = True
    with open(path, "rb") as handle:
        first = handle.read(5)
        handle.seek(0)
        if first and first != b"From ":
            raise MailboxError(f"{path}: not an mbox file (it does not start with a 'From ' line)")
        for line in handle:
            if line.startswith(b"From ") and previous_blank:
                if from_line is not None:
                    number += 1
                    yield _mbox_message(path, number, from_line, lines, consumed)
                from_line, lines, consumed = line, [], len(line)
                previous_blank = False
                continue
            consumed += len(line)
            previous_blank = line in (b"\n", b"\r\n")
            if line.startswith(b">") and _ESCAPED_FROM_RE.match(line):
                line = line[1:]
            lines.append(line)
        if from_line is not None:
            number += 1
            yield _mbox_message(path, number, from_line, lines, consumed)


def _mbox_message(path: Path, number: int, from_line: bytes, lines: list[bytes], consumed: int) -> RawMessage:
    if lines and lines[-1] in (b"\n", b"\r\n"):
        lines = lines[:-1]  # the separator before the next From_ line
    return RawMessage(raw=b"".join(lines), internal_date=_from_line_date(from_line),
                      source=f"{path}#{number}", size=consumed)


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
