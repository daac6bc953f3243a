"""The follow-up rules: pure functions from a thread (or a contact), the user's settings and
`now` to the tasks that should be open and the ones that should close.

No database, no I/O: the inputs are the plain dataclasses below, built by
`followups.detection` (or by hand in tests), and so are the outputs. Running the rules
twice on the same input gives the same output; `detection` turns that into idempotent
upserts on `FollowUpTask` keyed by `TaskProposal.key`.

Per thread (keys `<kind>:thread:<id>`):

- awaiting_reply: the user wrote last to an external contact, asked for something (or the
  thread is an open inquiry), and no reply came for N business days. The clock starts at
  the user's *latest* mail: a reminder or a correction keeps the wait going and restarts it.
  A second nudge after another N days, up to `max_nudges`; N days after the last nudge the
  task expires. An out-of-office reply is not a reply; the nudge says the contact is away,
  and one that names a return date ("until 30 November") holds the first nudge until the
  first business day after it ("away until Mon 30 Nov: nudge on Tue 1 Dec").
  An order confirmation waits for nothing (the post-sale check-in is the follow-up), and
  while a check-in is open it is the thread's only nudge.
- needs_reply: an external contact wrote last, asked for something, and the user has not
  answered within N business days of the first unanswered question. Inquiries rank first.
  Mail addressed To a colleague with the user only in Cc is the colleague's; an answer by
  a colleague to the contact counts; a complaint is its own task.
- post_sale_checkin: the latest sale (by the user or the customer) opens a task due 2
  days later (moved to the next business day), expiring 7 days after the sale; none once
  the customer wrote after the sale, resolved when the user writes after the due date.
- bounced: a delivery failure came back for the user's latest mail (ingestion threads the
  report with the mail it names): "Your mail to t.lee@… bounced (550 user unknown): find
  another way to reach them". It replaces the awaiting-reply wait; the bounce itself is
  never a task of its own. Resolved once anyone writes again in the thread.
- complaint: an unanswered complaint opens a team task at once, due after
  `complaint_response_days` business days, its priority raised by cues (refund, cancel,
  legal threats, a repeat complaint). Answered = the user (or a colleague writing to the
  customer) wrote after it, or the customer closed it; a later complaint re-triggers it.

Questions and complaints unanswered for `STALE_AFTER` (30 days) expire rather than nag.
The trigger of a task is the latest mail that calls for it: a different trigger is what
reopens a task the user closed.

Per contact with a past sale (keys `<kind>:contact:<id>[:<year>]`):

- dormant_customer: no human mail either way for `dormant_days` calendar days.
- anniversary: the first sale's anniversary; open from 7 days before until 14 days after.

Never for bulk mail, bounces, auto-replies, no-reply senders, internal-only or muted
threads, ignored addresses or domains; a calendar invitation or answer asks nothing and
sells nothing. A closing message that asks nothing ("Thanks, all
sorted") closes the loop.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import Callable, Container, Iterable, Mapping

from followups.away import return_date
from followups.calendar import BusinessCalendar, add_business_days, business_days_between
from followups.models import Direction, Label, TaskKind, TaskStatus

CHECKIN_AFTER = timedelta(days=2)
"""The post-sale check-in is due this long after the sale (not earlier: the product is not used yet)."""

CHECKIN_WINDOW = timedelta(days=7)
"""...and expires this long after the sale (later, the moment has passed)."""

ANNIVERSARY_LEAD = timedelta(days=7)
"""An anniversary task opens this long before the day, so a thank-you can be prepared."""

ANNIVERSARY_GRACE = timedelta(days=14)
"""...and expires this long after it."""

STALE_AFTER = timedelta(days=30)
"""A question or complaint left unanswered this long no longer opens (or keeps) a task: a
first import of years of mail must not flood the list with ancient mail. New mail reopens."""

TEXT_LIMIT = 2000
"""Characters of a message's own text the rules look at (cues, questions, closings)."""

# Priorities: higher is more urgent. Inquiries waiting for an answer rank first.
PRIORITY_NEEDS_REPLY = {Label.INQUIRY: 80, Label.SALE: 65, Label.COMPLAINT: 60}
PRIORITY_NEEDS_REPLY_DEFAULT = 50
PRIORITY_COMPLAINT = 60
PRIORITY_AWAITING = 40
PRIORITY_CHECKIN = 45
PRIORITY_BOUNCED = 55
PRIORITY_ANNIVERSARY = 25
PRIORITY_DORMANT = 20
PRIORITY_MAX = 100

COMPLAINT_CUES: tuple[tuple[str, re.Pattern, int], ...] = (
    ("refund", re.compile(r"\b(refund|money back|reimburs|charge ?back|compensat)", re.I), 15),
    ("cancel", re.compile(r"\bcancel", re.I), 15),
    ("legal", re.compile(
        r"\b(lawyer|attorney|legal action|lawsuit|sue\b|suing|court|solicitor|ombudsman|"
        r"regulator|small claims|trading standards|consumer protection)", re.I), 25),
)
REPEAT_COMPLAINT_BONUS = 15

_ASKS = re.compile(
    r"\?|\b(could you|can you|would you|will you|let me know|let us know|get back to|"
    r"please (?!find|see|note)|kindly|look(ing)? forward to (hearing|your)|awaiting your|"
    r"your thoughts|confirm)\b",
    re.I,
)
_CLOSING = re.compile(
    r"\b(all sorted|sorted now|that'?s all|all set|all good|no need to (reply|respond)|"
    r"no further (questions?|action)|(is |now )?resolved|works now|working now|problem solved|"
    r"nothing else|case closed|we'?re good|issue (is )?fixed|that settles it|that helps|"
    r"just want(ed)? to (say )?thank|(happy|pleased|satisfied) with (it|them|the|your|everything))\b",
    re.I,
)
_THANKS_ONLY = re.compile(
    r"^\W*((hi|hello|dear) [\w' -]+,?\s*)?(many thanks|thanks|thank you|thx|cheers|great|perfect|got it|ok|okay)\b"
    r"[\w\s,.!'-]*$", re.I)
