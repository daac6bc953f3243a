"""The wait for the contact's answer (see `followup.domain.rules`): `awaiting_reply`, its
nudges and reminders, the contact's own pace, and the hold while an out-of-office notice
names a return date.

Roles are compared by their values ("own", "contact", "team": `thread.Role` is a StrEnum), as
in `rules.promise`: thread.py imports this module, so this one takes its types only for the checker.
"""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING

from followup.domain.away import return_date
from followup.domain.calendar import add_business_days, business_days_between
from followup.domain.rules.pace import awaiting_threshold_days, pace_before
from followup.domain.rules.policy import PRIORITY_AWAITING, PRIORITY_MAX
from followup.domain.rules.text import asks_for_something
from followup.domain.rules.unanswered import latest_label
from followup.domain.rules.views import MessageView, Outcome, TaskProposal
from followup.domain.rules.wording import days_text, quoted
from followup.domain.vocabulary import Label, TaskKind, TaskStatus

if TYPE_CHECKING:  # thread.py imports this module: its types only for the checker
    from followup.domain.rules.thread import _ThreadContext, _Turn


def detect_awaiting_reply(out: Outcome, turns: list[_Turn], conversation: list[_Turn], ctx: _ThreadContext,
                    key: str, closing: bool, checkin: bool) -> None:
    last = conversation[-1]
    if last.role != "own":
        by = ctx.who(last.message.from_addr.lower()) if last.role == "contact" else "a colleague"
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
    last_other = max((i for i, t in enumerate(conversation) if t.role != "own"), default=-1)
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
    last_day = return_date(notice.text, notice.written_at(ctx.cal))  # "until Friday": the writer's Friday
    if last_day is None:
        return None, None
    return (ctx.cal.at_local(last_day, time(12)),
            ctx.cal.at_local(ctx.cal.next_business_day(last_day), time(0)))


def _open_inquiry(conversation: list[_Turn]) -> bool:
    """The thread is a deal in progress: its latest label is an inquiry (a sale closed it; a
    complaint is its own task)."""
    return latest_label(conversation) == Label.INQUIRY
