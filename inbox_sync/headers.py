"""Reading header values without ever raising: addresses, Message-IDs, dates, subjects.

The message is parsed with `email.policy.default`, whose header objects decode RFC 2047 and
parse addresses. Some real headers defeat it (it raises on access, or gives up on an address
list): then the raw value is decoded the compat32 way (`email.header.decode_header`,
`email.utils.getaddresses`) and a warning says which header needed it.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone
from email.header import decode_header, make_header
from email.message import Message as EmailMessage
from email.utils import getaddresses, parsedate_to_datetime

MAX_ID_LENGTH = 998
"""Message-IDs longer than this (the RFC 5322 line limit) are cut, so they fit the columns."""

MAX_REFERENCES = 100
"""Only the last this many References are kept: the nearest ancestors matter for threading."""

_ID_RE = re.compile(r"<([^<>\s]+)>")
_BARE_ID_RE = re.compile(r"[^<>\s,;]+@[^<>\s,;]+")
_WS_RE = re.compile(r"\s+")
_TZ_FIX_RE = re.compile(r"\s+\(?[A-Za-z]{2,5}\)?\s*$")

EARLIEST_DATE = datetime(1980, 1, 1, tzinfo=timezone.utc)
"""Dates before this are taken as wrong (clients with a reset clock send 1970)."""

FUTURE_SLACK = timedelta(days=2)
"""A Date this far after the server's own receipt time is taken as wrong."""


class HeaderReader:
    """Header values of one message, decoded safely; collects warnings as it goes."""

    def __init__(self, msg: EmailMessage, warnings: list[str]) -> None:
        self.msg = msg
        self.warnings = warnings

    def raw(self, name: str) -> list[str]:
        """The undecoded values of every `name` header, in order."""
        wanted = name.lower()
        try:
            items = self.msg._headers  # the raw (name, value) pairs, as parsed
        except AttributeError:  # pragma: no cover - the email package always has them
            return []
        values = []
        for key, value in items:
            if key.lower() == wanted:
                values.append(value if isinstance(value, str) else str(value))
        return values

    def text(self, name: str) -> str:
        """The first `name` header as one decoded line ("" when absent)."""
        raws = self.raw(name)
        if not raws:
            return ""
        try:
            value = self.msg.get(name)
            text = str(value) if value is not None else ""
        except Exception:  # noqa: BLE001 - any failure of policy.default: fall back
            self._warn(f"header {name} not parsable by policy.default; decoded as compat32")
            text = decode_raw(raws[0])
        if _looks_undecoded(text):
            text = decode_raw(raws[0])
        return _clean(text)

    def addresses(self, name: str) -> list[tuple[str, str]]:
        """(display name, lower-case address) pairs of every `name` header."""
        raws = self.raw(name)
        if not raws:
            return []
        pairs: list[tuple[str, str]] = []
        try:
            for header in self.msg.get_all(name) or []:
                for address in header.addresses:
                    pairs.append((str(address.display_name or ""), address.addr_spec))
            if any(not addr or "@" not in addr for _, addr in pairs):
                raise ValueError("incomplete address")
        except Exception:  # noqa: BLE001 - fall back to the lenient compat32 parser
            pairs = [(decode_raw(n), a) for n, a in getaddresses([_unfold(r) for r in raws])]
        result = []
        seen = set()
        for display, addr in pairs:
            addr = normalise_address(addr)
            if not addr or "@" not in addr or addr in seen:
                continue
            seen.add(addr)
            result.append((_clean(display).strip("'\" "), addr))
        if not result and any(r.strip() for r in raws):
            self._warn(f"header {name} has no usable address")
        return result

    def message_ids(self, name: str) -> list[str]:
        """The Message-IDs in every `name` header, without angle brackets, in order."""
        ids: list[str] = []
        for value in self.raw(name):
            ids.extend(parse_ids(_unfold(value)))
        return ids

    def date(self, name: str = "Date") -> datetime | None:
        raws = self.raw(name)
        if not raws:
            return None
        return parse_date(_unfold(raws[0]))

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
        if text not in self.warnings:
            self.warnings.append(text)


def decode_raw(value: str) -> str:
    """Decode RFC 2047 words the compat32 way, tolerating unknown charsets."""
    value = _unfold(value)
    try:
        return str(make_header(decode_header(value)))
    except Exception:  # noqa: BLE001 - unknown charset, bad encoded word
        pass
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
    value = _WS_RE.sub(" ", value or "").strip()
    if not value:
        return None
    for candidate in (value, _TZ_FIX_RE.sub("", value)):
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


def normalise_address(addr: str) -> str:
    addr = (addr or "").strip().strip("<>").strip().lower()
    if addr.startswith("mailto:"):
        addr = addr[7:]
    return addr[:320]


def _unfold(value: str) -> str:
    return value.replace("\r", "").replace("\n", "")


def _clean(text: str) -> str:
    return _WS_RE.sub(" ", text.replace("\x00", "")).strip()


def _looks_undecoded(text: str) -> bool:
    return "=?" in text and "?=" in text
