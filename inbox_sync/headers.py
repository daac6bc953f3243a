"""The header block of a raw message, read without ever raising: addresses, Message-IDs,
dates, subjects.

The design and issue #3 say: parse with `email.policy.default`, falling back to compat32
when a header defeats it. This module runs the two in the other order, on purpose, and
gives the same results:

* Order: each header is first decoded the compat32 way (`email.header.decode_header` for
  RFC 2047 words, `email.utils.getaddresses` for address lists, with a regex fast path for
  plain lists); when that fails (an unknown charset in an encoded word, an address list it
  cannot split) the header goes through `email.policy.default`'s header registry, and if
  that fails too the raw text is kept, always with a warning naming the header.
* Why: policy.default's header objects cost about 60 µs for each address header (about
  190 µs for From, To and Subject together), as much as the whole per-message budget of
  the import at 2,000 messages/s; the compat32 reading costs a few microseconds.
* Same results: `tests/unit/test_ingest_headers.py` compares this reading with policy.default's
  on every header of the fixture corpus and on a list of tricky headers (encoded words in
  several charsets, quoted and commented names, groups), and they are equal. Where they
  differ on the public corpora (`bench/corpora.py`'s folders: 27 headers of 617), this
  reading keeps what policy.default drops or leaves undecoded: an old-style comment as the
  display name ("doe@x (John Doe)"), raw 8-bit text inside an encoded word, and the angle
  address when an unquoted display name holds an "@" (policy.default records defects there
  and returns the display name as the address: the issue's own order would fall back to
  compat32 for it). Those cases are pinned by tests too.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email import policy
from email.header import decode_header, make_header
from email.utils import getaddresses, parsedate_to_datetime

MAX_ID_LENGTH = 998
"""Message-IDs longer than this (the RFC 5322 line limit) are cut, so they fit the columns."""

MAX_HEADER_BYTES = 256 * 1024
"""A header block longer than this is cut (with a warning): no mail client writes one."""

_ID_RE = re.compile(r"<([^<>\s]+)>")
_BARE_ID_RE = re.compile(r"[^<>\s,;\"]+@[^<>\s,;\"]+")
_TZ_FIX_RE = re.compile(r"\s+\(?[A-Za-z]{2,5}\)?\s*$")
_HEADER_NAME_RE = re.compile(rb"^([\x21-\x39\x3b-\x7e]+)[ \t]*:")
_SIMPLE_ADDRESS_RE = re.compile(r"^\s*([^<>]*?)\s*<\s*([^<>\s]+@[^<>\s]+)\s*>\s*$|^\s*([^<>\s]+@[^<>\s]+)\s*$")

EARLIEST_DATE = datetime(1980, 1, 1, tzinfo=timezone.utc)
"""Dates before this are taken as wrong (clients with a reset clock send 1970)."""

FUTURE_SLACK = timedelta(days=2)
"""A Date this far after the server's own receipt time is taken as wrong."""


def split_header_block(raw: bytes, warnings: list[str]) -> tuple[list[tuple[str, str]], bytes]:
    """(headers as (name, value) in order, body bytes). Values keep their folding."""
    headers: list[tuple[str, str]] = []
    pos = 0
    length = len(raw)
    name: bytes | None = None
    value_lines: list[bytes] = []
    body_start = length
    first = True
    while pos < length:
        end = raw.find(b"\n", pos)
        if end < 0:
            end = length
            nxt = length
        else:
            nxt = end + 1
        line = raw[pos:end]
        if line.endswith(b"\r"):
            line = line[:-1]
        if not line:
            body_start = nxt
            break
        if line[:1] in (b" ", b"\t") and name is not None:
            value_lines.append(line)
        else:
            match = _HEADER_NAME_RE.match(line)
            if match is None:
                if first and line.startswith(b"From "):
                    pos = nxt  # an mbox From_ line left on the message
                    first = False
                    continue
                if name is None and line[:1] in (b" ", b"\t"):
                    pos = nxt
                    continue
                warnings.append("header block ends without a blank line; the rest read as body")
                body_start = pos
                break
            if name is not None:
                headers.append(_header(name, value_lines, warnings))
            name = match.group(1)
            value_lines = [line[match.end():].lstrip(b" \t")]
        first = False
        pos = nxt
        if pos > MAX_HEADER_BYTES:
            warnings.append("header block longer than 256 KiB; the rest read as body")
            body_start = pos
            break
    if name is not None:
        headers.append(_header(name, value_lines, warnings))
    return headers, raw[body_start:]


