"""The evidence component: rule-based spans that say *why* a message got its label.

Registered as the spaCy factory ``followup_evidence_v1``. It writes a ``SpanGroup`` to
``doc.spans["evidence"]``; each span's label is one of :data:`KINDS`:

- ``question``: a sentence ending in a question mark;
- ``request``: a request addressed to the reader ("please send", "can you", "let me know",
  a sentence that opens with an imperative verb);
- ``price``: price words (price, quote, cost, fee, discount);
- ``quantity``: a number followed by a unit ("500 units", "3 pallets");
- ``order_number`` / ``invoice_number``: "order #48213", "PO 5521", "invoice INV-2024-0113";
- ``money``: "$1,240.00", "€350", "USD 12,500", "40 dollars";
- ``date``: "March 3", "3/14", "2025-05-02", "next Tuesday", "XX/XX/XXXX";
- ``complaint``: complaint cues ("refund", "damaged", "still waiting", "unacceptable");
- ``urgency``: urgency cues ("urgent", "asap", "by end of day").

Cue phrases go through a ``PhraseMatcher`` on lower-cased text (cheap at any list size).
The structured kinds (numbers, money, dates, quantities) are found from each number in the
text and the words around it, and questions and sentence-initial imperatives from the
sentence ends: a token ``Matcher`` with regular-expression patterns did the same at a
fifth of the speed, too slow for the 2,000 docs/s the pipeline must reach. The rules live
in code, so the component saves no state of its own.
"""

from __future__ import annotations

import json
import re
from operator import itemgetter
from pathlib import Path
from typing import Iterable

from spacy.language import Language
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc, Span

from nlp.tokenizer import doc_text

SPANS_KEY = "evidence"
EVIDENCE_KEY = "evidence"  # in doc.user_data: [(kind, start_char, end_char), ...]
KINDS = ("question", "request", "price", "quantity", "order_number", "invoice_number", "money",
         "date", "complaint", "urgency")

