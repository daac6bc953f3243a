"""A drafted follow-up for a task: the reply the rep would write, ready to edit and send.

`compose_draft` is a pure function of the task, its thread's messages, the account, the
user and the contact: it picks the text for the task's kind in the thread's language
(`followup/draft_texts/LANG.yaml`, data files, one per language), fills in what the
evidence found (the customer's question quoted, the order or quote number, the amount, the
date, the quantity) and addresses it as a reply to the thread's last message: To/Cc from
it without the account's own addresses, ``Re:`` subject, In-Reply-To and References, and
that message's text quoted below. `load_draft` reads those rows for a task.

A draft's Message-ID is the same every time for one task (`draft_message_id`), so saving it
again replaces the earlier copy in the Drafts folder (inbox_sync.drafts_folder), and the
copy the rep sends lands in Sent threaded onto the conversation, where the next sync sees it.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, getaddresses
from functools import lru_cache
from pathlib import Path
from string import Formatter
from zoneinfo import ZoneInfo

import yaml
from sqlmodel import Session, select

from followup.domain.language import DEFAULT_LANGUAGE, detect_language
from followup.db.models import Contact, DraftText, FollowUpTask, MailAccount, Message, Thread, User
from followup.domain.vocabulary import Direction, TaskKind

TEXTS_DIR = Path(__file__).with_name("draft_texts")

FACT_KINDS = ("order_number", "invoice_number", "quantity", "money", "date")
"""Evidence kinds restated in a draft's topic, in this order."""

MAX_FACTS = 4
MAX_QUESTIONS = 3
MAX_TEXT_CHARS = 50_000
"""A draft's own text may be this long (a pasted mail thread, not a novel)."""

QUESTION_KINDS = ("question", "request", "complaint")

_SENTENCE_END = re.compile(r"[.!?\n]")


class DraftError(ValueError):
    """A draft that cannot be made or saved as given (message fit for the user)."""


@dataclass(frozen=True)
class DraftTexts:
    """One language's texts (a `draft_texts/*.yaml` file)."""

    code: str
    name: str
    greeting: str
    greeting_no_name: str
    closing: str
    wrote: str
    date: str
    months: tuple[str, ...]
    reply_prefix: str
    answer_here: str
    kinds: dict[str, str]

    def format_date(self, moment: datetime, timezone: str) -> str:
        local = moment.astimezone(ZoneInfo(timezone))
        return self.date.format(day=local.day, month=self.months[local.month - 1], year=local.year)


