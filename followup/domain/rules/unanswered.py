"""The contact's mail the user has not answered (see `followup.domain.rules`): a question
(`needs_reply`) or a complaint (a team task of its own), and the staleness both share.

Roles are compared by their values ("own", "contact", "team": `thread.Role` is a StrEnum), as
in `rules.promise`: thread.py imports this module, so this one takes its types only for the checker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from followup.domain.calendar import add_business_days
from followup.domain.rules.policy import (
    COMPLAINT_CUES,
    PRIORITY_COMPLAINT,
    PRIORITY_MAX,
    PRIORITY_NEEDS_REPLY,
    PRIORITY_NEEDS_REPLY_DEFAULT,
    REPEAT_COMPLAINT_BONUS,
    STALE_AFTER,
)
from followup.domain.rules.text import asks_for_something, is_closing
from followup.domain.rules.views import DetectionSettings, MessageView, Outcome, TaskProposal
from followup.domain.rules.wording import days_text, quoted
from followup.domain.vocabulary import Label, TaskKind, TaskStatus

if TYPE_CHECKING:  # thread.py imports this module: its types only for the checker
    from followup.domain.rules.thread import _ThreadContext, _Turn


NOT_A_COMPLAINT = "no message of the thread is labelled a complaint any more"
"""Why a complaint task closes when its messages are relabelled (followup.relabel)."""


def detect_complaint(out: Outcome, conversation: list[_Turn], ctx: _ThreadContext, key: str) -> bool:
    complaints = [i for i, t in enumerate(conversation)
                  if t.role == "contact" and t.message.label == Label.COMPLAINT]
    if not complaints:  # e.g. the user relabelled the complaint: its task goes
        out.close(key, TaskStatus.RESOLVED, NOT_A_COMPLAINT)
        return False
    last_index = complaints[-1]
    later = conversation[last_index + 1:]
    answer = next((t for t in later if t.role in ("own", "team")), None)
    if answer:
        by = "you" if answer.role == "own" else (answer.message.from_name or answer.message.from_addr)
        out.close(key, TaskStatus.RESOLVED,
                  lambda: f"answered by {by} on {ctx.day(answer.message.sent_at)}", answer.message.id)
        return False
    settled = next((t for t in later if t.role == "contact" and is_closing(t.message)), None)
    if settled:
        out.close(key, TaskStatus.RESOLVED,
                  lambda: (f"closed by the customer on {ctx.day(settled.message.sent_at)}: "
                           f"'{quoted(settled.message.text)}'"), settled.message.id)
        return False
    # The clock runs from the first complaint since the last answer.
    last_answer = max((i for i, t in enumerate(conversation[:last_index]) if t.role in ("own", "team")),
                      default=-1)
    unanswered = [i for i in complaints if i > last_answer]
    first = conversation[unanswered[0]].message
    latest = conversation[last_index].message
    if stale(out, ctx, key, latest, "complaint"):
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


def detect_needs_reply(out: Outcome, conversation: list[_Turn], ctx: _ThreadContext, key: str,
                 closing: bool, complaint: bool) -> None:
    last = conversation[-1]
    if last.role != "contact":
        by = "you" if last.role == "own" else (last.message.from_name or last.message.from_addr)
        out.close(key, TaskStatus.RESOLVED,
                  lambda: f"answered by {by} on {ctx.day(last.message.sent_at)}", last.message.id)
        return
    if closing:
        out.close(key, TaskStatus.RESOLVED,
                  lambda: f"closed by a closing message: '{quoted(last.message.text)}'",
                  last.message.id)
        return
    last_answer = max((i for i, t in enumerate(conversation) if t.role != "contact"), default=-1)
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
    if stale(out, ctx, key, asking[-1], "question"):
        return
    due = add_business_days(first.sent_at, ctx.settings.needs_reply_days, ctx.cal)
    if ctx.now < due:
        out.recheck(due, ctx.now)
        return
    label = latest_label(conversation)
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


def _for_a_colleague(message: MessageView, settings: DetectionSettings) -> bool:
    kinds = {settings.address_kind(a) for a in message.to_addrs}
    return "own" not in kinds and "internal" in kinds


def stale(out: Outcome, ctx: _ThreadContext, key: str, latest: MessageView, what: str) -> bool:
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


def latest_label(conversation: list[_Turn]) -> str | None:
    """Where the thread stands: its latest inquiry, sale or complaint label."""
    for turn in reversed(conversation):
        if turn.message.label in (Label.INQUIRY, Label.SALE, Label.COMPLAINT):
            return turn.message.label
    return None