_NOREPLY_LOCAL = re.compile(
    r"^(no[-_.]?reply|do[-_.]?not[-_.]?reply|mailer[-_.]?daemon|postmaster|bounces?|"
    r"notifications?|newsletters?|news|marketing|alerts?)([-+_.].*)?$",
    re.I,
)
FREEMAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "yahoo.co.uk", "hotmail.com", "outlook.com",
    "live.com", "msn.com", "icloud.com", "me.com", "mac.com", "aol.com", "gmx.de", "gmx.net",
    "gmx.com", "web.de", "proton.me", "protonmail.com", "mail.com", "yandex.ru", "zoho.com",
    "fastmail.com", "hey.com",
})
_BOUNCE_CODE = re.compile(r"\b([45]\d\d)(?:[ -][245]\.\d{1,3}\.\d{1,3})?\b")
_BOUNCE_CAUSES = (
    "user unknown", "unknown user", "no such user", "user not found", "mailbox unavailable",
    "mailbox not found", "mailbox full", "mailbox is full", "quota exceeded", "does not exist",
    "account disabled", "host not found", "domain not found", "address rejected", "recipient rejected",
)
"""What a delivery failure says went wrong, the most telling first ("user unknown" beats the
"address rejected" that often precedes it)."""
_ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu", "ltd", "plc"})


# ----------------------------------------------------------------------------- inputs


@dataclass(slots=True)
class MessageView:
    """One message as the rules see it. `text` is the message's own new text (no quotes)."""

    id: int
    sent_at: datetime
    direction: str = Direction.INBOUND
    from_addr: str = ""
    from_name: str = ""
    to_addrs: tuple[str, ...] = ()
    cc_addrs: tuple[str, ...] = ()
    subject: str = ""
    text: str = ""
    label: str | None = None
    needs_reply: bool | None = None
    is_auto_reply: bool = False
    is_bulk: bool = False
    is_bounce: bool = False
    is_noreply: bool = False
    message_id_header: str | None = None
    is_calendar: bool = False


@dataclass(frozen=True)
class ThreadView:
    id: int
    subject: str
    messages: tuple[MessageView, ...]  # any order: the rules sort by sent_at
    muted: bool = False


@dataclass(frozen=True)
class ContactView:
    """A contact's known facts, aggregated over all threads of the account."""

    id: int
    email: str
    name: str = ""
    company: str = ""
    first_sale_at: datetime | None = None
    last_sale_at: datetime | None = None
    last_message_at: datetime | None = None


@dataclass(frozen=True)
class DetectionSettings:
    """The user's follow-up settings and the account's own addresses. Thresholds are
    business days except `dormant_days` (calendar days)."""

    timezone: str = "UTC"
    working_days: tuple[int, ...] = (0, 1, 2, 3, 4)
    holiday_country: str | None = None
    awaiting_reply_days: int = 5
    needs_reply_days: int = 1
    complaint_response_days: int = 1
    max_nudges: int = 3
    dormant_days: int = 90
    own_addresses: frozenset[str] = frozenset()
    internal_domains: frozenset[str] = frozenset()
    ignore_patterns: frozenset[str] = frozenset()  # "someone@x.com" or "x.com"

    @cached_property
    def calendar(self) -> BusinessCalendar:
        return BusinessCalendar(self.timezone, frozenset(self.working_days), self.holiday_country)

    @cached_property
    def _own(self) -> frozenset[str]:
        return frozenset(a.lower() for a in self.own_addresses)

    @cached_property
    def _ignored_domains(self) -> frozenset[str]:
        return frozenset(p for p in self.ignore_patterns if "@" not in p)

    @cached_property
    def _kinds(self) -> dict[str, str]:
        return {}

    def address_kind(self, address: str) -> str:
        """"own", "noreply", "ignored", "internal" or "external" (memoised: called a lot)."""
        kind = self._kinds.get(address)
        if kind is None:
            kind = self._kinds[address] = self._address_kind(address.lower())
        return kind

    def _address_kind(self, address: str) -> str:
        domain = _domain(address)
        if address in self._own:
            return "own"
        if _is_noreply_address(address):
            return "noreply"
        if address in self.ignore_patterns or _domain_in(domain, self._ignored_domains):
            return "ignored"
        if _domain_in(domain, self.internal_domains):
            return "internal"
        return "external"

    def is_own(self, address: str) -> bool:
        return self.address_kind(address) == "own"

    def is_internal(self, address: str) -> bool:
        return self.address_kind(address) in ("own", "internal")

    def is_ignored(self, address: str) -> bool:
        return self.address_kind(address) == "ignored"

    def is_external(self, address: str) -> bool:
        """A human outside the company the user has not ignored."""
        return self.address_kind(address) == "external"


# ---------------------------------------------------------------------------- outputs


@dataclass(frozen=True)
class TaskProposal:
    """A task that should be open now, with everything the task row shows."""

    key: str
    kind: TaskKind
    due_at: datetime
    priority: int
    reason: str
    nudge: str
    contact_email: str | None
    contact_name: str = ""
    thread_id: int | None = None
    expires_at: datetime | None = None
    nudge_count: int = 0
    # What started it: a different trigger than the task's reopens a done or dismissed task.
    trigger_message_id: int | None = None
    team_task: bool = False  # complaints: triaged by the team, assigned round robin


