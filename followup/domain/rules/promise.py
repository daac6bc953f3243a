"""Promises in a message's own text: "I'll send you the drawings on Friday" (the writer
promises), "we will send the PO by 12 May" (the same words from a customer). Pure: the
message's text and its own date and zone in, the promised day and the span out; and the
thread rule that turns the latest promise into a `promise` task.

The phrases are data, one row per language: a promise opener ("I'll", "ich werde"...) and the
words that lead to its day ("on", "by", "bis"...). The day itself is read by
`followup.domain.away.parse_day` (dateparser, the seven languages), the one home of reading dates.

Reading the day costs tens of microseconds a message, so one compiled alternation of every
language's cue words rejects most text first (no cue, no promise), and the result is
memoised per message (`message_promise`): detection reads the same mail pass after pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache
from typing import TYPE_CHECKING, Iterable

from followup.domain.away import parse_day
from followup.domain.rules.policy import PRIORITY_OWN_PROMISE, PRIORITY_THEIR_PROMISE, PROMISE_GRACE
from followup.domain.rules.views import Outcome, TaskProposal
from followup.domain.rules.wording import promised_text, quoted
from followup.domain.vocabulary import TaskKind, TaskStatus

if TYPE_CHECKING:  # thread.py imports this module: its types only for the checker
    from followup.domain.rules.thread import _ThreadContext, _Turn

PROMISE_PHRASES: dict[str, tuple[str, str]] = {
    # language: (the promise opener, the words before its day); its cue words in PROMISE_CUES
    "en": (r"\b(?:I|we)(?:'ll|’ll| will| shall)\b", r"\b(?:on|by|before|until|next)\b"),
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

PROMISE_CUES: dict[str, tuple[str, ...]] = {
    # language: lower-case pieces of which every match of its opener contains one
    "en": ("'ll", "’ll", "will", "shall"),  # not " will": a cue starting with a space is tried at every space
    "de": ("werde", "schicke", "sende"),
    "fr": ("enverr", "ferai", "ferons", "vais", "allons"),
    "es": ("enviar", "mandar", "vamos", "voy a"),
    "it": ("invier", "mander"),
    "nl": ("stuur", "sturen", "zal", "zullen"),
    "pt": ("enviar", "mandar", "vou", "vamos"),
}


def _prefilter(cues: Iterable[str]) -> re.Pattern:
    """One alternation of every language's cues, grouped by first letter: CPython's regex
    engine skips text far faster when the branches start with distinct literals (about 7 µs
    for a 600-character mail, against 75 µs for the openers themselves)."""
    by_first: dict[str, set[str]] = {}
    for cue in cues:
        by_first.setdefault(cue[0], set()).add(re.escape(cue[1:]))
    return re.compile("|".join(re.escape(first) + "(?:" + "|".join(sorted(rest, key=len, reverse=True)) + ")"
                               for first, rest in sorted(by_first.items())))


_ANY_CUE = _prefilter(cue for cues in PROMISE_CUES.values() for cue in cues)
"""Text (lower-cased) without any cue is no promise: most mail stops here."""

_OPENERS_AND_LEADS = tuple(
    ((language,), re.compile(opener, re.IGNORECASE),
     re.compile(r"(?=" + lead + r"\s+(?P<day>[^.!?\n,;]{3,30}))", re.IGNORECASE))
    for language, (opener, lead) in PROMISE_PHRASES.items()
)

_ANY_OPENER = re.compile("|".join(f"(?:{opener})" for opener, _ in PROMISE_PHRASES.values()), re.IGNORECASE)
"""Every language's opener in one alternation (where a found promise's opener ends)."""

DONE_PHRASES = re.compile(
    r"\b(?:attached|attaching|please find|here (?:are|is)|as promised|I(?:'ve| have) (?:sent|attached)"  # en
    r"|anbei|im anhang|wie versprochen|hier (?:sind|ist)"  # de
    r"|ci-joint|en pi[èe]ce jointe|comme promis|voici"  # fr
    r"|adjunto|como promet[ií]|aqu[ií] (?:tiene|est[aá]n?)"  # es
    r"|in allegato|allego|come promesso|ecco"  # it
    r"|bijgevoegd|in de bijlage|zoals beloofd|hierbij"  # nl
    r"|em anexo|segue|como prometido|aqui (?:est[aá]|est[aã]o))", re.IGNORECASE)
"""A later mail of the promiser that keeps the promise (besides one with an attachment)."""

PROMISE_REACH = 100
"""Characters after the opener in which its day is looked for (the same sentence)."""

MAX_PROMISE_DAYS = 366
"""A promised day further than this after the mail is taken as misread."""

_VERB_AND_PRONOUN = re.compile(
    r"^\s*(?:(?:send|get|have|share|give|deliver|email|forward|provide|return|confirm|prepare|finish|sign|"
    r"pay|make|place|issue|do|be able to|try to|be|get back to)\s+)?"
    r"(?:(?:you|you guys|us|them|him|her|it over|over|back)\s+)?", re.IGNORECASE)


@dataclass(frozen=True)
class Promise:
    day: date  # the promised day, in the message's own calendar
    start: int  # the span of the promise in the text, for the evidence marks
    end: int
    lead: int = -1  # where the words before its day start ("by" in "the PO by 12 May")

    def span(self, text: str) -> str:
        return text[self.start:self.end]

    def what(self, text: str) -> str:
        """What was promised, as the nudge names it ("the drawings"), or the promise quoted."""
        opener_end = _ANY_OPENER.match(text, self.start)
        if opener_end is not None and self.lead > opener_end.end():
            thing = _VERB_AND_PRONOUN.sub("", text[opener_end.end():self.lead]).strip()
            if thing and thing.lower().startswith(("the ", "a ", "an ", "our ", "my ", "your ")):
                return thing
        return f"'{quoted(self.span(text))}'"


def find_promise(text: str, sent_at: datetime) -> Promise | None:
    """The first dated promise in `text`, its day read against `sent_at` in the mail's own zone
    ("Friday" in a mail of Wed 2 Dec is Fri 4 Dec), or None."""
    text = text[:2000]
    if _ANY_CUE.search(text.lower()) is None:
        return None
    return _find_promise(text, sent_at.date())


_MEMO: dict[tuple[int, int, date], Promise | None] = {}
MEMO_SIZE = 250_000
"""Messages whose promise (or none) is remembered between detection passes, by id, text and day."""


def message_promise(message_id: int, text: str, sent_at: datetime) -> Promise | None:
    """`find_promise`, memoised per message: detection reads the same mail pass after pass.
    The key holds the text's hash rather than the text, so the memo keeps no mail alive."""
    key = (message_id, hash(text), sent_at.date())
    try:
        return _MEMO[key]
    except KeyError:
        pass
    if len(_MEMO) >= MEMO_SIZE:
        _MEMO.clear()
    found = _MEMO[key] = find_promise(text, sent_at)
    return found


