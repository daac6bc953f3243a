"""The readable body of a MIME message, and what it carries as attachments.

`extract_body` walks the MIME tree without recursion: multipart/alternative keeps the best
rendering (text/plain unless it is empty, else HTML converted to text), multipart/mixed
joins its inline text parts, multipart/related keeps its root. Attachments (including
forwarded messages and calendar files) are recorded by name, type and size, never stored.
Every charset problem is survived: an unknown or wrong label falls back to UTF-8, then to
Windows-1252, with a warning.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from email.message import Message as EmailMessage

from inbox_sync.headers import decode_raw
from inbox_sync.html_text import html_to_text

CHARSET_ALIASES = {
    "unicode-1-1-utf-7": "utf-7",
    "utf8": "utf-8",
    "x-unknown": "utf-8",
    "unknown-8bit": "utf-8",
    "x-user-defined": "windows-1252",
    "iso-8859-8-i": "iso-8859-8",
    "ks_c_5601-1987": "cp949",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-mac-roman": "mac-roman",
    "macintosh": "mac-roman",
    "windows-874": "cp874",
    "iso-8859-1": "windows-1252",  # what senders labelled Latin-1 is nearly always cp1252
    "us-ascii": "windows-1252",  # 8-bit bytes under an ASCII label: the common case
    "ascii": "windows-1252",
}

MAX_PARTS = 500
"""Parts beyond this are not looked at (MIME bombs); a warning says so."""


@dataclass(frozen=True)
class Attachment:
    name: str
    content_type: str
    size: int

    def to_dict(self) -> dict:
        return {"name": self.name, "content_type": self.content_type, "size": self.size}


@dataclass(frozen=True)
class Body:
    text: str
    html_only: bool
    attachments: tuple[Attachment, ...]
    content_types: frozenset[str]
    # The first HTML part, for what only the markup shows (a tracking pixel: inbox_sync.kinds);
    # decoded on demand by `html()`, since most mail is decided without it.
    html_part: EmailMessage | None = None

    def html(self) -> str:
        """The first HTML part's markup, "" when there is none; never raises."""
        if self.html_part is None:
            return ""
        try:
            return decode_text(self.html_part, [], "text/html")
        except Exception:  # noqa: BLE001 - a broken part only means no HTML signs
            return ""


def extract_body(msg: EmailMessage, warnings: list[str]) -> Body:
    texts: list[str] = []
    attachments: list[Attachment] = []
    content_types: set[str] = set()
    html_only = False
    html_part = None
    seen = 0
    stack = [msg]
    while stack:
        part = stack.pop()
        seen += 1
        if seen > MAX_PARTS:
            _warn(warnings, f"more than {MAX_PARTS} MIME parts; the rest ignored")
            break
        ctype = _content_type(part)
        content_types.add(ctype)
        if ctype == "message/rfc822" and part is not msg:
            attachments.append(_attachment(part, warnings))  # a forwarded message
            continue
        if part.is_multipart():
            children = _children(part)
            if ctype == "multipart/alternative":
                best = _best_alternative(children)
                if best is not None:
                    if _content_type(best) == "text/html":
                        html_only = html_only or not texts
                    for child in children:
                        child_type = _content_type(child)
                        content_types.add(child_type)
                        if html_part is None and child_type == "text/html":
                            html_part = child
                        if child is not best and _is_attachment(child):
                            attachments.append(_attachment(child, warnings))
                    stack.append(best)
                continue
            if ctype == "multipart/related" and children:
                stack.append(children[0])
                for child in children[1:]:
                    content_types.add(_content_type(child))
                    attachments.append(_attachment(child, warnings))
                continue
            stack.extend(reversed(children))
            continue
        if ctype.startswith("multipart/"):
            _warn(warnings, f"{ctype} without parts (missing or wrong boundary); read as text")
            texts.append(decode_text(part, warnings))
            continue
        if _is_attachment(part, ctype) or ctype in ("message/rfc822", "text/calendar"):
            attachments.append(_attachment(part, warnings))
            continue
        if ctype == "text/html":
            html_only = html_only or not texts
            html_part = html_part or part
            texts.append(html_to_text(decode_text(part, warnings, ctype)))
        elif ctype.startswith("text/") and ctype not in ("text/rfc822-headers",):
            texts.append(decode_text(part, warnings, ctype))
        elif ctype in ("message/delivery-status", "message/disposition-notification",
                       "message/feedback-report", "text/rfc822-headers"):
            continue
        else:
            attachments.append(_attachment(part, warnings))
    text = "\n\n".join(t.strip("\n") for t in texts if t and t.strip())
    return Body(text=text, html_only=html_only, attachments=tuple(attachments),
                content_types=frozenset(content_types), html_part=html_part)


def decode_text(part: EmailMessage, warnings: list[str], ctype: str | None = None) -> str:
    """The part's text, decoded from its transfer encoding and charset; never raises."""
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        payload = None
    if payload is None:
        raw = part.get_payload()
        if isinstance(raw, str):
            payload = raw.encode("utf-8", errors="surrogateescape")
        else:
            return ""
    if isinstance(payload, str):  # pragma: no cover - defensive
        return payload
    declared = _declared_charset(part)
    text = decode_bytes(payload, declared, warnings)
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x00", "")
    if (ctype or _content_type(part)) == "text/plain" and "flowed" in str(part.get("content-type", "")).lower() \
            and _param(part, "format").lower() == "flowed":
        text = _unflow(text, _param(part, "delsp").lower() == "yes")
    return text