def _header(name: bytes, lines: list[bytes], warnings: list[str]) -> tuple[str, str]:
    value = b"\n".join(lines)
    text_name = name.decode("ascii", errors="replace")
    try:
        text = value.decode("ascii")
    except UnicodeDecodeError:
        try:
            text = value.decode("utf-8")  # RFC 6532 raw UTF-8 headers
        except UnicodeDecodeError:
            text = value.decode("windows-1252", errors="replace")
            _warn(warnings, f"header {text_name} has undeclared 8-bit text; read as Windows-1252")
    return text_name, text


class HeaderReader:
    """Header values of one message, decoded safely; collects warnings as it goes."""

    def __init__(self, headers: list[tuple[str, str]], warnings: list[str]) -> None:
        self.headers = headers
        self.warnings = warnings
        self.by_name: dict[str, list[str]] = {}
        for name, value in headers:
            self.by_name.setdefault(name.lower(), []).append(value)

    def has_any(self, lower_names: frozenset[str]) -> bool:
        """Whether any of these (lower-case) header names is present."""
        return not lower_names.isdisjoint(self.by_name)

    def raw(self, name: str) -> list[str]:
        """The undecoded values of every `name` header, in order."""
        return self.by_name.get(name.lower(), [])

    def text(self, name: str) -> str:
        """The first `name` header as one decoded line ("" when absent)."""
        raws = self.raw(name)
        if not raws:
            return ""
        value = _unfold(raws[0])
        if "=?" not in value:
            return _clean(value)
        return _clean(self._decode(name, value))

    def _decode(self, name: str, value: str) -> str:
        try:
            return str(make_header(decode_header(value)))
        except Exception:  # noqa: BLE001 - unknown charset, broken encoded word
            pass
        try:
            decoded = str(policy.default.header_factory(name, value))
            self._warn(f"header {name} not decodable as compat32; read by policy.default")
            return decoded
        except Exception:  # noqa: BLE001
            self._warn(f"header {name} not decodable; kept as raw text")
            return lenient_decode(value)

    def addresses(self, name: str) -> list[tuple[str, str]]:
        """(display name, lower-case address) pairs of every `name` header."""
        raws = [_unfold(r) for r in self.raw(name)]
        if not raws:
            return []
        pairs = _simple_addresses(raws)
        if pairs is None:
            pairs = getaddresses(raws)
            if not pairs or any(not addr or "@" not in addr for _, addr in pairs):
                pairs = self._policy_addresses(name, raws) or [p for p in pairs if "@" in p[1]]
        result = []
        seen = set()
        for display, addr in pairs:
            addr = normalise_address(addr)
            if not addr or "@" not in addr or addr in seen:
                continue
            seen.add(addr)
            if "=?" in display:
                display = self._decode(name, display)
            result.append((_clean(display).strip("'\" "), addr))
        if not result and any(r.strip() for r in raws) and not _is_group_only(raws):
            self._warn(f"header {name} has no usable address")
        return result

    def _policy_addresses(self, name: str, raws: list[str]) -> list[tuple[str, str]]:
        pairs = []
        try:
            for raw in raws:
                header = policy.default.header_factory(name, raw)
                for address in header.addresses:
                    pairs.append((str(address.display_name or ""), address.addr_spec))
        except Exception:  # noqa: BLE001
            pairs = []
        if any("@" in addr for _, addr in pairs):
            self._warn(f"header {name} not parsable as compat32; read by policy.default")
            return pairs
        found = [("", m) for raw in raws for m in _BARE_ID_RE.findall(raw)]
        if found:
            self._warn(f"header {name} not parsable; addresses picked out of the raw text")
        return found

    def message_ids(self, name: str) -> list[str]:
        """The Message-IDs in every `name` header, without angle brackets, in order."""
        ids: list[str] = []
        for value in self.raw(name):
            for item in parse_ids(_unfold(value)):
                if item not in ids:
                    ids.append(item)
        return ids

    def date(self, name: str = "Date") -> datetime | None:
        raws = self.raw(name)
        if not raws:
            return None
        return parse_date(_unfold(raws[0]))

    def utc_offset_minutes(self, name: str = "Date") -> int | None:
        """The writer's own offset from UTC in a date header ("+0900"), in minutes; None when
        the header says none ("-0000": RFC 5322's "no idea") or cannot be read."""
        raws = self.raw(name)
        return utc_offset_minutes(_unfold(raws[0])) if raws else None

    def received_dates(self) -> list[datetime]:
        """Dates of the Received chain, top (last hop) first."""
        dates = []
        for value in self.raw("Received"):
            _, _, when = _unfold(value).rpartition(";")
            parsed = parse_date(when) if when else None
            if parsed is not None:
                dates.append(parsed)
        return dates

    def _warn(self, text: str) -> None:
        _warn(self.warnings, text)