@dataclass(frozen=True)
class TaskClosure:
    """A task that must not stay open (if it is), and why."""

    key: str
    status: TaskStatus  # RESOLVED, EXPIRED or DISMISSED
    reason: str
    message_id: int | None = None


@dataclass
class ContactActivity:
    """What one thread says about an external contact, merged into `Contact` rows."""

    email: str
    name: str = ""
    last_message_at: datetime | None = None
    first_sale_at: datetime | None = None
    last_sale_at: datetime | None = None

    def merge(self, other: "ContactActivity") -> None:
        self.name = self.name or other.name
        self.last_message_at = _max(self.last_message_at, other.last_message_at)
        self.first_sale_at = _min(self.first_sale_at, other.first_sale_at)
        self.last_sale_at = _max(self.last_sale_at, other.last_sale_at)


@dataclass
class Outcome:
    proposals: list[TaskProposal] = field(default_factory=list)
    closures: list[TaskClosure] = field(default_factory=list)
    # The next moment the result may change with time alone (a due date, a nudge, an expiry).
    recheck_at: datetime | None = None
    activity: dict[str, ContactActivity] = field(default_factory=dict)
    # The keys of the tasks open now, when the caller knows them: closures for other keys
    # would change nothing, so they are skipped. None: every closure is reported.
    open_keys: Container[str] | None = None

    def close(self, key: str, status: TaskStatus, reason: str | Callable[[], str],
              message_id: int | None = None) -> None:
        """Add a closure; with `open_keys` known, only for those keys (the reason, often a
        formatted sentence, is then only built when it is needed)."""
        if self.open_keys is not None and key not in self.open_keys:
            return
        self.closures.append(TaskClosure(key, status, reason() if callable(reason) else reason, message_id))

    def recheck(self, moment: datetime | None, now: datetime) -> None:
        if moment is not None and moment > now:
            self.recheck_at = _min(self.recheck_at, moment)


def thread_key(kind: TaskKind, thread_id: int) -> str:
    return f"{kind}:thread:{thread_id}"


THREAD_KINDS = (TaskKind.AWAITING_REPLY, TaskKind.NEEDS_REPLY, TaskKind.POST_SALE_CHECKIN, TaskKind.COMPLAINT,
                TaskKind.BOUNCED)


# ------------------------------------------------------------------------- thread rules


class Role(StrEnum):
    OWN = "own"  # the user
    CONTACT = "contact"  # an external person
    TEAM = "team"  # a colleague writing to the external contact (answers count)
    INTERNAL = "internal"  # a colleague writing only internally: ignored
    MACHINE = "machine"  # bulk, bounces, auto-replies, no-reply senders: ignored
    IGNORED = "ignored"  # a sender the user ignores


@dataclass(frozen=True)
class _Turn:
    message: MessageView
    role: Role


def detect_thread(
    thread: ThreadView,
    settings: DetectionSettings,
    now: datetime,
    contacts: Mapping[str, ContactView] | None = None,
    open_keys: Container[str] | None = None,
) -> Outcome:
    """The tasks one thread calls for at `now`, and the thread tasks that must close (all of
    them, or only those among `open_keys` when given)."""
    out = Outcome(open_keys=open_keys)
    keys = {kind: thread_key(kind, thread.id) for kind in THREAD_KINDS}
    messages = _timeline(thread.messages, now)
    for message in thread.messages:
        out.recheck(message.sent_at, now)  # mail dated in the future counts once it is due
    if thread.muted:
        _close(out, keys.values(), TaskStatus.DISMISSED, "thread muted")
        return out

    turns = [_Turn(m, _role(m, settings)) for m in messages]
    # Senders of bulk mail, bounces and no-reply mail are nobody to wait for (an auto-reply's
    # sender is: the contact is only away).
    machine_senders = {t.message.from_addr.lower() for t in turns
                       if t.role == Role.MACHINE and not t.message.is_auto_reply}
    ctx = _ThreadContext(thread, settings, now, contacts or {}, machine_senders)
    conversation = [t for t in turns if t.role in (Role.OWN, Role.CONTACT, Role.TEAM)]
    _record_activity(out, conversation, ctx)
    if not any(t.role == Role.CONTACT for t in conversation) and not any(
        ctx.recipients(t.message) for t in conversation if t.role == Role.OWN
    ):
        why = "no external contact (internal, automated or ignored mail only)"
        _close(out, keys.values(), TaskStatus.DISMISSED, why)
        return out

    last = conversation[-1]
    closing = _is_closing(last.message)
    checkin = _post_sale_checkin(out, conversation, ctx, keys[TaskKind.POST_SALE_CHECKIN])
    complaint = _complaint(out, conversation, ctx, keys[TaskKind.COMPLAINT])
    _needs_reply(out, conversation, ctx, keys[TaskKind.NEEDS_REPLY], closing, complaint)
    if _bounced(out, turns, conversation, ctx, keys[TaskKind.BOUNCED]):
        out.close(keys[TaskKind.AWAITING_REPLY], TaskStatus.RESOLVED, "your mail bounced: see the bounce")
    else:
        _awaiting_reply(out, turns, conversation, ctx, keys[TaskKind.AWAITING_REPLY], closing, checkin)
    return out