REQUEST_PHRASES = [
    "please", "pls", "plz", "kindly", "can you", "could you", "would you", "will you", "can u",
    "could u", "would u", "let me know", "lmk", "let us know", "i need you to", "we need you to",
    "need you to", "i would appreciate", "i'd appreciate", "would appreciate", "please advise",
    "get back to me", "get back to us", "call me", "send me", "send us", "i'd like to know",
    "i would like to know", "would it be possible", "is it possible", "any update", "any news",
    "looking forward to hearing", "need to know", "i was wondering", "we were wondering",
    "would you mind", "do you mind", "can we", "could we", "shall we", "let's", "lets",
    "are you able to", "be able to", "it would be great if", "would be ideal if", "reply",
    "respond", "revert", "rsvp", "call back", "your thoughts", "thoughts?", "your comments",
    "your approval", "your feedback", "feel free to", "want to join", "wanna",
]
PRICE_PHRASES = [
    "price", "prices", "pricing", "price list", "quote", "quotation", "quoted", "cost", "costs",
    "rate", "rates", "fee", "fees", "discount", "discounts", "estimate", "how much",
]
COMPLAINT_PHRASES = [
    "refund", "refunds", "refunded", "broken", "broke", "damaged", "defective", "defect", "faulty",
    "not working", "stopped working", "doesn't work", "does not work", "didn't work", "not work",
    "wrong item", "wrong order", "never arrived", "never received", "not received", "hasn't arrived",
    "still waiting", "still not", "still no", "still hasn't", "late", "delayed", "missing",
    "charged twice", "double charged", "overcharged", "disappointed", "disappointing", "unacceptable",
    "terrible", "horrible", "awful", "worst", "rude", "unhelpful", "complaint", "complain",
    "dispute", "disputed", "fraud", "fraudulent", "scam", "rip off", "ripoff", "waste of money",
    "not as described", "no response", "no answer", "nobody", "on hold", "frustrated", "frustrating",
    "ridiculous", "poor service", "bad service", "escalate", "escalation", "unhappy", "not happy",
    "cancelled", "canceled", "cancel my", "misled", "error", "mistake", "incorrect", "inaccurate",
    "not acceptable", "wtf", "fix this", "make it right", "compensation", "compensate",
    "never again", "take my business elsewhere", "worse", "cracked", "leaking", "dirty",
    "disconnected", "harassing", "harassment", "unauthorized", "collection agency",
]
URGENCY_PHRASES = [
    "urgent", "urgently", "asap", "as soon as possible", "immediately", "right away", "right now",
    "today", "tonight", "by end of day", "end of day", "eod", "by tomorrow", "time-sensitive",
    "time sensitive", "priority", "high priority", "critical", "deadline", "without delay",
    "at your earliest convenience", "as a matter of urgency", "emergency", "now!",
]
IMPERATIVE_VERBS = {
    "send", "call", "forward", "review", "check", "confirm", "let", "give", "make", "get", "go",
    "find", "sign", "reply", "respond", "contact", "schedule", "book", "add", "cancel", "remove",
    "fix", "update", "tell", "advise", "ship", "process", "reserve", "change", "refund", "ring",
    "drop", "email", "text", "dm", "help", "look", "take", "provide", "share", "arrange", "set",
    "pass", "bring", "fill", "return", "approve", "submit", "complete", "join", "come", "meet",
    "stop", "resend", "correct", "issue", "switch", "upgrade", "renew", "quote", "explain",
}
MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september",
          "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
          "sept", "oct", "nov", "dec"]
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "weds"]
DATE_PHRASES = (["tomorrow", "yesterday", "end of the month", "end of month", "end of the week",
                 "next week", "next month", "XX/XX/XXXX", "XX/XX/XX", "XXXX/XXXX"]
                + [f"{p} {d}" for p in ("next", "this", "last", "on", "by", "until", "before")
                   for d in WEEKDAYS])
CURRENCY_SIGNS = "$€£"
CURRENCY_CODES = {"usd", "eur", "gbp", "cad", "aud", "us$"}
CURRENCY_WORDS = {"dollars", "dollar", "euros", "euro", "pounds", "bucks", "usd", "eur", "gbp"}
ID_WORDS = {"order", "orders", "po", "p.o.", "booking", "reservation", "confirmation", "ref",
            "reference", "ticket", "case", "tracking", "claim", "contract", "account", "acct",
            "invoice", "invoices", "inv", "bill", "receipt", "statement"}
INVOICE_WORDS = {"invoice", "invoices", "inv", "bill", "receipt", "statement"}
ID_MARKS = {"#", "no", "no.", "number", "nr", "nr.", "num", "id", ":", "n°"}
ID_MARKS_OR_NOTHING = ID_MARKS | {""}  # a word of only colons is skipped too
MONTH_SET = set(MONTHS)
ORDINAL = ("st", "nd", "rd", "th")
NUMERIC_DATE = re.compile(r"^(?:\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.]\d{1,2}(?:[/.]\d{2,4})?)$")
UNIT_SET = {"unit", "units", "pieces", "pcs", "boxes", "pallets", "cases", "cartons", "kits", "sets",
            "pairs", "licenses", "licences", "seats", "users", "tickets", "rooms", "nights", "guests",
            "tons", "tonnes", "kg", "lbs", "meters", "metres", "feet", "items", "lines", "mw", "mwh",
            "mmbtu", "dekatherms", "barrels", "gallons", "liters", "litres", "bottles", "packs",
            "rolls", "sheets", "copies", "people", "persons", "sessions"}
CUES_DIR = Path(__file__).resolve().parent / "cues"
"""One table per language beside English (``de.json``, ``fr.json``, …): cue phrases by kind
(``request``, ``price``, ``complaint``, ``urgency``) and the words that name an order or an
invoice before its number (``order_words``, ``invoice_words``). Data, so a language is added
by adding a file; the English cues stay above in code."""


