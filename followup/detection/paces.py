"""Each contact's replies to the user, over all their threads of the account, for the pace
rule (`followup.domain.rules.pace`).

A full pass has every thread loaded already. An incremental pass looks at a few threads, but
a contact's pace comes from all their threads: so it also reads the threads where the
contacts those threads wait for ever wrote (one query by sender, then their messages), and
both passes learn the same pace. Contacts outside the threads looked at are left out.
"""

from __future__ import annotations

from typing import Callable, Mapping, Sequence

from sqlalchemy import select
from sqlmodel import Session

from followup.db.bulk import chunks
from followup.db.models import Message
from followup.domain.rules.pace import ReplyHistory, reply_delays
from followup.domain.rules.views import DetectionSettings, MessageView, ThreadView
from followup.domain.vocabulary import Direction

LoadMessages = Callable[[Sequence[int]], Mapping[int, list[MessageView]]]


def contact_paces(session: Session, account_id: int, messages: Mapping[int, list[MessageView]],
                  settings: DetectionSettings, full: bool, load: LoadMessages) -> dict[str, ReplyHistory]:
    """The replies of each contact the user wrote to in these threads (all contacts in a full pass)."""
    if not settings.contact_pace:
        return {}
    views = [ThreadView(tid, "", tuple(found)) for tid, found in messages.items()]
    if full:
        return reply_delays(views, settings)
    awaited = {a for found in messages.values() for m in found if m.direction == Direction.OUTBOUND
               for a in (*m.to_addrs, *m.cc_addrs) if settings.is_external(a)}
    others: set[int] = set()
    for chunk in chunks(sorted(awaited)):
        # By sender first: SQLite would otherwise walk every message of the account by an
        # account_id index (no statistics tell it the few senders are far more selective);
        # `account_id + 0` keeps the scope but is no index key, so the sender index is used.
        query = (select(Message.thread_id).distinct()
                 .where((Message.account_id + 0) == account_id, Message.from_addr.in_(chunk),
                        Message.direction == Direction.INBOUND, Message.thread_id.is_not(None)))
        others.update(session.execute(query).scalars())
    others -= set(messages)
    if others:
        views += [ThreadView(tid, "", tuple(found)) for tid, found in load(sorted(others)).items()]
    replies = reply_delays(views, settings)
    return {email: replies[email] for email in awaited if email in replies}
