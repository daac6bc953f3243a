"""The rules' inputs (plain views of messages, threads, contacts and the user's settings) and
outputs (task proposals, closures, contact activity), as dataclasses with no ORM behind them.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import cached_property
from typing import Callable, Container, Iterable

from followup.domain.addresses import form_sender, is_noreply_address
from followup.domain.calendar import BusinessCalendar
from followup.domain.vocabulary import Direction, Label, TaskKind, TaskStatus


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
    has_attachments: bool = False
    # The writer's offset from UTC in minutes (the Date header's zone); None: not known.
    sent_utc_offset: int | None = None
    # A web-form notification's own sender (no-reply, form) when `from_addr` is the prospect
    # its Reply-To names (see `with_reply_to`); "" for every other message.
    via_addr: str = ""

    def written_at(self, cal: BusinessCalendar) -> datetime:
        """When the message was written on its writer's own clock (the Date header's zone), or
        on the user's when the mail gave none: "on Friday" means the writer's Friday."""
        if self.sent_utc_offset is None:
            return cal.local(self.sent_at)
        return self.sent_at.astimezone(timezone(timedelta(minutes=self.sent_utc_offset)))

    def with_reply_to(self, reply_to_addr: str) -> "MessageView":
        """The message as the rules read it: a web-form notification (`form_sender`) is the
        prospect's own mail, so they are the contact the inquiry waits on and a reply to them
        answers it; any other message comes back unchanged. A contact form is how prospects
        inquire: unless the classifier read a complaint or an order, the form's wrapping text
        ("You have a new message from ...") does not make it `other`."""
        if not reply_to_addr or self.is_bulk or self.is_bounce or self.is_auto_reply:
            return self
        person = form_sender(self.from_addr, reply_to_addr)
        if person is None:
            return self
        label = self.label if self.label not in (None, Label.OTHER) else Label.INQUIRY
        return replace(self, from_addr=person, from_name="", is_noreply=False, via_addr=self.from_addr, label=label)


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
    # Nudge a contact with enough history when they are late by their own pace (rules.pace).
    contact_pace: bool = True
    own_addresses: frozenset[str] = frozenset()
    internal_domains: frozenset[str] = frozenset()
    ignore_patterns: frozenset[str] = frozenset()  # "someone@x.com" or "x.com"
    # When the account was connected: the user saw no nudge before it (reminders count from it).
    watching_since: datetime | None = None

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
        domain = domain_part(address)
        if address in self._own:
            return "own"
        if is_noreply_address(address):
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
                TaskKind.BOUNCED, TaskKind.PROMISE)


def close_all(out: Outcome, keys: Iterable[str], status: TaskStatus, reason: str) -> None:
    for key in keys:
        out.close(key, status, reason)


def domain_part(address: str) -> str:
    return address.rsplit("@", 1)[-1].lower() if "@" in address else ""


def _domain_in(domain: str, domains: frozenset[str] | set[str]) -> bool:
    """`domain` is one of `domains` or a subdomain of one ("mail.acme.com" is in {"acme.com"})."""
    while domain:
        if domain in domains:
            return True
        _, _, domain = domain.partition(".")
    return False


def _max(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else max(a, b)


def _min(a: datetime | None, b: datetime | None) -> datetime | None:
    return b if a is None else a if b is None else min(a, b)