@lru_cache(maxsize=1)
def draft_languages() -> dict[str, DraftTexts]:
    """Every language a draft can be written in, by code (en, de, fr, es, ...)."""
    languages = {}
    for path in sorted(TEXTS_DIR.glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        languages[path.stem] = DraftTexts(
            code=path.stem, name=data["name"], greeting=data["greeting"],
            greeting_no_name=data["greeting_no_name"], closing=data["closing"], wrote=data["wrote"],
            date=data["date"], months=tuple(data["months"]), reply_prefix=data["reply_prefix"],
            answer_here=data["answer_here"], kinds=dict(data["kinds"]),
        )
    return languages


@dataclass(frozen=True)
class Draft:
    """A follow-up mail ready to edit: `text` is what the rep writes, `quoted` the message replied to."""

    task_id: int
    account_id: int
    kind: str
    language: str
    from_name: str
    from_addr: str
    to: tuple[str, ...]
    cc: tuple[str, ...]
    subject: str
    text: str
    quoted: str
    in_reply_to: str | None
    references: tuple[str, ...]
    message_id: str

    def edited(self, *, to: str, cc: str, subject: str, text: str) -> "Draft":
        """The draft with the rep's changes; `DraftError` names what is wrong with them."""
        subject = subject.strip()
        if "\r" in subject or "\n" in subject:
            raise DraftError("the subject must be one line")
        if not subject:
            raise DraftError("the subject is empty")
        text = text.replace("\r\n", "\n")
        if not text.strip():
            raise DraftError("the text is empty")
        if len(text) > MAX_TEXT_CHARS:
            raise DraftError(f"the text is longer than {MAX_TEXT_CHARS:,} characters")
        recipients = parse_addresses(to, "To")
        if not recipients:
            raise DraftError("the draft needs at least one address in To")
        return replace(self, to=recipients, cc=parse_addresses(cc, "Cc"), subject=subject, text=text)

    @property
    def body(self) -> str:
        return f"{self.text.rstrip()}\n\n{self.quoted}\n" if self.quoted else f"{self.text.rstrip()}\n"

    def to_email(self, at: datetime) -> EmailMessage:
        """The mail as a client would store it in Drafts (and the .eml download)."""
        message = EmailMessage()
        message["From"] = formataddr((self.from_name, self.from_addr)) if self.from_name else self.from_addr
        message["To"] = ", ".join(self.to)
        if self.cc:
            message["Cc"] = ", ".join(self.cc)
        message["Subject"] = self.subject
        message["Date"] = format_datetime(at)
        message["Message-ID"] = f"<{self.message_id}>"
        if self.in_reply_to:
            message["In-Reply-To"] = f"<{self.in_reply_to}>"
        if self.references:
            message["References"] = " ".join(f"<{ref}>" for ref in self.references)
        message.set_content(self.body)
        return message

    def to_json(self) -> dict:
        data = asdict(self)
        data["to"], data["cc"], data["references"] = list(self.to), list(self.cc), list(self.references)
        data["body"] = self.body
        return data


def parse_addresses(value: str, field: str) -> tuple[str, ...]:
    """Addresses typed into To or Cc ("Ann <ann@x.com>, bob@y.org"), each checked."""
    if "\r" in value or "\n" in value:
        raise DraftError(f"{field} must be one line")
    found = []
    for name, addr in getaddresses([value]):
        if not addr and not name:
            continue
        try:
            Address(display_name=name, addr_spec=addr)
        except (ValueError, IndexError):
            addr = ""
        if "@" not in addr or addr.startswith("@") or addr.endswith("@"):
            raise DraftError(f"{field}: {(name or addr or value).strip()!r} is not an email address")
        found.append(formataddr((name, addr)) if name else addr)
    return tuple(found)


def draft_message_id(task_id: int, account_id: int, from_addr: str) -> str:
    """The Message-ID of every draft of one task (without <>): the same each time it is saved."""
    domain = from_addr.rpartition("@")[2] or "followup.invalid"
    return f"followup-draft.{account_id}.{task_id}@{domain}"


def reply_subject(subject: str, prefix: str) -> str:
    """`Re:` and the thread's subject (`Thread.subject` is stored without prefixes)."""
    plain = " ".join((subject or "").split())
    if plain.lower().startswith(prefix.lower()):
        return plain
    return f"{prefix} {plain}" if plain else prefix


def compose_draft(
    task: FollowUpTask,
    thread: Thread | None,
    messages: list[Message],
    account: MailAccount,
    user: User,
    contact: Contact | None,
    *,
    language: str | None = None,
    own_texts: dict[tuple[str, str], str] | None = None,
) -> Draft:
    """The follow-up for `task` (see the module docstring); `language` overrides the thread's,
    `own_texts` (by language and kind) the package's texts."""
    languages = draft_languages()
    if language is not None and language not in languages:
        raise DraftError(f"no draft texts in {language!r}; choose one of: {', '.join(languages)}")
    own = {a.lower() for a in account.addresses}
    replied = _replied_message(messages)
    trigger = next((m for m in messages if m.id == task.trigger_message_id), None) or replied
    theirs = [m for m in messages if m.direction == Direction.INBOUND and not (m.is_bounce or m.is_auto_reply)]
    # The language stored at ingestion (Message.language) of their latest mail; mail stored
    # before it existed (language None) is detected again here.
    stored = next((m.language for m in reversed(theirs or messages) if m.language), None)
    code = language or (stored if stored in languages else None) or detect_language(
        [m.body_text for m in theirs or messages], languages)
    texts = languages.get(code) or languages[DEFAULT_LANGUAGE]

    to, cc = _recipients(replied, own)
    if not to and contact is not None and contact.email:
        to = (formataddr((contact.name, contact.email)) if contact.name else contact.email,)
    name = (contact.name if contact and contact.name else "") or next(
        (m.from_name for m in reversed(theirs) if m.from_name), "")
    first_name = _first_name(name)
    greeting = texts.greeting.format(first_name=first_name) if first_name else texts.greeting_no_name
    when = _occasion(task, trigger, contact)
    values = {
        "first_name": first_name,
        "date": texts.format_date(when, user.timezone),
        "topic": _topic(thread, trigger if trigger is not None and not (trigger.is_bounce or trigger.is_auto_reply)
                        else None, theirs),
        "question": _quote("\n".join(_questions(trigger if trigger in theirs else (theirs[-1] if theirs else None)))),
        "answer_here": texts.answer_here,
    }
    kind_text = ((own_texts or {}).get((texts.code, task.kind)) or texts.kinds.get(task.kind)
                 or texts.kinds[TaskKind.AWAITING_REPLY])
    body = kind_text.format_map(values).strip()
    signature = user.display_name or ""
    text = f"{greeting}\n\n{body}\n\n{texts.closing}\n{signature}".rstrip() + "\n"

    quoted = ""
    if replied is not None:
        sender = replied.from_name or replied.from_addr
        attribution = texts.wrote.format(date=texts.format_date(replied.sent_at, user.timezone), sender=sender)
        quoted = f"{attribution}\n{_quote(replied.body_text.strip())}"
    from_addr = account.addresses[0] if account.addresses else user.email
    references = tuple(replied.references or ()) + (replied.message_id_header,) if replied is not None else ()
    return Draft(
        task_id=task.id, account_id=account.id, kind=task.kind, language=texts.code,
        from_name=user.display_name or "", from_addr=from_addr, to=to, cc=cc,
        subject=reply_subject(thread.subject if thread else (replied.subject if replied else ""), texts.reply_prefix),
        text=text, quoted=quoted,
        in_reply_to=replied.message_id_header if replied is not None else None,
        references=tuple(dict.fromkeys(references)),
        message_id=draft_message_id(task.id, account.id, from_addr),
    )


def load_draft(session: Session, task: FollowUpTask, *, language: str | None = None) -> Draft:
    """`compose_draft` for a task, with the rows it needs read from the database. A contact's
    task (dormant customer, anniversary) answers the latest thread with that contact."""
    account = session.get(MailAccount, task.account_id)
    user = session.get(User, account.user_id)
    contact = session.get(Contact, task.contact_id) if task.contact_id is not None else None
    thread_id = task.thread_id
    if thread_id is None and contact is not None:
        thread_id = session.exec(
            select(Message.thread_id).where(Message.account_id == account.id, Message.thread_id.is_not(None),
                                            Message.from_addr == contact.email)
            .order_by(Message.sent_at.desc(), Message.id.desc())).first()
    thread = session.get(Thread, thread_id) if thread_id is not None else None
    messages = list(session.exec(
        select(Message).where(Message.thread_id == thread.id).order_by(Message.sent_at, Message.id)
    )) if thread is not None else []
    own = {(row.language, row.kind): row.text for row in session.exec(select(DraftText).where(DraftText.user_id == user.id))}
    return compose_draft(task, thread, messages, account, user, contact, language=language, own_texts=own)


PLACEHOLDERS = ("first_name", "date", "topic", "question", "answer_here")
"""What a kind's text may name in braces (filled in by `compose_draft`)."""


def check_draft_text(text: str) -> str:
    """A user's own text for a kind, checked: only `PLACEHOLDERS`, braces in pairs."""
    text = text.replace("\r\n", "\n").strip()
    if len(text) > MAX_TEXT_CHARS:
        raise DraftError(f"the text is longer than {MAX_TEXT_CHARS:,} characters")
    try:
        names = [name for _literal, name, _spec, _conv in Formatter().parse(text) if name is not None]
    except ValueError:
        raise DraftError("a { or } without its pair (write {{ or }} for a brace itself)") from None
    unknown = [n for n in names if n not in PLACEHOLDERS]
    if unknown:
        raise DraftError(f"{{{unknown[0]}}} is not a placeholder; use {', '.join('{' + p + '}' for p in PLACEHOLDERS)}")
    return text


# ---- the pieces -------------------------------------------------------------------------


def _replied_message(messages: list[Message]) -> Message | None:
    """The message the draft answers: the thread's last one that a person wrote."""
    for message in reversed(messages):
        if not (message.is_bounce or message.is_auto_reply or message.deleted_on_server):
            return message
    return messages[-1] if messages else None


def _recipients(replied: Message | None, own: set[str]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if replied is None:
        return (), ()

    def others(addresses) -> list[str]:
        return [a for a in dict.fromkeys(addresses) if a and a.lower() not in own]

    if replied.direction == Direction.INBOUND:
        sender = replied.reply_to_addr or replied.from_addr  # as a mail client answers: a web form's prospect
        to = [formataddr((replied.from_name, sender)) if replied.from_name and sender == replied.from_addr
              else sender] if sender else []
        cc = [a for a in others(list(replied.to_addrs) + list(replied.cc_addrs)) if a.lower() != sender.lower()]
        return tuple(to), tuple(cc)
    return tuple(others(replied.to_addrs)), tuple(others(replied.cc_addrs))


def _occasion(task: FollowUpTask, trigger: Message | None, contact: Contact | None) -> datetime:
    """The date the draft names: the sale for an anniversary, the last exchange for a dormant
    customer, else the message that triggered the task."""
    if contact is not None and task.kind == TaskKind.ANNIVERSARY and contact.first_sale_at:
        return contact.first_sale_at
    if contact is not None and task.kind == TaskKind.DORMANT_CUSTOMER and contact.last_message_at:
        return contact.last_message_at
    return trigger.sent_at if trigger is not None else task.created_at


def _first_name(name: str) -> str:
    name = name.strip().strip('"')
    if not name or "@" in name:
        return ""
    if "," in name:  # "Wu, Dana"
        name = name.split(",", 1)[1]
    return name.split()[0] if name.split() else ""


def _topic(thread: Thread | None, trigger: Message | None, theirs: list[Message]) -> str:
    subject = (thread.subject if thread else "") or (trigger.subject if trigger else "")
    facts = _facts([trigger] + theirs if trigger is not None else theirs)
    topic = f"“{subject.strip()}”" if subject.strip() else ""
    if facts:
        topic = f"{topic} ({', '.join(facts)})" if topic else ", ".join(facts)
    return topic or "…"


def _facts(messages) -> list[str]:
    found: dict[str, str] = {}
    for kind in FACT_KINDS:
        for message in messages:
            for item in message.evidence or []:
                if isinstance(item, dict) and item.get("kind") == kind and item.get("text"):
                    text = " ".join(str(item["text"]).split())
                    if kind == "date" and not any(c.isdigit() for c in text):
                        continue  # "yesterday", "next week": relative to a mail long gone
                    found.setdefault(text.lower(), text)
    return list(found.values())[:MAX_FACTS]


def _questions(message: Message | None) -> list[str]:
    """The sentences of the customer's mail that ask something (from its evidence), else
    those ending in a question mark, else its first lines."""
    if message is None:
        return []
    text = message.body_text or ""
    sentences: list[str] = []
    for item in message.evidence or []:
        if not isinstance(item, dict) or item.get("kind") not in QUESTION_KINDS:
            continue
        sentence = _sentence_at(text, item)
        if sentence and sentence not in sentences:
            sentences.append(sentence)
    sentences = [s for s in sentences if not any(s != other and s in other for other in sentences)]
    if not sentences:
        sentences = [s.strip() for s in re.findall(r"[^.!?\n]*\?", text) if s.strip()]
    if not sentences and text.strip():
        sentences = [text.strip()[:300]]
    return sentences[:MAX_QUESTIONS]


def _sentence_at(text: str, item: dict) -> str:
    phrase = str(item.get("text") or "")
    start = item.get("start")
    if not (isinstance(start, int) and phrase and text[start:start + len(phrase)] == phrase):
        start = text.find(phrase) if phrase else -1
    if start < 0:
        return ""
    begin = max((m.end() for m in _SENTENCE_END.finditer(text, 0, start)), default=0)
    if _SENTENCE_END.fullmatch(phrase[-1:]):  # the span is a whole sentence (a question)
        end = start + len(phrase)
    else:
        end_match = _SENTENCE_END.search(text, start + len(phrase))
        end = end_match.end() if end_match else len(text)
    return " ".join(text[begin:end].split())


def _quote(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())