@dataclass
class _ThreadContext:
    thread: ThreadView
    settings: DetectionSettings
    now: datetime
    contacts: Mapping[str, ContactView]
    machine_senders: set[str]

    @property
    def cal(self) -> BusinessCalendar:
        return self.settings.calendar

    @cached_property
    def subject(self) -> str:
        subject = self.thread.subject or next((m.subject for m in self.thread.messages if m.subject), "")
        subject = " ".join(subject.split()) or "(no subject)"
        return subject if len(subject) <= 80 else subject[:77] + "..."

    @cached_property
    def _recipients(self) -> dict[int, list[str]]:
        return {}

    def recipients(self, message: MessageView) -> list[str]:
        """The external, human, not ignored recipients of a message, To before Cc."""
        found = self._recipients.get(message.id)
        if found is None:
            found = []
            for address in (*message.to_addrs, *message.cc_addrs):
                address = address.lower()
                if address and address not in found and self.is_contact_address(address):
                    found.append(address)
            self._recipients[message.id] = found
        return found

    def is_contact_address(self, address: str) -> bool:
        return self.settings.is_external(address) and address not in self.machine_senders

    def who(self, address: str | None) -> str:
        """"Dana Wu (Acme)" from the contact, the mail's display name, or the domain."""
        if not address:
            return "your contact"
        contact = self.contacts.get(address)
        name = (contact.name if contact else "") or self._display_name(address)
        company = (contact.company if contact else "") or company_from_domain(_domain(address))
        if not name:
            return address
        return f"{name} ({company})" if company and company.lower() not in name.lower() else name

    def name(self, address: str | None) -> str:
        if not address:
            return ""
        contact = self.contacts.get(address)
        return (contact.name if contact else "") or self._display_name(address)

    def _display_name(self, address: str) -> str:
        for message in self.thread.messages:
            if message.from_addr.lower() == address and message.from_name.strip():
                name = message.from_name.strip().strip('"')
                if "@" not in name:
                    return name
        return ""

    def day(self, moment: datetime) -> str:
        return _short_day(moment, self.cal.tz)


@lru_cache(maxsize=65536)
def _short_day(moment: datetime, tz: tzinfo) -> str:
    """"Mon 2 Mar" in the user's zone (memoised: the same dates recur in every outcome)."""
    local = moment.astimezone(tz)
    return f"{_WEEKDAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]}"


def _timeline(messages: Iterable[MessageView], now: datetime) -> list[MessageView]:
    """Messages up to `now` in date order, a copy of the same mail (same Message-ID) once.
    A calendar invitation or answer ("Invitation:", "Accepted:") is neither a question nor
    a sale, whatever the classifier made of its text: it keeps only its place in the thread."""
    seen: set[str] = set()
    result = []
    for message in sorted(messages, key=lambda m: (m.sent_at, m.id)):
        if message.sent_at > now:
            continue
        if message.message_id_header:
            if message.message_id_header in seen:
                continue
            seen.add(message.message_id_header)
        if message.is_calendar:
            message = replace(message, label=Label.OTHER, needs_reply=False)
        result.append(message)
    return result


def _role(message: MessageView, settings: DetectionSettings) -> Role:
    if message.is_bulk or message.is_bounce or message.is_auto_reply:
        return Role.MACHINE
    kind = settings.address_kind(message.from_addr)
    if message.direction == Direction.OUTBOUND or kind == "own":
        return Role.OWN
    if message.is_noreply or kind == "noreply":
        return Role.MACHINE
    if kind == "ignored":
        return Role.IGNORED
    if kind == "internal":
        external = any(settings.is_external(a) for a in (*message.to_addrs, *message.cc_addrs))
        return Role.TEAM if external else Role.INTERNAL
    return Role.CONTACT


def _record_activity(out: Outcome, conversation: list[_Turn], ctx: _ThreadContext) -> None:
    """Conversation turns are in date order, so the latest one sets last_message_at."""
    activity = out.activity
    for turn in conversation:
        message = turn.message
        if turn.role == Role.CONTACT:
            addresses = [message.from_addr.lower()]
        else:
            addresses = ctx.recipients(message)
        sale = message.label == Label.SALE and turn.role != Role.TEAM
        at = message.sent_at
        for address in addresses:
            seen = activity.get(address)
            if seen is None:
                seen = activity[address] = ContactActivity(address)
            if turn.role == Role.CONTACT and not seen.name:
                seen.name = message.from_name.strip().strip('"')
            seen.last_message_at = at
            if sale:
                seen.first_sale_at = seen.first_sale_at or at
                seen.last_sale_at = at


def _post_sale_checkin(out: Outcome, conversation: list[_Turn], ctx: _ThreadContext, key: str) -> bool:
    # A sale by the user or the customer: a colleague's deal is the colleague's check-in.
    sales = [i for i, t in enumerate(conversation)
             if t.message.label == Label.SALE and t.role in (Role.OWN, Role.CONTACT)]
    if not sales:
        return False
    index = sales[-1]
    sale = conversation[index]
    contact = _counterpart(sale, ctx)
    due = ctx.cal.next_business_moment(sale.message.sent_at + CHECKIN_AFTER)
    expires = sale.message.sent_at + CHECKIN_WINDOW
    later = conversation[index + 1:]
    customer_wrote = next((t for t in later if t.role == Role.CONTACT), None)
    if customer_wrote:
        who = ctx.who(customer_wrote.message.from_addr.lower())
        out.close(key, TaskStatus.RESOLVED,
                  lambda: f"{who} wrote after the sale on {ctx.day(customer_wrote.message.sent_at)}",
                  customer_wrote.message.id)
        return False
    checked_in = next((t for t in later if t.role in (Role.OWN, Role.TEAM) and t.message.sent_at >= due), None)
    if checked_in:
        out.close(key, TaskStatus.RESOLVED,
                  lambda: f"you checked in on {ctx.day(checked_in.message.sent_at)}", checked_in.message.id)
        return False
    if ctx.now >= expires:
        out.close(key, TaskStatus.EXPIRED,
                  lambda: f"the check-in window ended {ctx.day(expires)}, 7 days after the sale")
        return False
    out.recheck(due, ctx.now)
    out.recheck(expires, ctx.now)
    who = ctx.who(contact)
    nudge = f"Sale closed {ctx.day(sale.message.sent_at)} — ask {who} how it went, '{ctx.subject}'"
    if ctx.now < due:
        nudge += f" (from {ctx.day(due)})"
    out.proposals.append(TaskProposal(
        key=key, kind=TaskKind.POST_SALE_CHECKIN, thread_id=ctx.thread.id,
        due_at=due, expires_at=expires, priority=PRIORITY_CHECKIN,
        reason=(f"sale on {ctx.day(sale.message.sent_at)} and no word from the customer since; "
                f"check in between {ctx.day(due)} and {ctx.day(expires)}"),
        nudge=nudge, contact_email=contact, contact_name=ctx.name(contact),
        nudge_count=1 if ctx.now >= due else 0, trigger_message_id=sale.message.id,
    ))
    return True


