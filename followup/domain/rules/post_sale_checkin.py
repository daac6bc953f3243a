"""The post-sale check-in (see `followup.domain.rules`): the latest sale opens a task due
`CHECKIN_AFTER` later, open until `CHECKIN_WINDOW` after the sale.

Roles are compared by their values ("own", "contact", "team": `thread.Role` is a StrEnum), as
in `rules.promise`: thread.py imports this module, so this one takes its types only for the checker.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from followup.domain.rules.policy import CHECKIN_AFTER, CHECKIN_WINDOW, PRIORITY_CHECKIN
from followup.domain.rules.text import asks_for_something
from followup.domain.rules.views import Outcome, TaskProposal
from followup.domain.vocabulary import TaskKind, TaskStatus

if TYPE_CHECKING:  # thread.py imports this module: its types only for the checker
    from followup.domain.rules.thread import _ThreadContext, _Turn


def detect_post_sale_checkin(out: Outcome, conversation: list[_Turn], ctx: _ThreadContext, key: str) -> bool:
    sales = [i for i, t in enumerate(conversation) if t.message.id in ctx.sale_ids]
    if not sales:
        out.close(key, TaskStatus.RESOLVED, "no order from the customer in the thread")
        return False
    index = sales[-1]
    sale = conversation[index]
    if sale.role == "contact" and index == len(conversation) - 1 and asks_for_something(sale.message):
        # "We accept the quote, please send the order confirmation": the customer waits for
        # the user, which is a needs_reply, not a check-in.
        out.close(key, TaskStatus.RESOLVED, "their order asks for an answer first", sale.message.id)
        return False
    contact = _counterpart(sale, ctx)
    due = ctx.cal.next_business_moment(sale.message.sent_at + CHECKIN_AFTER)
    expires = sale.message.sent_at + CHECKIN_WINDOW
    later = conversation[index + 1:]
    customer_wrote = next((t for t in later if t.role == "contact"), None)
    if customer_wrote:
        who = ctx.who(customer_wrote.message.from_addr.lower())
        out.close(key, TaskStatus.RESOLVED,
                  lambda: f"{who} wrote after the sale on {ctx.day(customer_wrote.message.sent_at)}",
                  customer_wrote.message.id)
        return False
    checked_in = next((t for t in later if t.role in ("own", "team") and t.message.sent_at >= due), None)
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
                 if sale.role == "contact" else
                 f"you confirmed their order on {ctx.day(sale.message.sent_at)} and no word from the customer since")
                + f"; check in between {ctx.day(due)} and {ctx.day(expires)}"),
        nudge=nudge, contact_email=contact, contact_name=ctx.name(contact),
        nudge_count=1 if ctx.now >= due else 0, trigger_message_id=sale.message.id,
    ))
    return True


def _counterpart(turn: _Turn, ctx: _ThreadContext) -> str | None:
    if turn.role == "contact":
        return turn.message.from_addr.lower()
    recipients = ctx.recipients(turn.message)
    return recipients[0] if recipients else None
