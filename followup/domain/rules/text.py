"""What a message's own text says: it asks for something, it closes the loop, a bounce's cause."""

from __future__ import annotations

import re

from followup.domain.rules.policy import TEXT_LIMIT
from followup.domain.rules.views import MessageView
from followup.domain.vocabulary import Label

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
BOUNCE_CODE = re.compile(r"\b([45]\d\d)(?:[ -][245]\.\d{1,3}\.\d{1,3})?\b")
BOUNCE_CAUSES = (
    "user unknown", "unknown user", "no such user", "user not found", "mailbox unavailable",
    "mailbox not found", "mailbox full", "mailbox is full", "quota exceeded", "does not exist",
    "account disabled", "host not found", "domain not found", "address rejected", "recipient rejected",
)
"""What a delivery failure says went wrong, the most telling first ("user unknown" beats the
"address rejected" that often precedes it)."""
ADDRESS = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


def asks_for_something(message: MessageView) -> bool:
    """The classifier's needs_reply when present; else a question or a request in the text."""
    if message.needs_reply is not None:
        return message.needs_reply
    return bool(_ASKS.search(message.text[:TEXT_LIMIT]))


def is_closing(message: MessageView) -> bool:
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
