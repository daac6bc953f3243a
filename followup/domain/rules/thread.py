"""The thread rules (see `followup.domain.rules`): `detect_thread` reads a thread as a
conversation (its turns in date order, who wrote each: `Role`) through one `_ThreadContext`,
and runs each rule on it; together they decide which one nudge a thread gets (a check-in
silences the wait, a bounce replaces it, a complaint is its own task).

The rules, each in its own module, take the conversation and the context:
`rules.unanswered` (needs_reply, complaint), `rules.awaiting_reply` (with the contact's own
pace, `rules.pace`, and the out-of-office hold), `rules.post_sale_checkin`, `rules.bounced`,
`rules.promise`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import Container, Iterable, Mapping

from followup.domain.addresses import company_from_domain
from followup.domain.calendar import BusinessCalendar
from followup.domain.rules.awaiting_reply import detect_awaiting_reply
from followup.domain.rules.bounced import detect_bounced
from followup.domain.rules.pace import ReplyHistory
from followup.domain.rules.post_sale_checkin import detect_post_sale_checkin
from followup.domain.rules.promise import detect_promise
from followup.domain.rules.text import is_closing
from followup.domain.rules.unanswered import detect_complaint, detect_needs_reply
from followup.domain.rules.views import (
    ContactActivity,
    ContactView,
    DetectionSettings,
    MessageView,
    Outcome,
    THREAD_KINDS,
    ThreadView,
    close_all,
    domain_part,
    thread_key,
)
from followup.domain.rules.wording import short_day
from followup.domain.vocabulary import Direction, Label, TaskKind, TaskStatus


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
    paces: Mapping[str, ReplyHistory] | None = None,
) -> Outcome:
    """The tasks one thread calls for at `now`, and the thread tasks that must close (all of
    them, or only those among `open_keys` when given). `paces`: each contact's replies to the
    user over all their threads (`rules.pace.reply_delays`), for their own pace."""
    out = Outcome(open_keys=open_keys)
    keys = {kind: thread_key(kind, thread.id) for kind in THREAD_KINDS}
    messages = _timeline(thread.messages, now)
    for message in thread.messages:
        out.recheck(message.sent_at, now)  # mail dated in the future counts once it is due
    if thread.muted:
        close_all(out, keys.values(), TaskStatus.DISMISSED, "thread muted")
        return out

    turns = [_Turn(m, _role(m, settings)) for m in messages]
    # Senders of bulk mail, bounces and no-reply mail are nobody to wait for (an auto-reply's
    # sender is: the contact is only away).
    machine_senders = {t.message.from_addr.lower() for t in turns
                       if t.role == Role.MACHINE and not t.message.is_auto_reply}
    conversation = [t for t in turns if t.role in (Role.OWN, Role.CONTACT, Role.TEAM)]
    ctx = _ThreadContext(thread, settings, now, contacts or {}, machine_senders, _sale_ids(conversation),
                         paces or {})
    _record_activity(out, conversation, ctx)
    if not any(t.role == Role.CONTACT for t in conversation) and not any(
        ctx.recipients(t.message) for t in conversation if t.role == Role.OWN
    ):
        why = "no external contact (internal, automated or ignored mail only)"
        close_all(out, keys.values(), TaskStatus.DISMISSED, why)
        return out

    last = conversation[-1]
    closing = is_closing(last.message)
    checkin = detect_post_sale_checkin(out, conversation, ctx, keys[TaskKind.POST_SALE_CHECKIN])
    complaint = detect_complaint(out, conversation, ctx, keys[TaskKind.COMPLAINT])
    detect_needs_reply(out, conversation, ctx, keys[TaskKind.NEEDS_REPLY], closing, complaint)
    detect_promise(out, conversation, ctx, keys[TaskKind.PROMISE])
    if detect_bounced(out, turns, conversation, ctx, keys[TaskKind.BOUNCED]):
        out.close(keys[TaskKind.AWAITING_REPLY], TaskStatus.RESOLVED, "your mail bounced: see the bounce")
    else:
        detect_awaiting_reply(out, turns, conversation, ctx, keys[TaskKind.AWAITING_REPLY], closing, checkin)
    return out


@dataclass
class _ThreadContext:
    thread: ThreadView
    settings: DetectionSettings
    now: datetime
    contacts: Mapping[str, ContactView]
    machine_senders: set[str]
    sale_ids: frozenset[int]  # the messages that are a sale (see _sale_ids)
    paces: Mapping[str, ReplyHistory]  # each contact's replies to the user (rules.pace)

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
        company = (contact.company if contact else "") or company_from_domain(domain_part(address))
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
        return short_day(moment, self.cal.tz)


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


def _sale_ids(conversation: list[_Turn]) -> frozenset[int]:
    """The customer's orders, and the user's confirmations of an order the customer placed.
    The user's own mail is never a sale on its own ("Just following up on my proposal" read
    as a sale would open a check-in for a sale that never happened); a colleague's deal is
    the colleague's check-in."""
    ids = []
    ordered = False
    for turn in conversation:
        if turn.message.label != Label.SALE:
            continue
        if turn.role == Role.CONTACT:
            ordered = True
            ids.append(turn.message.id)
        elif turn.role == Role.OWN and ordered:
            ids.append(turn.message.id)
    return frozenset(ids)


def _record_activity(out: Outcome, conversation: list[_Turn], ctx: _ThreadContext) -> None:
    """Conversation turns are in date order, so the latest one sets last_message_at."""
    activity = out.activity
    for turn in conversation:
        message = turn.message
        if turn.role == Role.CONTACT:
            addresses = [message.from_addr.lower()]
        else:
            addresses = ctx.recipients(message)
        sale = message.id in ctx.sale_ids
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
