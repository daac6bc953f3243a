"""A bounce (see `followup.domain.rules`): a delivery failure after the user's latest mail
replaces the wait with "find another way to reach them".

Roles are compared by their values ("own", "contact", "team": `thread.Role` is a StrEnum), as
in `rules.promise`: thread.py imports this module, so this one takes its types only for the checker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from followup.domain.rules.policy import PRIORITY_BOUNCED, TEXT_LIMIT
from followup.domain.rules.text import ADDRESS, BOUNCE_CAUSES, BOUNCE_CODE
from followup.domain.rules.views import Outcome, TaskProposal
from followup.domain.vocabulary import TaskKind, TaskStatus

if TYPE_CHECKING:  # thread.py imports this module: its types only for the checker
    from followup.domain.rules.thread import _ThreadContext, _Turn


def detect_bounced(out: Outcome, turns: list[_Turn], conversation: list[_Turn], ctx: _ThreadContext,
             key: str) -> bool:
    """A delivery failure after the user's latest mail, with nothing from anyone since:
    the mail never arrived, so the follow-up is to find another way to reach them."""
    last = conversation[-1]
    failure = next((t.message for t in reversed(turns) if t.message.is_bounce), None)
    if failure is None:
        return False
    if last.role != "own" or failure.sent_at < last.message.sent_at:
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