def _language_cues() -> dict[str, list[str]]:
    """Every language table's entries, merged by key (one lower-cased phrase per entry)."""
    merged: dict[str, list[str]] = {}
    for path in sorted(CUES_DIR.glob("*.json")):
        for key, phrases in json.loads(path.read_text(encoding="utf-8")).items():
            merged.setdefault(key, []).extend(phrase.lower() for phrase in phrases)
    return merged


# The tables are small constants read once with the module, like the lists above.
_CUES = _language_cues()
REQUEST_PHRASES = REQUEST_PHRASES + _CUES.get("request", [])
PRICE_PHRASES = PRICE_PHRASES + _CUES.get("price", [])
COMPLAINT_PHRASES = COMPLAINT_PHRASES + _CUES.get("complaint", [])
URGENCY_PHRASES = URGENCY_PHRASES + _CUES.get("urgency", [])
INVOICE_WORDS = INVOICE_WORDS | {w for w in _CUES.get("invoice_words", []) if " " not in w}
ID_WORDS = ID_WORDS | INVOICE_WORDS | {w for w in _CUES.get("order_words", []) if " " not in w}
NUMBER = re.compile(r"\d[\w,./-]*")
WORD = re.compile(r"[^\s,;()]+")


def _last_words(text: str, end: int, n: int) -> list[tuple[str, int]]:
    """Up to n (lower-cased word, start offset) pairs just before ``end``, nearest first."""
    out = []
    i = end
    while len(out) < n:
        while i > 0 and text[i - 1] in " \t":
            i -= 1
        j = i
        while j > 0 and not text[j - 1].isspace() and text[j - 1] not in ",;()":
            j -= 1
        if j == i:
            break
        out.append((text[j:i].lower(), j))
        i = j
    return out


def number_spans(text: str) -> list[tuple[str, int, int]]:
    """Money, order and invoice numbers, dates and quantities, found from each number.

    Scanning for digits and looking at the words around each is an order of magnitude
    faster than one big regular expression tried at every position.
    """
    out: list[tuple[str, int, int]] = []
    for m in NUMBER.finditer(text):
        s, e = m.start(), m.end()
        while e > s + 1 and text[e - 1] in ".,-/":
            e -= 1
        ls = s  # an identifier's letter prefix: SO-2291, INV-2024-0113, A12-77812, #48213
        while ls > 0 and (text[ls - 1].isalnum() or text[ls - 1] in "#-") and s - ls < 6:
            ls -= 1
        if ls > 0 and text[ls - 1].isalnum():
            ls = s  # inside a longer word
        token = text[ls:e]
        prev = text[ls - 1] if ls > 0 else ""
        if prev in CURRENCY_SIGNS or (prev == " " and ls > 1 and text[ls - 2] in CURRENCY_SIGNS):
            out.append(("money", ls - (1 if prev != " " else 2), e))
            continue
        before = _last_words(text, ls, 1)  # three words only when the first is an ID mark (below)
        if before and before[0][0] in CURRENCY_CODES:
            out.append(("money", before[0][1], e))
            continue
        nxt = WORD.match(text, e + 1) if e < len(text) and text[e] == " " else None
        after = nxt.group().lower().rstrip(".!?:") if nxt else ""
        if after in CURRENCY_WORDS:
            out.append(("money", ls, nxt.start() + len(after)))
            continue
        if before and before[0][0].strip(":") in ID_MARKS_OR_NOTHING:
            before = _last_words(text, ls, 3)  # "order no. 5521": the word before the mark
        k = 0
        while k < len(before) and before[k][0].strip(":") in ID_MARKS_OR_NOTHING:
            k += 1
        if k < len(before):
            word = before[k][0].rstrip(":#")
            if word in ID_WORDS:
                kind = "invoice_number" if word in INVOICE_WORDS else "order_number"
                out.append((kind, before[k][1], e))
                continue
        if token.startswith("#") and e - s >= 3:
            out.append(("order_number", ls, e))
            continue
        if token[:3].upper() == "INV" and ls < s:
            out.append(("invoice_number", ls, e))
            continue
        if NUMERIC_DATE.match(token):
            out.append(("date", ls, e))
            continue
        if before and before[0][0].rstrip(".") in MONTH_SET and e - s <= 4:
            out.append(("date", before[0][1], e))
            continue
        if after in MONTH_SET or (after == "of" and token.endswith(ORDINAL)):
            if after == "of":
                nxt2 = WORD.match(text, nxt.end() + 1)
                if not nxt2 or nxt2.group().lower().rstrip(".,") not in MONTH_SET:
                    nxt2 = None
                if nxt2:
                    out.append(("date", ls, nxt2.end()))
                    continue
            else:
                out.append(("date", ls, nxt.start() + len(after)))
                continue
        if after in UNIT_SET:
            out.append(("quantity", ls, nxt.start() + len(after)))
            continue
        if nxt and after.isalpha():
            nxt2 = WORD.match(text, nxt.end() + 1) if nxt.end() < len(text) and text[nxt.end()] == " " else None
            if nxt2 and nxt2.group().lower().rstrip(".,!?") in UNIT_SET:
                out.append(("quantity", ls, nxt2.start() + len(nxt2.group().rstrip(".,!?"))))
                continue
        if ls < s and e - s >= 3:  # SO-2291, ORD000123: an identifier standing alone
            out.append(("order_number", ls, e))
    return out