NOT_A_COMPLAINT = "no message of the thread is labelled a complaint any more"
"""Why a complaint task closes when its messages are relabelled (followups.relabel)."""


def _complaint(out: Outcome, conversation: list[_Turn], ctx: _ThreadContext, key: str) -> bool:
    complaints = [i for i, t in enumerate(conversation)
                  if t.role == Role.CONTACT and t.message.label == Label.COMPLAINT]
    if not complaints:  # e.g. the user relabelled the complaint: its task goes
        out.close(key, TaskStatus.RESOLVED, NOT_A_COMPLAINT)
        return False
    last_index = complaints[-1]
    later = conversation[last_index + 1:]
    answer = next((t for t in later if t.role in (Role.OWN, Role.TEAM)), None)
    if answer:
        by = "you" if answer.role == Role.OWN else (answer.message.from_name or answer.message.from_addr)
        out.close(key, TaskStatus.RESOLVED,
                  lambda: f"answered by {by} on {ctx.day(answer.message.sent_at)}", answer.message.id)
        return False
    settled = next((t for t in later if t.role == Role.CONTACT and _is_closing(t.message)), None)
    if settled:
        out.close(key, TaskStatus.RESOLVED,
                  lambda: (f"closed by the customer on {ctx.day(settled.message.sent_at)}: "
                           f"'{_quote(settled.message.text)}'"), settled.message.id)
        return False
    # The clock runs from the first complaint since the last answer.
    last_answer = max((i for i, t in enumerate(conversation[:last_index]) if t.role in (Role.OWN, Role.TEAM)),
                      default=-1)
    unanswered = [i for i in complaints if i > last_answer]
    first = conversation[unanswered[0]].message
    latest = conversation[last_index].message
    if _stale(out, ctx, key, latest, "complaint"):
        return False
    due = add_business_days(first.sent_at, ctx.settings.complaint_response_days, ctx.cal)
    text = " ".join(f"{conversation[i].message.subject} {conversation[i].message.text}" for i in unanswered)
    cues = [name for name, pattern, _ in COMPLAINT_CUES if pattern.search(text)]
    priority = PRIORITY_COMPLAINT + sum(bonus for name, _, bonus in COMPLAINT_CUES if name in cues)
    if len(complaints) > 1:
        cues.append("repeat complaint")
        priority += REPEAT_COMPLAINT_BONUS
    priority = min(priority, PRIORITY_MAX)
    contact = latest.from_addr.lower()
    who = ctx.who(contact)
    overdue = ctx.now >= due
    out.recheck(due, ctx.now)
    when = f"first answer overdue since {ctx.day(due)}" if overdue else f"first answer due {ctx.day(due)}"
    cue_text = f" ({', '.join(cues)})" if cues else ""
    out.proposals.append(TaskProposal(
        key=key, kind=TaskKind.COMPLAINT, thread_id=ctx.thread.id, due_at=due,
        priority=priority,
        reason=(f"complaint from {contact} on {ctx.day(first.sent_at)}, not answered yet"
                + (f"; cues: {', '.join(cues)}" if cues else "")),
        nudge=f"Complaint{cue_text} — {who}, '{ctx.subject}': {when}",
        contact_email=contact, contact_name=ctx.name(contact),
        nudge_count=1 if overdue else 0, trigger_message_id=latest.id, team_task=True,
    ))
    return True


def _needs_reply(out: Outcome, conversation: list[_Turn], ctx: _ThreadContext, key: str,
                 closing: bool, complaint: bool) -> None:
    last = conversation[-1]
    if last.role != Role.CONTACT:
        by = "you" if last.role == Role.OWN else (last.message.from_name or last.message.from_addr)
        out.close(key, TaskStatus.RESOLVED,
                  lambda: f"answered by {by} on {ctx.day(last.message.sent_at)}", last.message.id)
        return
    if closing:
        out.close(key, TaskStatus.RESOLVED,
                  lambda: f"closed by a closing message: '{_quote(last.message.text)}'",
                  last.message.id)
        return
    last_answer = max((i for i, t in enumerate(conversation) if t.role != Role.CONTACT), default=-1)
    unanswered = [t.message for t in conversation[last_answer + 1:]]
    if complaint:
        out.close(key, TaskStatus.RESOLVED, "handled as a complaint")
        return
    # Mail addressed to a colleague, the user only in Cc, is the colleague's to answer.
    asking = [m for m in unanswered if _asks(m) and not _for_a_colleague(m, ctx.settings)]
    if not asking:
        out.close(key, TaskStatus.RESOLVED, "their last mail asks for nothing")
        return
    first = asking[0]
    if _stale(out, ctx, key, asking[-1], "question"):
        return
    due = add_business_days(first.sent_at, ctx.settings.needs_reply_days, ctx.cal)
    if ctx.now < due:
        out.recheck(due, ctx.now)
        return
    label = _latest_label(conversation)
    priority = PRIORITY_NEEDS_REPLY.get(label, PRIORITY_NEEDS_REPLY_DEFAULT)
    contact = asking[-1].from_addr.lower()
    who = ctx.who(contact)
    lead = "A prospect is waiting" if label == Label.INQUIRY else "Waiting for your reply"
    out.proposals.append(TaskProposal(
        key=key, kind=TaskKind.NEEDS_REPLY, thread_id=ctx.thread.id, due_at=due,
        priority=priority,
        reason=(f"{contact} wrote on {ctx.day(first.sent_at)} and asked for an answer; "
                f"no reply from you within {_days(ctx.settings.needs_reply_days)}"
                + (f"; thread labelled {label}" if label else "")),
        nudge=f"{lead} since {ctx.day(first.sent_at)} — {who}, '{ctx.subject}'",
        contact_email=contact, contact_name=ctx.name(contact), nudge_count=1,
        trigger_message_id=asking[-1].id,  # a new question re-triggers a dismissed task
    ))