def decode_bytes(payload: bytes, declared: str | None, warnings: list[str]) -> str:
    charset = CHARSET_ALIASES.get(declared, declared) if declared else None
    if charset:
        try:
            codecs.lookup(charset)
        except LookupError:
            _warn(warnings, f"unknown charset {declared!r}; decoded as UTF-8/Windows-1252")
            charset = None
    if charset and charset not in ("windows-1252",):
        try:
            return payload.decode(charset)
        except UnicodeDecodeError:
            _warn(warnings, f"text not valid {declared}; decoded as UTF-8/Windows-1252")
        except Exception:  # noqa: BLE001 - some codecs raise other errors on junk
            _warn(warnings, f"text not decodable as {declared}; decoded as UTF-8/Windows-1252")
    try:
        return payload.decode("utf-8")
    except UnicodeDecodeError:
        return payload.decode("windows-1252", errors="replace")


_SIMPLE_CHARSET_RE = re.compile(r';\s*charset\s*=\s*"?([A-Za-z0-9_.:-]+)"?\s*(?:;|$)', re.IGNORECASE)


def _declared_charset(part: EmailMessage) -> str | None:
    header = part.get("content-type")
    if isinstance(header, str) and "*" not in header and "(" not in header:
        match = _SIMPLE_CHARSET_RE.search(header)
        if match:
            return match.group(1).lower()
        if "charset" not in header.lower():
            return None
    try:
        charset = part.get_content_charset()
    except Exception:  # noqa: BLE001
        return None
    if not charset:
        return None
    return charset.strip().strip("'\"").lower() or None


def _content_type(part: EmailMessage) -> str:
    known = getattr(part, "followup_content_type", None)  # set by inbox_sync.mime
    if known is not None:
        return known
    try:
        return part.get_content_type()
    except Exception:  # noqa: BLE001
        return "text/plain"


def _children(part: EmailMessage) -> list[EmailMessage]:
    payload = part.get_payload()
    if isinstance(payload, list):
        return [p for p in payload if isinstance(p, EmailMessage)]
    return []


def _best_alternative(children: list[EmailMessage]) -> EmailMessage | None:
    plain = html = other = None
    for child in children:
        ctype = _content_type(child)
        if _is_attachment(child):
            continue
        if ctype == "text/plain" and plain is None:
            plain = child
        elif ctype == "text/html" and html is None:
            html = child
        elif child.is_multipart() and other is None:
            other = child
    if plain is not None and html is not None:
        return html if _payload_blank(plain) else plain
    return plain or html or other


def _payload_blank(part: EmailMessage) -> bool:
    try:
        payload = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001
        return False
    return not payload or not payload.strip()


def _is_attachment(part: EmailMessage, ctype: str | None = None) -> bool:
    try:
        disposition = (part.get_content_disposition() or "").lower()
    except Exception:  # noqa: BLE001
        disposition = ""
    if disposition == "attachment":
        return True
    if part.is_multipart():
        return False
    ctype = ctype or _content_type(part)
    if ctype in ("text/plain", "text/html"):
        return False
    return bool(_filename(part)) or not ctype.startswith("text/")


def _attachment(part: EmailMessage, warnings: list[str]) -> Attachment:
    ctype = _content_type(part)
    name = _filename(part)
    if ctype == "message/rfc822" and not name:
        inner = part.get_payload()
        if isinstance(inner, list) and inner:
            try:
                name = f"{str(inner[0].get('subject', '') or 'message')[:200]}.eml"
            except Exception:  # noqa: BLE001
                name = "message.eml"
    size = 0
    try:
        if part.is_multipart():
            size = len(part.as_bytes())
        else:
            payload = part.get_payload(decode=True)
            size = len(payload) if payload is not None else 0
    except Exception:  # noqa: BLE001 - a broken part still gets recorded
        _warn(warnings, f"attachment {name or ctype} could not be decoded")
    return Attachment(name=name, content_type=ctype, size=size)


def _filename(part: EmailMessage) -> str:
    try:
        name = part.get_filename() or _param(part, "name")
    except Exception:  # noqa: BLE001
        name = ""
    if not name:
        return ""
    if "=?" in name:
        name = decode_raw(name)
    return str(name).replace("\x00", "").strip()[:300]


def _param(part: EmailMessage, name: str) -> str:
    try:
        value = part.get_param(name)
    except Exception:  # noqa: BLE001
        return ""
    if isinstance(value, tuple):
        try:
            from email.utils import collapse_rfc2231_value

            value = collapse_rfc2231_value(value)
        except Exception:  # noqa: BLE001
            return ""
    return str(value or "")


def _unflow(text: str, delsp: bool) -> str:
    """RFC 3676 format=flowed: soft line breaks (a trailing space) are joined."""
    out: list[str] = []
    buffer = ""
    for line in text.split("\n"):
        if line == "-- ":
            if buffer:
                out.append(buffer)
                buffer = ""
            out.append(line)
            continue
        if line.endswith(" ") and not line.startswith(">"):
            buffer += line[:-1] if delsp else line
        else:
            out.append(buffer + line)
            buffer = ""
    if buffer:
        out.append(buffer)
    return "\n".join(out)


def _warn(warnings: list[str], text: str) -> None:
    if text not in warnings:
        warnings.append(text)