SKIP_AT_START = {"hi", "hello", "hey", "dear", "ok", "okay", "also", "and", "so", "but", "then",
                 "just", "oh", "yes", "thanks", "thank", "-", "well"}
NOT_IMPERATIVE_NEXT = {"is", "was", "are", "were", "quality", "center", "centre", "went", "has", "had",
                       "of", "for", "and", "to", "from"}


_span_order = itemgetter(1, 2)  # (start, end)


class EvidenceRules:
    """The component: ``(kind, start_char, end_char)`` triples in ``doc.user_data["evidence"]``.

    Character triples are what the classifier keeps, and they cost nothing to make; turning
    them into ``Span`` objects costs about an eighth of the pipeline's time, so ``doc.spans``
    is written only when ``write_spans`` is set (``nlp.add_pipe(..., config={"write_spans":
    True})``). :func:`evidence_spans` makes the spans for any processed doc on demand.
    """

    def __init__(self, nlp: Language, name: str = "evidence", write_spans: bool = False):
        self.name = name
        self.write_spans = write_spans
        self.phrases = PhraseMatcher(nlp.vocab, attr="LOWER")
        self.kinds: dict[int, str] = {}
        for kind, phrases in (("request", REQUEST_PHRASES), ("price", PRICE_PHRASES),
                              ("complaint", COMPLAINT_PHRASES), ("urgency", URGENCY_PHRASES),
                              ("date", DATE_PHRASES)):
            self.phrases.add(kind, [nlp.make_doc(p) for p in phrases])
            self.kinds[nlp.vocab.strings[kind]] = kind

    def __call__(self, doc: Doc) -> Doc:
        found: list[tuple[str, int, int]] = []
        kinds = self.kinds
        for match_id, start, end in self.phrases(doc):
            first = doc[start]  # a Token is made on each access: one when the phrase is one word
            last = first if end - start == 1 else doc[end - 1]
            found.append((kinds[match_id], first.idx, last.idx + len(last)))
        found.extend(text_spans(doc_text(doc)))
        found.sort(key=_span_order)
        doc.user_data[EVIDENCE_KEY] = found
        if self.write_spans:
            doc.spans[SPANS_KEY] = evidence_spans(doc)
        return doc

    # the rules are code: nothing to save
    def to_disk(self, path, *, exclude: Iterable[str] = ()):  # noqa: D102
        return None

    def from_disk(self, path, *, exclude: Iterable[str] = ()):  # noqa: D102
        return self

    def to_bytes(self, *, exclude: Iterable[str] = ()) -> bytes:  # noqa: D102
        return b""

    def from_bytes(self, data: bytes, *, exclude: Iterable[str] = ()):  # noqa: D102
        return self


