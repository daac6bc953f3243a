"""Promises in a message's own text: "I'll send you the drawings on Friday" (the writer
promises), "we will send the PO by 12 May" (the same words from a customer). Pure: the
message's text and its own date and zone in, the promised day and the span out.

The phrases are data, one row per language: a promise opener ("I'll", "ich werde"...) and the
words that lead to its day ("on", "by", "bis"...). The day itself is read by
`followup.domain.away.parse_day` (dateparser, the seven languages), the one home of reading dates.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from followup.domain.away import parse_day

PROMISE_PHRASES: dict[str, tuple[str, str]] = {
    # language: (the promise opener, the words before its day)
    "en": (r"\b(?:I|we)(?:'ll| will| shall)\b", r"\b(?:on|by|before|until|next)\b"),
    "de": (r"\b(?:ich|wir)\s+(?:werde|werden|schicke|schicken|sende|senden)\b", r"\b(?:am|bis|bis zum|bis spätestens)\b"),
    "fr": (r"\b(?:je|nous)\s+(?:vous\s+)?(?:enverr(?:ai|ons)|ferai|ferons|vais|allons)\b",
           r"\b(?:le|d'ici|avant|au plus tard)\b"),
    "es": (r"\b(?:le|les|te)?\s*(?:enviaré|enviaremos|mandaré|mandaremos|vamos a|voy a)\b",
           r"\b(?:el|antes del|para el|hasta el)\b"),
    "it": (r"\b(?:(?:le|vi|ti)\s+)?(?:invierò|invieremo|manderò|manderemo)\b", r"\b(?:entro|il|prima di)\b"),
    "nl": (r"\b(?:ik|we|wij)\s+(?:stuur|sturen|zal|zullen)\b", r"\b(?:op|voor|vóór|uiterlijk)\b"),
    "pt": (r"\b(?:(?:lhe|te)\s+)?(?:enviarei|enviaremos|mandarei|mandaremos|vou|vamos)\b",
           r"\b(?:na|no|até|antes de)\b"),
}

_OPENERS_AND_LEADS = tuple(
    (re.compile(opener, re.IGNORECASE), re.compile(r"(?=" + lead + r"\s+(?P<day>[^.!?\n,;]{3,30}))", re.IGNORECASE))
    for opener, lead in PROMISE_PHRASES.values()
)

PROMISE_REACH = 100
"""Characters after the opener in which its day is looked for (the same sentence)."""

MAX_PROMISE_DAYS = 366
"""A promised day further than this after the mail is taken as misread."""


@dataclass(frozen=True)
class Promise:
    day: date  # the promised day, in the message's own calendar
    start: int  # the span of the promise in the text, for the evidence marks
    end: int

    def span(self, text: str) -> str:
        return text[self.start:self.end]


def find_promise(text: str, sent_at: datetime) -> Promise | None:
    """The first dated promise in `text`, its day read against `sent_at` in the mail's own zone
    ("Friday" in a mail of Wed 2 Dec is Fri 4 Dec), or None."""
    base = sent_at.date()
    text = text[:2000]
    for opener, lead in _OPENERS_AND_LEADS:
        for start in opener.finditer(text):
            sentence = re.split(r"[.!?\n]", text[start.end():start.end() + PROMISE_REACH], maxsplit=1)[0]
            offset = start.end()
            # Every lead word in turn (a lookahead, so they overlap): "le bon ... avant le 10 décembre".
            for match in lead.finditer(sentence):
                words = match.group("day").split()
                for end in range(min(len(words), 4), 0, -1):
                    day = parse_day(" ".join(words[:end]), base)
                    if day is not None and 0 <= (day - base).days <= MAX_PROMISE_DAYS:
                        stop = offset + match.start("day") + len(" ".join(words[:end]))
                        return Promise(day=day, start=start.start(), end=stop)
    return None
