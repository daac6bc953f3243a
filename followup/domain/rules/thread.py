"""The thread rules: awaiting_reply, needs_reply, post_sale_checkin, bounced and complaint
(see `followup.domain.rules`); promise lives in `rules.promise`, the contact's own pace in
`rules.pace`, both called from here.

One concept over ~500 lines: every rule reads the same conversation (the thread's turns,
who wrote each, in order) through one `_ThreadContext`, and they decide together which one
nudge a thread gets (a check-in silences the wait, a bounce replaces it, a complaint is its
own task), so splitting them would pass that shared state between modules.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, time
from enum import StrEnum
from functools import cached_property
from typing import Container, Iterable, Mapping

from followup.domain.addresses import company_from_domain
from followup.domain.away import return_date
from followup.domain.calendar import BusinessCalendar, add_business_days, business_days_between
from followup.domain.rules.policy import (
    CHECKIN_AFTER,
    CHECKIN_WINDOW,
    COMPLAINT_CUES,
    PRIORITY_AWAITING,
    PRIORITY_BOUNCED,
    PRIORITY_CHECKIN,
    PRIORITY_COMPLAINT,
    PRIORITY_MAX,
    PRIORITY_NEEDS_REPLY,
    PRIORITY_NEEDS_REPLY_DEFAULT,
    REPEAT_COMPLAINT_BONUS,
    STALE_AFTER,
    TEXT_LIMIT,
)
from followup.domain.rules.pace import ReplyHistory, awaiting_threshold_days, pace_before
from followup.domain.rules.promise import detect_promise
from followup.domain.rules.text import (
    ADDRESS,
    BOUNCE_CAUSES,
    BOUNCE_CODE,
    asks_for_something,
    is_closing,
)
from followup.domain.rules.views import (
    ContactActivity,
    ContactView,
    DetectionSettings,
    MessageView,
    Outcome,
    THREAD_KINDS,
    TaskProposal,
    ThreadView,
    close_all,
    domain_part,
    thread_key,
)
from followup.domain.rules.wording import days_text, quoted, short_day
from followup.domain.vocabulary import Direction, Label, TaskKind, TaskStatus


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
    checkin = _post_sale_checkin(out, conversation, ctx, keys[TaskKind.POST_SALE_CHECKIN])
    complaint = _complaint(out, conversation, ctx, keys[TaskKind.COMPLAINT])
    _needs_reply(out, conversation, ctx, keys[TaskKind.NEEDS_REPLY], closing, complaint)
    detect_promise(out, conversation, ctx, keys[TaskKind.PROMISE])
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


def _post_sale_checkin(out: Outcome, conversation: list[_Turn], ctx: _ThreadContext, key: str) -> bool:
    sales = [i for i, t in enumerate(conversation) if t.message.id in ctx.sale_ids]
    if not sales:
        out.close(key, TaskStatus.RESOLVED, "no order from the customer in the thread")
        return False
    index = sales[-1]
    sale = conversation[index]
    if sale.role == Role.CONTACT and index == len(conversation) - 1 and asks_for_something(sale.message):
        # "We accept the quote, please send the order confirmation": the customer waits for
        # the user, which is a needs_reply, not a check-in.
        out.close(key, TaskStatus.RESOLVED, "their order asks for an answer first", sale.message.id)
        return False
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
        reason=((f"their order on {ctx.day(sale.message.sent_at)}, asking nothing more"
                 if sale.role == Role.CONTACT else
                 f"you confirmed their order on {ctx.day(sale.message.sent_at)} and no word from the customer since")
                + f"; check in between {ctx.day(due)} and {ctx.day(expires)}"),
        nudge=nudge, contact_email=contact, contact_name=ctx.name(contact),
        nudge_count=1 if ctx.now >= due else 0, trigger_message_id=sale.message.id,
    ))
    return True


NOT_A_COMPLAINT = "no message of the thread is labelled a complaint any more"
"""Why a complaint task closes when its messages are relabelled (followup.relabel)."""


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
    settled = next((t for t in later if t.role == Role.CONTACT and is_closing(t.message)), None)
    if settled:
        out.close(key, TaskStatus.RESOLVED,
                  lambda: (f"closed by the customer on {ctx.day(settled.message.sent_at)}: "
                           f"'{quoted(settled.message.text)}'"), settled.message.id)
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
                  lambda: f"closed by a closing message: '{quoted(last.message.text)}'",
                  last.message.id)
        return
    last_answer = max((i for i, t in enumerate(conversation) if t.role != Role.CONTACT), default=-1)
    unanswered = [t.message for t in conversation[last_answer + 1:]]
    if complaint:
        out.close(key, TaskStatus.RESOLVED, "handled as a complaint")
        return
    # Mail addressed to a colleague, the user only in Cc, is the colleague's to answer.
    asking = [m for m in unanswered if asks_for_something(m) and not _for_a_colleague(m, ctx.settings)]
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
                f"no reply from you within {days_text(ctx.settings.needs_reply_days)}"
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
                  lambda: f"closed by your closing message: '{quoted(last.message.text)}'",
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
    if not (any(asks_for_something(m) for m in own) or in_progress):
        out.close(key, TaskStatus.RESOLVED, "your last mail asks for nothing")
        return

    clock = own[-1]  # the latest outbound mail: a reminder moves the clock
    if clock.id in ctx.sale_ids and "?" not in clock.text:
        # An order confirmation waits for nothing: the post-sale check-in is the follow-up.
        out.close(key, TaskStatus.RESOLVED, "your last mail confirmed the sale")
        return
    fixed = max(ctx.settings.awaiting_reply_days, 1)
    # A contact with enough history is late by their own standard, known when the user wrote.
    pace = pace_before(ctx.paces.get(recipients[0]), clock.sent_at) if ctx.settings.contact_pace else None
    # `first`: the business days before the first nudge; `step`: between the next ones (the
    # user's own threshold, so a fast contact is not chased daily and given up on in a week).
    first, pace_rule = awaiting_threshold_days(pace, fixed)
    step = fixed
    away = [t.message for t in turns
            if t.message.is_auto_reply and t.message.sent_at >= clock.sent_at
            and t.message.from_addr.lower() in recipients]
    start, held = clock.sent_at, ""
    last_day, back = _away_until(away, ctx)
    if back is not None and back > add_business_days(clock.sent_at, first, ctx.cal):
        # Away past the first nudge: the nudges count from the day they are back.
        start = back
        held = f"away until {ctx.day(last_day)}: nudge on {ctx.day(back)}"
        if ctx.now < back:
            out.recheck(back, ctx.now)
            out.close(key, TaskStatus.RESOLVED, held, away[-1].id)
            return
    elif (elapsed := business_days_between(clock.sent_at, ctx.now, ctx.cal)) < first:
        out.recheck(add_business_days(clock.sent_at, first, ctx.cal), ctx.now)
        why = (f"you wrote again on {ctx.day(clock.sent_at)}; the wait starts over" if len(own) > 1
               else f"waiting since your mail of {ctx.day(clock.sent_at)}")
        out.close(key, TaskStatus.RESOLVED, why, clock.id)
        return
    max_nudges = max(ctx.settings.max_nudges, 1)
    watching = ctx.settings.watching_since
    if (not held and watching is not None and watching <= ctx.now
            and watching > add_business_days(clock.sent_at, first, ctx.cal)
            and watching < add_business_days(clock.sent_at, first + max_nudges * step, ctx.cal)):
        # The first sync found a wait already past its first nudge: the rep never saw that
        # one, so the first nudge they see is reminder 1, the next ones every `step` business days.
        start, late = max(watching, clock.sent_at), True
    else:
        late = False
    if held or late:
        # The first nudge on the day they are back, the next ones every `step` business days.
        nudges = min(1 + business_days_between(start, ctx.now, ctx.cal) // step, max_nudges)
        expires = add_business_days(start, max_nudges * step, ctx.cal)
        due = add_business_days(start, (nudges - 1) * step, ctx.cal)
        next_at = add_business_days(start, nudges * step, ctx.cal)
    else:
        nudges = min(1 + (elapsed - first) // step, max_nudges)
        expires = add_business_days(start, first + max_nudges * step, ctx.cal)
        due = add_business_days(start, first + (nudges - 1) * step, ctx.cal)
        next_at = add_business_days(start, first + nudges * step, ctx.cal)
    if ctx.now >= expires:
        out.close(key, TaskStatus.EXPIRED, lambda: f"no reply after {max_nudges} nudges; giving up")
        return
    out.recheck(next_at, ctx.now)
    contact = recipients[0]
    who = ctx.who(contact)
    # The text changes with each nudge, not every day.
    waited = (business_days_between(clock.sent_at, due, ctx.cal) if held or late
              else first + (nudges - 1) * step)
    nudge = f"No reply in {days_text(waited)} — {who}, '{ctx.subject}'"
    if away:
        nudge += f" (away: auto-reply on {ctx.day(away[-1].sent_at)})"
    if nudges > 1:
        nudge += f" — reminder {nudges} of {max_nudges}"
    reason = (f"you wrote last on {ctx.day(clock.sent_at)}"
              + (f" ({len(own)} mails in a row)" if len(own) > 1 else "")
              + f"; no reply from {contact} for {days_text(waited)}"
              + ("; the thread is an open inquiry" if in_progress else "; your mail asked for an answer"))
    if away:
        reason += "; only an out-of-office auto-reply came back"
    if held:
        reason += f"; {held}"
    if pace is not None:
        reason += f"; {pace_rule}; {days_text(waited)} now"  # as of this nudge: no new text each day
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
    named = [a.lower() for a in ADDRESS.findall(text)]
    contact = next((a for a in named if a in recipients), recipients[0])
    code = BOUNCE_CODE.search(text)
    cause = next((c for c in BOUNCE_CAUSES if c in text), None)
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