ENDERS = ".!?\n"
SENTENCE_END = re.compile(r"[.!?\n][?!.]*")  # the first ender and the marks right after it: "?!", "..."


def _sentence_bounds(text: str, pos: int) -> tuple[int, int]:
    """Start and end of the sentence around ``pos`` (an index in it)."""
    # Spelled out, not a loop over ENDERS: this runs for every question and request.
    start = max(text.rfind(".", 0, pos), text.rfind("!", 0, pos), text.rfind("?", 0, pos),
                text.rfind("\n", 0, pos)) + 1
    ender = SENTENCE_END.search(text, pos)
    end = ender.end() if ender else len(text)
    while start < end and text[start] in " \t\r\n\"'-*>•":
        start += 1
    while end > start and text[end - 1] in " \t\r\n":
        end -= 1
    return start, end


START_WORDS = IMPERATIVE_VERBS | SKIP_AT_START
SENTENCE_HEAD = re.compile(r"[.!?\n]+[ \t\"'*>•-]*([@\w]+)")  # the first word after each sentence end
FIRST_HEAD = re.compile(r"[ \t\n\"'*>•-]*([@\w]+)")
IMPERATIVE_START = re.compile(
    r"[ \t\"'*>•-]*"
    r"(?:(?:" + "|".join(sorted(SKIP_AT_START - {"-"})) + r"|@\w+)[,:!-]?[ \t]+)*"
    r"(" + "|".join(sorted(IMPERATIVE_VERBS)) + r")[ \t]+(?!(?:" + "|".join(sorted(NOT_IMPERATIVE_NEXT))
    + r")\b)[a-z]",
    re.IGNORECASE,
)


def text_spans(text: str) -> list[tuple[str, int, int]]:
    """(kind, start, end) character spans of the structured kinds, questions and imperatives.

    Questions are found from each question mark back to the sentence start; imperatives by
    one expression anchored at sentence starts. Both avoid looping over every sentence in
    Python.
    """
    out = number_spans(text)
    pos = text.find("?")
    while pos != -1:
        start, end = _sentence_bounds(text, pos)
        if end > start + 1:
            out.append(("question", start, end))
        pos = text.find("?", end if end > pos else pos + 1)
    heads = [FIRST_HEAD.match(text)] + list(SENTENCE_HEAD.finditer(text))
    seen = set()
    for head in heads:
        if head is None:
            continue
        word = head.group(1)
        if word[0] != "@" and word.lower() not in START_WORDS:
            continue
        m = IMPERATIVE_START.match(text, head.start(1))
        if m is None:
            continue
        verb = m.start(1)
        start, end = _sentence_bounds(text, verb)
        if not text[start:end].endswith("?") and start not in seen:
            seen.add(start)
            out.append(("request", start, end))
    return out


def evidence_spans(doc: Doc) -> list[Span]:
    """The evidence of a processed doc as spaCy spans labelled with their kind."""
    spans = []
    for kind, start, end in doc.user_data.get(EVIDENCE_KEY, []):
        span = doc.char_span(start, end, label=kind, alignment_mode="expand")
        if span is not None:
            spans.append(span)
    return spans


@Language.factory("followup_evidence_v1", assigns=["doc.spans"], default_config={"write_spans": False})
def make_evidence(nlp: Language, name: str, write_spans: bool) -> EvidenceRules:
    """spaCy factory for :class:`EvidenceRules`."""
    return EvidenceRules(nlp, name, write_spans)