def _awaiting_reply(out: Outcome, turns: list[_Turn], conversation: list[_Turn], ctx: _ThreadContext,
                    key: str, closing: bool, checkin: bool) -> None:
    last = conversation[-1]
    if last.role != Role.OWN:
        by = ctx.who(last.message.from_addr.lower()) if last.role == Role.CONTACT else "a colleague"
        out.close(key, TaskStatus.RESOLVED,
                  lambda: f"{by} replied on {ctx.day(last.message.sent_at)}", last.message.id)
        return
    if closing:
        out.close(key, TaskStatus.RESOLVED,
                  lambda: f"closed by your closing message: '{_quote(last.message.text)}'",
                  last.message.id)
        return
    if checkin:
        out.close(key, TaskStatus.RESOLVED, "covered by the post-sale check-in")
        return
    last_other = max((i for i, t in enumerate(conversation) if t.role != Role.OWN), default=-1)
    own = [t.message for t in conversation[last_other + 1:]]
    recipients: list[str] = []
    for message in own:
        recipients += [a for a in ctx.recipients(message) if a not in recipients]
    if not recipients:
        out.close(key, TaskStatus.RESOLVED, "your last mail went to no external contact")
        return
    in_progress = _open_inquiry(conversation)
    if not (any(_asks(m) for m in own) or in_progress):
        out.close(key, TaskStatus.RESOLVED, "your last mail asks for nothing")
        return

    clock = own[-1]  # the latest outbound mail: a reminder moves the clock
    if clock.label == Label.SALE and "?" not in clock.text:
        # An order confirmation waits for nothing: the post-sale check-in is the follow-up.
        out.close(key, TaskStatus.RESOLVED, "your last mail confirmed the sale")
        return
    n = max(ctx.settings.awaiting_reply_days, 1)
    away = [t.message for t in turns
            if t.message.is_auto_reply and t.message.sent_at >= clock.sent_at
            and t.message.from_addr.lower() in recipients]
    start, held = clock.sent_at, ""
    last_day, back = _away_until(away, ctx)
    if back is not None and back > add_business_days(clock.sent_at, n, ctx.cal):
        # Away past the first nudge: the nudges count from the day they are back.
        start = back
        held = f"away until {ctx.day(last_day)}: nudge on {ctx.day(back)}"
        if ctx.now < back:
            out.recheck(back, ctx.now)
            out.close(key, TaskStatus.RESOLVED, held, away[-1].id)
            return
    elif (elapsed := business_days_between(clock.sent_at, ctx.now, ctx.cal)) < n:
        out.recheck(add_business_days(clock.sent_at, n, ctx.cal), ctx.now)
        why = (f"you wrote again on {ctx.day(clock.sent_at)}; the wait starts over" if len(own) > 1
               else f"waiting since your mail of {ctx.day(clock.sent_at)}")
        out.close(key, TaskStatus.RESOLVED, why, clock.id)
        return
    max_nudges = max(ctx.settings.max_nudges, 1)
    if held:
        # The first nudge on the day they are back, the next ones every n business days.
        nudges = min(1 + business_days_between(start, ctx.now, ctx.cal) // n, max_nudges)
        expires = add_business_days(start, max_nudges * n, ctx.cal)
        due = add_business_days(start, (nudges - 1) * n, ctx.cal)
        next_at = add_business_days(start, nudges * n, ctx.cal)
    else:
        nudges = min(elapsed // n, max_nudges)
        expires = add_business_days(start, (max_nudges + 1) * n, ctx.cal)
        due = add_business_days(start, nudges * n, ctx.cal)
        next_at = add_business_days(start, (nudges + 1) * n, ctx.cal)
    if ctx.now >= expires:
        out.close(key, TaskStatus.EXPIRED, lambda: f"no reply after {max_nudges} nudges; giving up")
        return
    out.recheck(next_at, ctx.now)
    contact = recipients[0]
    who = ctx.who(contact)
    # The text changes with each nudge, not every day.
    waited = business_days_between(clock.sent_at, due, ctx.cal) if held else nudges * n
    nudge = f"No reply in {_days(waited, business=False)} — {who}, '{ctx.subject}'"
    if away:
        nudge += f" (away: auto-reply on {ctx.day(away[-1].sent_at)})"
    if nudges > 1:
        nudge += f" — reminder {nudges} of {max_nudges}"
    reason = (f"you wrote last on {ctx.day(clock.sent_at)}"
              + (f" ({len(own)} mails in a row)" if len(own) > 1 else "")
              + f"; no reply from {contact} for {_days(waited)}"
              + ("; the thread is an open inquiry" if in_progress else "; your mail asked for an answer"))
    if away:
        reason += "; only an out-of-office auto-reply came back"
    if held:
        reason += f"; {held}"
    out.proposals.append(TaskProposal(
        key=key, kind=TaskKind.AWAITING_REPLY, thread_id=ctx.thread.id, due_at=due,
        expires_at=expires,
        priority=min(PRIORITY_AWAITING + (10 if in_progress else 0) + 5 * (nudges - 1), PRIORITY_MAX),
        reason=reason, nudge=nudge, contact_email=contact, contact_name=ctx.name(contact),
        nudge_count=nudges, trigger_message_id=clock.id,
    ))


def _away_until(away: list[MessageView], ctx: _ThreadContext) -> tuple[datetime, datetime] | tuple[None, None]:
    """The last day of absence the latest out-of-office notice names and the start of the
    first business day after it (in the user's zone), or (None, None)."""
    if not away:
        return None, None
    notice = away[-1]
    last_day = return_date(notice.text, ctx.cal.local(notice.sent_at))
    if last_day is None:
        return None, None
    return (ctx.cal.at_local(last_day, time(12)),
            ctx.cal.at_local(ctx.cal.next_business_day(last_day), time(0)))


def _bounced(out: Outcome, turns: list[_Turn], conversation: list[_Turn], ctx: _ThreadContext,
             key: str) -> bool:
    """A delivery failure after the user's latest mail, with nothing from anyone since:
    the mail never arrived, so the follow-up is to find another way to reach them."""
    last = conversation[-1]
    failure = next((t.message for t in reversed(turns) if t.message.is_bounce), None)
    if failure is None:
        return False
    if last.role != Role.OWN or failure.sent_at < last.message.sent_at:
        out.close(key, TaskStatus.RESOLVED, "no delivery failure since the last mail")
        return False
    recipients = ctx.recipients(last.message)
    if not recipients:
        out.close(key, TaskStatus.RESOLVED, "the mail that bounced went to no external contact")
        return False
    text = failure.text[:TEXT_LIMIT].lower()
    named = [a.lower() for a in _ADDRESS.findall(text)]
    contact = next((a for a in named if a in recipients), recipients[0])
    code = _BOUNCE_CODE.search(text)
    cause = next((c for c in _BOUNCE_CAUSES if c in text), None)
    why = " ".join(part for part in (code and code.group(1), cause) if part)
    told = f"Your mail to {contact} bounced{f' ({why})' if why else ''}: find another way to reach them"
    out.proposals.append(TaskProposal(
        key=key, kind=TaskKind.BOUNCED, thread_id=ctx.thread.id, due_at=failure.sent_at,
        priority=PRIORITY_BOUNCED,
        reason=(f"your mail of {ctx.day(last.message.sent_at)} to {contact} came back undelivered "
                f"on {ctx.day(failure.sent_at)}" + (f" ({why})" if why else "")),
        nudge=f"{told} — {ctx.who(contact)}, '{ctx.subject}'",
        contact_email=contact, contact_name=ctx.name(contact), nudge_count=1,
        trigger_message_id=failure.id,
    ))
    return True


def _for_a_colleague(message: MessageView, settings: DetectionSettings) -> bool:
    kinds = {settings.address_kind(a) for a in message.to_addrs}
    return "own" not in kinds and "internal" in kinds


def _stale(out: Outcome, ctx: _ThreadContext, key: str, latest: MessageView, what: str) -> bool:
    """True (and the task expires) when the latest mail that calls for an answer is older
    than STALE_AFTER; else schedules a look at the moment it will be."""
    stale_at = latest.sent_at + STALE_AFTER
    if ctx.now >= stale_at:
        out.close(key, TaskStatus.EXPIRED,
                  lambda: (f"the {what} of {ctx.day(latest.sent_at)} went unanswered for "
                           f"{STALE_AFTER.days} days: too old to chase"), latest.id)
        return True
    out.recheck(stale_at, ctx.now)
    return False


def _latest_label(conversation: list[_Turn]) -> str | None:
    """Where the thread stands: its latest inquiry, sale or complaint label."""
    for turn in reversed(conversation):
        if turn.message.label in (Label.INQUIRY, Label.SALE, Label.COMPLAINT):
            return turn.message.label
    return None


def _open_inquiry(conversation: list[_Turn]) -> bool:
    """The thread is a deal in progress: its latest label is an inquiry (a sale closed it; a
    complaint is its own task)."""
    return _latest_label(conversation) == Label.INQUIRY


def _counterpart(turn: _Turn, ctx: _ThreadContext) -> str | None:
    if turn.role == Role.CONTACT:
        return turn.message.from_addr.lower()
    recipients = ctx.recipients(turn.message)
    return recipients[0] if recipients else None


# ------------------------------------------------------------------------ contact rules


def dormant_key(contact_id: int) -> str:
    return f"{TaskKind.DORMANT_CUSTOMER}:contact:{contact_id}"


def anniversary_key(contact_id: int, year: int) -> str:
    return f"{TaskKind.ANNIVERSARY}:contact:{contact_id}:{year}"


def detect_contact(contact: ContactView, settings: DetectionSettings, now: datetime,
                   open_keys: Container[str] | None = None) -> Outcome:
    """Dormant-customer and first-sale-anniversary tasks for one contact with a past sale."""
    out = Outcome(open_keys=open_keys)
    cal = settings.calendar
    key = dormant_key(contact.id)
    if (contact.first_sale_at is None or contact.first_sale_at > now
            or settings.is_ignored(contact.email) or settings.is_internal(contact.email)):
        out.close(key, TaskStatus.DISMISSED, "no past sale, or the contact is ignored")
        return out
    name = contact.name or contact.email
    company = contact.company or company_from_domain(_domain(contact.email))
    who = f"{name} ({company})" if contact.name and company and company.lower() not in name.lower() else name

    last = contact.last_message_at or contact.last_sale_at or contact.first_sale_at
    dormant_at = last + timedelta(days=settings.dormant_days)
    if now >= dormant_at:
        out.proposals.append(TaskProposal(
            key=key, kind=TaskKind.DORMANT_CUSTOMER, due_at=dormant_at, priority=PRIORITY_DORMANT,
            reason=(f"customer since {_day(cal.local(contact.first_sale_at))}; no mail either way since "
                    f"{_day(cal.local(last))} (threshold {settings.dormant_days} days)"),
            nudge=(f"No contact in {settings.dormant_days}+ days — {who}, a customer since "
                   f"{cal.local(contact.first_sale_at):%b %Y}: reach out"),
            contact_email=contact.email, contact_name=contact.name, nudge_count=1,
        ))
    else:
        out.recheck(dormant_at, now)
        out.close(key, TaskStatus.RESOLVED, lambda: f"mail with {contact.email} on {_day(cal.local(last))}")

    first = cal.local(contact.first_sale_at).date()
    today = cal.local(now).date()
    for year in (today.year - 1, today.year, today.year + 1):
        if year <= first.year:
            continue
        day = _same_day_in(first, year)
        opens = cal.at_local(day, time(0)) - ANNIVERSARY_LEAD
        due = cal.at_local(day, time(0))
        expires = due + ANNIVERSARY_GRACE
        akey = anniversary_key(contact.id, year)
        if now >= expires:
            out.close(akey, TaskStatus.EXPIRED, lambda: f"the anniversary was {_day(day)}")
        elif now >= opens:
            years = year - first.year
            out.recheck(expires, now)
            out.proposals.append(TaskProposal(
                key=akey, kind=TaskKind.ANNIVERSARY, due_at=due, expires_at=expires,
                priority=PRIORITY_ANNIVERSARY,
                reason=f"first sale on {_day(first)}: {years} year{'s' if years > 1 else ''} on {_day(day)}",
                nudge=f"{years} year{'s' if years > 1 else ''} since the first sale on {_day(day)} — say thank you to {who}",
                contact_email=contact.email, contact_name=contact.name, nudge_count=1 if now >= due else 0,
            ))
            out.recheck(due, now)
        else:
            out.recheck(opens, now)
    return out


def contact_may_have_task(contact: ContactView, settings: DetectionSettings, now: datetime) -> bool:
    """A cheap pre-check for `detect_contact`: False when it can only answer "nothing to open"
    (not dormant, no anniversary window around `now`), so an incremental pass skips it."""
    if contact.first_sale_at is None or contact.first_sale_at > now:
        return False
    last = contact.last_message_at or contact.last_sale_at or contact.first_sale_at
    if now >= last + timedelta(days=settings.dormant_days):
        return True
    first = contact.first_sale_at.date()
    for year in (now.year - 1, now.year, now.year + 1):
        if year > first.year:
            day = datetime.combine(_same_day_in(first, year), time(0), tzinfo=now.tzinfo)
            # a day of slack either side for the user's time zone
            if day - ANNIVERSARY_LEAD - timedelta(days=1) <= now < day + ANNIVERSARY_GRACE + timedelta(days=1):
                return True
    return False


# ------------------------------------------------------------------------------ helpers


def company_from_domain(domain: str) -> str:
    """"acme.com" -> "Acme", "northwind-outfitters.co.uk" -> "Northwind Outfitters"; "" for
    free-mail providers."""
    domain = domain.lower()
    if not domain or domain in FREEMAIL_DOMAINS:
        return ""
    parts = domain.split(".")
    if len(parts) > 1:
        parts = parts[:-1]
    if len(parts) > 1 and parts[-1] in _SECOND_LEVEL:
        parts = parts[:-1]
    return parts[-1].replace("-", " ").replace("_", " ").title()


def is_noreply_address(address: str) -> bool:
    return _is_noreply_address(address)


def _is_noreply_address(address: str) -> bool:
    local = address.split("@", 1)[0]
    return bool(_NOREPLY_LOCAL.match(local))


def asks_for_reply(message: MessageView) -> bool:
    return _asks(message)


def _asks(message: MessageView) -> bool:
    """The classifier's needs_reply when present; else a question or a request in the text."""
    if message.needs_reply is not None:
        return message.needs_reply
    return bool(_ASKS.search(message.text[:TEXT_LIMIT]))


def is_closing(message: MessageView) -> bool:
    return _is_closing(message)


def _is_closing(message: MessageView) -> bool:
    """A message that closes the loop: asks nothing and says so ("Thanks, all sorted").

    A short message with an explicit closing phrase and no question counts even when the
    classifier thought it needs a reply; a bare "thanks!" only when it did not."""
    if message.label in (Label.COMPLAINT, Label.INQUIRY, Label.SALE):
        return False
    text = " ".join(message.text.split())
    if not text or "?" in text or len(text) > 400:
        return False
    if _CLOSING.search(text):
        return len(text) <= 200 or message.needs_reply is not True
    return message.needs_reply is not True and len(text) <= 60 and bool(_THANKS_ONLY.match(text))


def _close(out: Outcome, keys: Iterable[str], status: TaskStatus, reason: str) -> None:
    for key in keys:
        out.close(key, status, reason)


def _domain(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower() if "@" in address else ""


def _domain_in(domain: str, domains: frozenset[str] | set[str]) -> bool:
    """`domain` is one of `domains` or a subdomain of one ("mail.acme.com" is in {"acme.com"})."""
    while domain:
        if domain in domains:
            return True
        _, _, domain = domain.partition(".")
    return False


def _days(n: int, business: bool = True) -> str:
    unit = "business day" if business else "day"
    return f"{n} {unit}{'' if n == 1 else 's'}"


def _day(value: date | datetime) -> str:
    return f"{value:%a} {value.day} {value:%b %Y}"


def _quote(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= 60 else text[:57] + "..."


def _same_day_in(day: date, year: int) -> date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return date(year, 2, 28)


def _max(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _min(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)
