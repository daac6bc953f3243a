"""The numbers the rules decide by: windows after a sale, staleness, priorities and complaint cues."""

from __future__ import annotations

import re
from datetime import timedelta

from followup.domain.vocabulary import Label

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
PRIORITY_OWN_PROMISE = 55  # the user gave their word
PRIORITY_THEIR_PROMISE = 45
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

PROMISE_GRACE = timedelta(days=14)
"""A promise task expires this long after it fell due: a promise that old is no longer chased."""