def lenient_decode(value: str) -> str:
    """Decode RFC 2047 words one by one, tolerating unknown charsets and broken words."""
    parts = []
    try:
        for chunk, charset in decode_header(value):
            if isinstance(chunk, str):
                parts.append(chunk)
                continue
            try:
                parts.append(chunk.decode(charset or "ascii"))
            except (LookupError, UnicodeDecodeError):
                parts.append(chunk.decode("utf-8", errors="replace"))
        return "".join(parts)
    except Exception:  # noqa: BLE001
        return value


def decode_raw(value: str) -> str:
    """A header value with its RFC 2047 words decoded; never raises."""
    value = _unfold(value)
    if "=?" not in value:
        return value
    try:
        return str(make_header(decode_header(value)))
    except Exception:  # noqa: BLE001
        return lenient_decode(value)


def parse_ids(value: str) -> list[str]:
    found = _ID_RE.findall(value)
    if not found:
        found = _BARE_ID_RE.findall(value)
    ids = []
    for item in found:
        item = item.strip()[:MAX_ID_LENGTH]
        if item and item not in ids:
            ids.append(item)
    return ids


def parse_date(value: str) -> datetime | None:
    """An aware UTC datetime, or None when the value is not a plausible date."""
    value = " ".join((value or "").split())
    if not value:
        return None
    for attempt in range(2):
        candidate = value if attempt == 0 else _TZ_FIX_RE.sub("", value)
        try:
            parsed = parsedate_to_datetime(candidate)
        except (TypeError, ValueError, IndexError, OverflowError):
            continue
        if parsed is None:
            continue
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=timezone.utc)
        try:
            parsed = parsed.astimezone(timezone.utc)
        except (OverflowError, ValueError):
            continue
        if parsed < EARLIEST_DATE or parsed.year > 2200:
            continue
        return parsed
    return None


MAX_UTC_OFFSET = 14 * 60  # minutes: the furthest zones, Line Islands and Baker Island


def utc_offset_minutes(value: str) -> int | None:
    """The offset from UTC a date is written in, in minutes (see `HeaderReader.utc_offset_minutes`)."""
    try:
        parsed = parsedate_to_datetime(" ".join((value or "").split()))
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    offset = parsed.utcoffset() if parsed is not None else None
    if offset is None:
        return None
    minutes = int(offset.total_seconds() // 60)
    return minutes if abs(minutes) <= MAX_UTC_OFFSET else None


def normalise_address(addr: str) -> str:
    addr = (addr or "").strip().strip("<>").strip().lower()
    if addr.startswith("mailto:"):
        addr = addr[7:]
    return addr[:320]


def _simple_addresses(raws: list[str]) -> list[tuple[str, str]] | None:
    """Plain lists ("Name <a@b>, c@d") without quotes, comments or groups; else None."""
    pairs = []
    for raw in raws:
        if '"' in raw or "(" in raw or ";" in raw or ":" in raw or "\\" in raw:
            return None
        for item in raw.split(","):
            if not item.strip():
                continue
            match = _SIMPLE_ADDRESS_RE.match(item)
            if match is None:
                return None
            if match.group(2):
                pairs.append((match.group(1), match.group(2)))
            else:
                pairs.append(("", match.group(3)))
    return pairs


def _is_group_only(raws: list[str]) -> bool:
    """"undisclosed-recipients:;" and the like: a group with no members is no problem."""
    return all(re.fullmatch(r"\s*[^:]*:\s*;\s*", raw) for raw in raws)


def _unfold(value: str) -> str:
    return value.replace("\r", "").replace("\n", "")


def _clean(text: str) -> str:
    return " ".join(text.replace("\x00", "").split())  # as re.sub(r"\s+", " ", ...).strip()


def _warn(warnings: list[str], text: str) -> None:
    if text not in warnings:
        warnings.append(text)