@lru_cache(maxsize=65536)
def _find_promise(text: str, base: date) -> Promise | None:
    for languages, opener, lead in _OPENERS_AND_LEADS:  # the day in the opener's language
        for start in opener.finditer(text):
            sentence = re.split(r"[.!?\n]", text[start.end():start.end() + PROMISE_REACH], maxsplit=1)[0]
            offset = start.end()
            # Every lead word in turn (a lookahead, so they overlap): "le bon ... avant le 10 décembre".
            for match in lead.finditer(sentence):
                words = match.group("day").split()
                for end in range(min(len(words), 4), 0, -1):
                    day = parse_day(" ".join(words[:end]), base, languages)
                    if day is not None and 0 <= (day - base).days <= MAX_PROMISE_DAYS:
                        stop = offset + match.start("day") + len(" ".join(words[:end]))
                        return Promise(day=day, start=start.start(), end=stop, lead=offset + match.start())
    return None


def keeps_promise(text: str, has_attachments: bool) -> bool:
    """A later mail that delivers: it carries an attachment or says so ("attached", "as promised")."""
    return has_attachments or DONE_PHRASES.search(text[:2000]) is not None


# --------------------------------------------------------------------------- the rule


def detect_promise(out: Outcome, conversation: list[_Turn], ctx: _ThreadContext, key: str) -> None:
    """The thread's latest dated promise, both ways:

    - the user promised ("I'll send you the drawings on Friday"): a task due that day (upcoming
      until then), unless a later mail of the user or a colleague carries an attachment or
      says it is done ("attached", "here are", "as promised");
    - the contact promised ("we will send the PO by 12 May"): a nudge on the first business
      day after that day, unless the contact wrote again after the promise.

    Expires `PROMISE_GRACE` after it fell due. Days are read on the writer's own calendar (the
    Date header's zone; the user's when the mail gave none)."""
    found = None
    for index in range(len(conversation) - 1, -1, -1):
        turn = conversation[index]
        if turn.role not in ("own", "contact"):
            continue
        message = turn.message
        promise = message_promise(message.id, message.text, message.written_at(ctx.cal))
        if promise is not None:
            found = index, promise
            break
    if found is None:
        out.close(key, TaskStatus.RESOLVED, "no dated promise in the thread")
        return
    index, promise = found
    turn = conversation[index]
    message = turn.message
    later = conversation[index + 1:]
    promised_at = ctx.cal.at_local(promise.day, time(12))
    mine = turn.role == "own"
    if mine:
        contact = next(iter(ctx.recipients(message)), None)
        if contact is None:
            out.close(key, TaskStatus.RESOLVED, "your promise went to no external contact")
            return
        kept = next((t for t in later if t.role in ("own", "team")
                     and keeps_promise(t.message.text, t.message.has_attachments)), None)
        if kept is not None:
            out.close(key, TaskStatus.RESOLVED,
                      lambda: f"kept: you sent it on {ctx.day(kept.message.sent_at)}", kept.message.id)
            return
        due = ctx.cal.at_local(promise.day, time(0))
    else:
        contact = message.from_addr.lower()
        came = next((t for t in later if t.role == "contact"), None)
        if came is not None:
            out.close(key, TaskStatus.RESOLVED,
                      lambda: f"{ctx.who(contact)} wrote again on {ctx.day(came.message.sent_at)}",
                      came.message.id)
            return
        due = ctx.cal.at_local(ctx.cal.next_business_day(promise.day), time(0))
        if ctx.now < due:
            out.recheck(due, ctx.now)
            out.close(key, TaskStatus.RESOLVED, "their promised day has not passed yet", message.id)
            return
    expires = due + PROMISE_GRACE
    if ctx.now >= expires:
        out.close(key, TaskStatus.EXPIRED,
                  lambda: f"the promise of {ctx.day(promised_at)} is {PROMISE_GRACE.days} days past: too old to chase")
        return
    out.recheck(due, ctx.now)
    out.recheck(expires, ctx.now)
    what = promise.what(message.text)
    who = ctx.who(contact)
    told = promised_text("You" if mine else (ctx.name(contact) or who), what, ctx.day(promised_at), nothing_came=not mine)
    said = f"'{quoted(promise.span(message.text))}'"
    out.proposals.append(TaskProposal(
        key=key, kind=TaskKind.PROMISE, thread_id=ctx.thread.id, due_at=due, expires_at=expires,
        priority=PRIORITY_OWN_PROMISE if mine else PRIORITY_THEIR_PROMISE,
        reason=(f"you wrote {said} on {ctx.day(message.sent_at)}; nothing sent since" if mine else
                f"{contact} wrote {said} on {ctx.day(message.sent_at)}; nothing came from them since"),
        nudge=f"{told} — {who}, '{ctx.subject}'",
        contact_email=contact, contact_name=ctx.name(contact), nudge_count=1 if ctx.now >= due else 0,
        trigger_message_id=message.id,
    ))
