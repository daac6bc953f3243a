"""One raw message (bytes) to a `ParsedMessage`: headers, dates, body text, own text,
attachments and kind flags. `parse_message` never raises: whatever defeats the parser
becomes a warning on the result, and a message always comes out with a Message-ID, a
date and a content hash.

* Headers: split from the raw bytes here and decoded by `inbox_sync.headers` (compat32
  decoding first, `email.policy.default` for what defeats it: see there why).
* Body: the MIME tree is built by `inbox_sync.mime` (a fast path for well-formed
  messages, the standard library's parser for everything irregular), then walked by
  `inbox_sync.body`.
* Date: the Date header; else the server's INTERNALDATE (or the mbox From_ line's date);
  else the oldest hop of the Received chain; else the Unix epoch, with a warning.
* Message-ID: the header; else a synthetic `<hash>@synthetic.followup.invalid` from the
  content, stable across imports and folders.
* Content hash: SHA-256 over the headers that identify a message (From, To, Cc, Date,
  Subject, Message-ID) and the body, so the same message fetched from two folders or
  imported twice hashes the same even when transport headers (Received, X-Status,
  X-Gmail-Labels) differ, while two different messages that share a Message-ID do not.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, timezone
from email.message import Message as EmailMessage

from followup.domain.addresses import form_sender
from followup.domain.language import message_language
from inbox_sync.body import Attachment, Body, extract_body
from inbox_sync.headers import FUTURE_SLACK, MAX_ID_LENGTH, HeaderReader, split_header_block
from inbox_sync.kinds import Kinds, classify_kinds
from inbox_sync.mime import build_tree
from inbox_sync.quotes import split_own_text

SYNTHETIC_DOMAIN = "synthetic.followup.invalid"
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)
SNIPPET_LENGTH = 200
MAX_TEXT = 200_000
"""Body text beyond this many characters is cut (with a warning)."""

_IDENTITY_HEADERS = ("from", "to", "cc", "date", "subject", "message-id")
_REPORTED_PARTS = frozenset({"text/rfc822-headers", "message/rfc822", "message/rfc822-headers"})
_REPORTED_ID_RE = re.compile(r"^Message-ID:\s*<([^<>\s]+)>", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class ParsedMessage:
    message_id: str
    synthetic_id: bool
    in_reply_to: str | None
    references: tuple[str, ...]
    from_addr: str
    from_name: str
    to: tuple[tuple[str, str], ...]
    cc: tuple[tuple[str, str], ...]
    reply_to: tuple[tuple[str, str], ...]
    subject: str
    sent_at: datetime
    date_source: str  # header | internal | received | none
    text: str  # the whole readable body
    own_text: str
    quoted_text: str
    snippet: str
    html_only: bool
    attachments: tuple[Attachment, ...]
    kinds: Kinds
    content_hash: str
    size: int
    warnings: tuple[str, ...] = field(default=())
    organization: str = ""  # the Organization header: the sender's company, in their words
    language: str | None = None  # ISO 639-1 of subject + own text (followup.domain.language); None: unknown
    # The writer's offset from UTC in the Date header, in minutes: their own calendar day
    # ("Friday" in a promise). None when the date came from elsewhere or gave no zone.
    sent_utc_offset: int | None = None

    @property
    def to_addrs(self) -> list[str]:
        return [a for _, a in self.to]

    @property
    def cc_addrs(self) -> list[str]:
        return [a for _, a in self.cc]

    @property
    def correspondent(self) -> tuple[str, str]:
        """(address, display name) of whom the mail is really from: the person in Reply-To of
        a web-form notification (`form_sender`), else the From."""
        for name, addr in self.reply_to[:1]:
            person = form_sender(self.from_addr, addr)
            if person is not None:
                return person, name
        return self.from_addr, self.from_name

    @property
    def participants(self) -> frozenset[str]:
        addrs = {a for _, a in self.to} | {a for _, a in self.cc}
        if self.from_addr:
            addrs.add(self.from_addr)
        return frozenset(addrs)

    @property
    def linked_ids(self) -> tuple[str, ...]:
        ids = list(self.references)
        if self.in_reply_to and self.in_reply_to not in ids:
            ids.append(self.in_reply_to)
        return tuple(i for i in ids if i != self.message_id)




def parse_message(raw: bytes, *, internal_date: datetime | None = None) -> ParsedMessage:
    """Parse one message; never raises on any input bytes."""
    warnings: list[str] = []
    if not isinstance(raw, (bytes, bytearray, memoryview)):
        raw = str(raw).encode("utf-8", errors="surrogateescape")
    raw = bytes(raw)
    try:
        return _parse(raw, internal_date, warnings)
    except Exception as exc:  # noqa: BLE001 - the promise is: a message always comes out
        warnings.append(f"message only partly parsed: {type(exc).__name__}: {exc}"[:300])
        return _minimal(raw, internal_date, warnings)


def _parse(raw: bytes, internal_date, warnings: list[str]) -> ParsedMessage:
    header_list, body_bytes = split_header_block(raw, warnings)
    headers = HeaderReader(header_list, warnings)
    msg = build_tree(header_list, body_bytes, raw, warnings)
    senders = headers.addresses("From") or headers.addresses("Sender")
    from_name, from_addr = senders[0] if senders else ("", "")
    if not senders:
        warnings.append("no From address")
    to = tuple(headers.addresses("To"))
    cc = tuple(headers.addresses("Cc"))
    reply_to = tuple(headers.addresses("Reply-To"))
    subject = headers.text("Subject")[:2000]

    sent_at, date_source = _date(headers, internal_date, warnings)

    body = _body(msg, warnings)
    text = body.text
    if len(text) > MAX_TEXT:
        warnings.append(f"body text cut at {MAX_TEXT} characters")
        text = text[:MAX_TEXT]
    own_text, quoted_text = split_own_text(text)

    content_hash = _content_hash(header_list, body_bytes)
    ids = headers.message_ids("Message-ID")
    synthetic = not ids
    message_id = ids[0] if ids else f"{content_hash[:32]}@{SYNTHETIC_DOMAIN}"
    references = tuple(r for r in headers.message_ids("References") if r != message_id)[-100:]
    in_reply_to_ids = headers.message_ids("In-Reply-To")
    in_reply_to = next((i for i in in_reply_to_ids if i != message_id), None)

    try:
        top_type = getattr(msg, "followup_content_type", None) or msg.get_content_type()
    except Exception:  # noqa: BLE001
        top_type = "text/plain"
    kinds = classify_kinds(
        headers, subject=subject, from_addr=from_addr,
        content_types=body.content_types, top_type=top_type, own_text=own_text, text=text,
        html=body.html if body.html_part is not None else None,
        reply_to_addr=reply_to[0][1] if reply_to else "", recipients=len(to) + len(cc),
    )
    if kinds.is_bounce and in_reply_to is None and not references:
        # A delivery report names the mail it reports on: thread it with that mail, so
        # detection can tell the rep their mail did not arrive.
        in_reply_to = _reported_message_id(msg, message_id)
    for defect in _defects(msg):
        if defect not in warnings:
            warnings.append(defect)
    return ParsedMessage(
        message_id=safe_text(message_id),
        synthetic_id=synthetic,
        in_reply_to=safe_text(in_reply_to) if in_reply_to else None,
        references=tuple(safe_text(r) for r in references),
        from_addr=safe_text(from_addr),
        from_name=safe_text(from_name[:300]),
        to=_safe_pairs(to),
        cc=_safe_pairs(cc),
        reply_to=_safe_pairs(reply_to),
        subject=safe_text(subject),
        sent_at=sent_at,
        date_source=date_source,
        sent_utc_offset=headers.utc_offset_minutes("Date") if date_source == "header" else None,
        text=safe_text(text),
        own_text=safe_text(own_text),
        quoted_text=safe_text(quoted_text),
        language=message_language(subject, own_text or text),
        snippet=safe_text(_snippet(own_text or text)),
        html_only=body.html_only,
        attachments=tuple(Attachment(safe_text(a.name), safe_text(a.content_type), a.size)
                          for a in body.attachments),
        kinds=kinds,
        content_hash=content_hash,
        size=len(raw),
        warnings=tuple(safe_text(w) for w in warnings),
        organization=safe_text(headers.text("Organization")[:300]),
    )


def safe_text(text: str) -> str:
    """Text every database takes: no NUL characters, no lone surrogates."""
    if "\x00" in text:
        text = text.replace("\x00", "")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "replace") \
            if _escapable(text) else text.encode("utf-8", "replace").decode("utf-8")
    return text


def _escapable(text: str) -> bool:
    try:
        text.encode("utf-8", "surrogateescape")
        return True
    except UnicodeEncodeError:
        return False


def _safe_pairs(pairs) -> tuple[tuple[str, str], ...]:
    return tuple((safe_text(name), safe_text(addr)) for name, addr in pairs)


def _body(msg: EmailMessage, warnings: list[str]) -> Body:
    try:
        return extract_body(msg, warnings)
    except Exception as exc:  # noqa: BLE001 - a broken body must not lose the message
        warnings.append(f"body not readable: {type(exc).__name__}")
        return Body(text="", html_only=False, attachments=(), content_types=frozenset())


def _date(headers: HeaderReader, internal_date, warnings: list[str]) -> tuple[datetime, str]:
    internal = _aware(internal_date)
    has_header = bool(headers.raw("Date"))
    parsed = headers.date("Date")
    if parsed is not None and internal is not None and parsed > internal + FUTURE_SLACK:
        warnings.append("Date header is after the server received the message; INTERNALDATE used")
        return internal, "internal"
    if parsed is not None:
        return parsed, "header"
    warnings.append("Date header unreadable" if has_header else "no Date header")
    if internal is not None:
        return internal, "internal"
    received = headers.received_dates()
    if received:
        return min(received), "received"
    warnings.append("no date anywhere; the Unix epoch used")
    return EPOCH, "none"


def _aware(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def _content_hash(headers: list[tuple[str, str]], body: bytes) -> str:
    digest = hashlib.sha256()
    for name, value in headers:
        if name.lower() in _IDENTITY_HEADERS:
            digest.update(name.lower().encode("ascii", "replace"))
            digest.update(b":")
            digest.update(" ".join(value.split()).encode("utf-8", "surrogateescape"))
            digest.update(b"\n")
    digest.update(b"\n")
    lines = body.replace(b"\r\n", b"\n").rstrip().split(b"\n")
    digest.update(b"\n".join([line.rstrip() for line in lines]))  # faster than a regex here
    return digest.hexdigest()


def _defects(msg: EmailMessage) -> list[str]:
    names: list[str] = []
    try:
        for part in msg.walk():
            for defect in getattr(part, "defects", ()):
                name = f"MIME defect: {type(defect).__name__}"
                if name not in names:
                    names.append(name)
    except Exception:  # noqa: BLE001
        pass
    return names


def _snippet(text: str) -> str:
    return " ".join(text[:SNIPPET_LENGTH * 4].split())[:SNIPPET_LENGTH]


def _minimal(raw: bytes, internal_date, warnings: list[str]) -> ParsedMessage:
    content_hash = hashlib.sha256(raw).hexdigest()
    text = safe_text(raw.decode("utf-8", errors="replace")[:MAX_TEXT])
    warnings = [safe_text(w) for w in warnings]
    sent_at = _aware(internal_date) or EPOCH
    return ParsedMessage(
        message_id=f"{content_hash[:32]}@{SYNTHETIC_DOMAIN}",
        synthetic_id=True, in_reply_to=None, references=(), from_addr="", from_name="",
        to=(), cc=(), reply_to=(), subject="", sent_at=sent_at,
        date_source="internal" if internal_date else "none", text=text, own_text=text,
        quoted_text="", snippet=_snippet(text), html_only=False, attachments=(), kinds=Kinds(),
        content_hash=content_hash, size=len(raw), warnings=tuple(warnings),
    )


def _reported_message_id(msg: EmailMessage, own_id: str) -> str | None:
    """The Message-ID of the returned mail inside a delivery report (its headers part or the
    attached message), or None."""
    try:
        for part in msg.walk():
            if part.get_content_type() not in _REPORTED_PARTS:
                continue
            payload = part.get_payload()
            if isinstance(payload, list):  # message/rfc822: the parsed message itself
                found = [p.get("Message-ID", "") for p in payload]
                text = "\n".join(f"Message-ID: {value}" for value in found if value)
            else:
                text = part.get_payload(decode=True) or b""
                text = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
            for match in _REPORTED_ID_RE.finditer(text):
                if match.group(1) != own_id:
                    return safe_text(match.group(1)[:MAX_ID_LENGTH])
    except Exception:  # noqa: BLE001  (a broken report is still stored, only not linked)
        return None
    return None
