"""A message's own new text, apart from the quoted replies, forwarded blocks and signature.

`split_own_text(text)` returns `(own, quoted)`. It is rule based and line oriented:

* a *hard* quote header cuts everything below it: the Outlook "-----Original Message-----"
  separator and its "From: … Sent: …" header block (in several languages), forwarded-message
  markers, and an attribution line ("On … wrote:", "Am … schrieb …:", "Le … a écrit :" …)
  that is not followed by `>` lines;
* `>` lines are quoted wherever they are, so interleaved and bottom-posted replies keep
  their own lines, and an attribution line directly above `>` lines is quoted with them;
* the signature goes: the "-- " delimiter, mobile-client footers ("Sent from my iPhone"),
  and a short valediction block at the end ("Best regards,\\nAnna\\nACME Sales").

Why not `mail-parser-reply` (installed, and evaluated): on the team's fixtures it finds the
own text exactly in 33 of 45 cases against 45 for these rules (it misses Spanish, Dutch and
Polish attributions, bottom posting, forwards, "-- " and mobile signatures), and it costs
about 2 ms a message, four times the whole per-message budget of the import. `bench/corpora.py`
repeats the comparison on the public corpora.
"""

from __future__ import annotations

import re
from functools import lru_cache

MAX_LINES = 5000
"""Texts longer than this are only examined in their first lines."""

ATTRIBUTION_VERBS = (
    "wrote", "writes", "has written", "a écrit", "schrieb", "hat geschrieben", "escribió",
    "ha escrito", "ha scritto", "scrisse", "schreef", "heeft geschreven", "escreveu", "skrev",
    "skriver", "napisał", "napisała", "pisze", "napsal", "kirjoitti", "írta", "написал",
    "написала", "пишет", "yazdı", "写道", "寫道", "書きました", "のメッセージ",
)
"""The last word of an attribution line ("On …, Anna <a@b> wrote:"), in many languages."""
_VERBS_LONGEST_FIRST = tuple(sorted(ATTRIBUTION_VERBS, key=len, reverse=True))
_INTRO_RE = re.compile(r"^(?:on|le|am|el|il|op|em|den|på|w dniu|dne|el día)\b", re.IGNORECASE)
_EMAIL_COLON_END_RE = re.compile(r"<[^<>@\s]+@[^<>\s]+>\s*[:：]\s*$")
_DATE_EMAIL_RE = re.compile(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2}.{0,120}<[^>]+@[^>]+>.{0,20}[:：]\s*$")


@lru_cache(maxsize=4096)  # a line is asked about up to four times while one text is split
def is_attribution_text(text: str) -> bool:
    """Whether `text` (one line, or a wrapped one joined) introduces a quoted message.

    "On … wrote:" and its translations (an intro word, or a final colon, and the verb at the
    end), "… <a@b>:" and "2026-03-02 … <a@b>:". Written as string tests rather than one
    regex: the regex's backtracking cost tens of microseconds a line.
    """
    text = text.strip()
    if not text or len(text) > 400:
        return False
    lower = text.lower()
    colon = lower.endswith((":", "："))
    core = lower.rstrip(":： \t")
    if core.endswith(("(a)", "(а)")):
        core = core[:-3]
    for verb in _VERBS_LONGEST_FIRST:
        if core.endswith(verb):
            before = core[: -len(verb)]
            boundary = not before or not before[-1].isalnum() or not verb.isascii()
            if boundary and len(before) <= 300 and (colon or _INTRO_RE.match(lower)):
                return True
    if colon and "@" in text:
        return bool(_EMAIL_COLON_END_RE.search(text) or _DATE_EMAIL_RE.match(text))
    return False


ORIGINAL_MESSAGE_RE = re.compile(
    r"^\s*[-_=*]{2,}\s*(?:original message|ursprüngliche nachricht|originale nachricht|"
    r"message d'origine|message original|mensaje original|messaggio originale|"
    r"oorspronkelijk bericht|originalmeddelande|oprindelig meddelelse|opprinnelig melding|"
    r"alkuperäinen viesti|wiadomość oryginalna|mensagem original|исходное сообщение|"
    r"reply message|original email)\s*[-_=*]{2,}\s*$",
    re.IGNORECASE,
)
FORWARD_RE = re.compile(
    r"^\s*(?:[-_=*]{2,}\s*(?:forwarded message|weitergeleitete nachricht|message transféré|"
    r"mensaje reenviado|messaggio inoltrato|doorgestuurd bericht|vidarebefordrat meddelande|"
    r"videresendt meddelelse|videresendt melding|välitetty viesti|wiadomość przekazana|"
    r"mensagem encaminhada|пересылаемое сообщение|forwarded e-?mail)\s*[-_=*]{0,}\s*$"
    r"|begin forwarded message\s*:?\s*$|anfang der weitergeleiteten nachricht\s*:?\s*$"
    r"|début du message réexpédié\s*:?\s*$)",
    re.IGNORECASE,
)
_HEADER_NAMES = {
    "from": ("from", "von", "de", "da", "van", "från", "fra", "lähettäjä", "od", "от", "差出人",
             "发件人", "寄件者"),
    "sent": ("sent", "date", "gesendet", "datum", "envoyé", "date d'envoi", "enviado", "fecha",
             "inviato", "data", "verzonden", "skickat", "sendt", "lähetetty", "wysłano",
             "отправлено", "дата", "送信日時", "发送时间", "日期"),
    "to": ("to", "an", "à", "para", "a", "aan", "till", "til", "vastaanottaja", "do", "кому",
           "宛先", "收件人"),
    "subject": ("subject", "betreff", "objet", "asunto", "oggetto", "onderwerp", "ämne", "emne",
                "aihe", "temat", "assunto", "тема", "件名", "主题"),
}
_HEADER_LINE_RE = re.compile(
    r"^\s*\*?\s*(" + "|".join(
        re.escape(n) for names in _HEADER_NAMES.values() for n in sorted(names, key=len, reverse=True)
    ) + r")\s*\*?\s*[:：]\s*\*?(.*)$",
    re.IGNORECASE,
)
_FIELD_OF = {n: field for field, names in _HEADER_NAMES.items() for n in names}

SIGNATURE_DELIMITER_RE = re.compile(r"^(?:-- ?|--|__+|—)\s*$")
_DELIMITER_STARTS = ("-", "_", "—")
MOBILE_FOOTER_RE = re.compile(
    r"^\s*(?:sent from (?:my )?(?:iphone|ipad|android|mobile|samsung|galaxy|blackberry|phone|"
    r"huawei|xiaomi|pixel|outlook|mail for windows|yahoo mail)|"
    r"sent from outlook for|get outlook for (?:ios|android)|sent with proton ?mail|"
    r"von meinem (?:iphone|ipad|android|smartphone|handy|samsung).{0,30}gesendet|"
    r"envoyé (?:de|depuis) mon (?:iphone|ipad|smartphone|android|mobile)|"
    r"enviado desde mi (?:iphone|ipad|android|smartphone|móvil)|"
    r"inviato da(?:l mio)? (?:iphone|ipad|android|smartphone)|"
    r"verzonden (?:vanaf|met) mijn (?:iphone|ipad|android|smartphone)|"
    r"skickat från min (?:iphone|ipad|android)|sendt fra min (?:iphone|ipad|android)|"
    r"lähetetty (?:iphonesta|android)|wysłane z (?:mojego )?(?:iphone|telefonu)|"
    r"отправлено с (?:iphone|моего)|iPhoneから送信)",
    re.IGNORECASE,
)
VALEDICTION_RE = re.compile(
    r"^\s*(?:(?:best|kind|warm|many|warmest|kindest)?\s*(?:regards|wishes)|best|cheers|thanks|"
    r"thank you|many thanks|thanks again|sincerely|yours(?: sincerely| truly| faithfully)?|"
    r"all the best|talk soon|br|rgds|"
    r"mit freundlichen grüßen|mit freundlichen grüssen|viele grüße|beste grüße|liebe grüße|"
    r"freundliche grüße|gruß|grüße|mfg|lg|vg|"
    r"cordialement|bien cordialement|bien à vous|salutations|"
    r"saludos(?: cordiales)?|un saludo|atentamente|cordiali saluti|saluti|distinti saluti|"
    r"met vriendelijke groet(?:en)?|groeten|vriendelijke groeten|"
    r"med vänliga hälsningar|vänliga hälsningar|hälsningar|med venlig hilsen|venlig hilsen|"
    r"med vennlig hilsen|hilsen|ystävällisin terveisin|terveisin|"
    r"pozdrawiam|z poważaniem|atenciosamente|abraços|с уважением|よろしくお願いします)"
    r"\s*[,.!]?\s*$",
    re.IGNORECASE,
)
_FORWARD_WORDS = ("begin forwarded", "anfang der weitergeleiteten", "début du message")
_MOBILE_STARTS = frozenset(
    ["sen", "get", "von", "env", "inv", "ver", "ski", "läh", "wys", "отп", "iph"]
)
"""The first three letters of every MOBILE_FOOTER_RE branch: a cheap test before the regex."""

MAX_SIGNATURE_LINES = 10
"""A valediction this far from the end still starts a signature; further up it is prose."""


def split_own_text(text: str) -> tuple[str, str]:
    """(own new text, quoted text and signature) of a message body."""
    if not text:
        return "", ""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    if len(lines) > MAX_LINES:
        head, tail = lines[:MAX_LINES], lines[MAX_LINES:]
    else:
        head, tail = lines, []
    own_lines, quoted_lines = _split_quotes(head)
    quoted_lines.extend(tail)
    own_lines, signature = _split_signature(own_lines)
    own = _tidy(own_lines)
    quoted = _tidy(signature + ([""] if signature and quoted_lines else []) + quoted_lines)
    return own, quoted


def _split_quotes(lines: list[str]) -> tuple[list[str], list[str]]:
    colon_ends = [(":" in line or "：" in line) and line.rstrip()[-1:] in (":", "：") for line in lines]
    # An attribution ends in a colon, on its own line or on the next (when wrapped).
    maybe = [c or (i + 1 < len(lines) and colon_ends[i + 1]) for i, c in enumerate(colon_ends)]
    cut = _hard_cut(lines, maybe)
    body = lines if cut is None else lines[:cut]
    quoted = [] if cut is None else lines[cut:]
    own: list[str] = []
    soft_quoted: list[str] = []
    i = 0
    n = len(body)
    while i < n:
        line = body[i]
        if _is_quote_line(line):
            soft_quoted.append(line)
            i += 1
            continue
        if maybe[i] and _is_attribution(body, i):
            end = _attribution_end(body, i)
            nxt = _next_nonblank(body, end)
            if nxt is not None and _is_quote_line(body[nxt]):
                soft_quoted.extend(body[i:end])
                i = end
                continue
        own.append(line)
        i += 1
    return own, soft_quoted + quoted


def _hard_cut(lines: list[str], maybe: list[bool]) -> int | None:
    for i, line in enumerate(lines):
        stripped = line.strip()
        if not stripped or _is_quote_line(line):
            continue
        if stripped[0] in "-_=*" and (ORIGINAL_MESSAGE_RE.match(stripped) or FORWARD_RE.match(stripped)):
            return i
        if stripped[0] in "BbAaDd" and stripped.lower().startswith(_FORWARD_WORDS) and FORWARD_RE.match(stripped):
            return i
        if (":" in stripped[:42] or "：" in stripped[:42]) and _header_block_at(lines, i):
            return i
        if maybe[i] and _is_attribution(lines, i):
            end = _attribution_end(lines, i)
            nxt = _next_nonblank(lines, end)
            if nxt is None or not _is_quote_line(lines[nxt]):
                return i
    return None


def _header_block_at(lines: list[str], i: int) -> bool:
    """An Outlook-style "From: … Sent: … To: … Subject: …" block starts at line i."""
    colon = lines[i].find(":")
    if colon < 0 and "：" not in lines[i] or colon > 40:
        return False
    match = _HEADER_LINE_RE.match(lines[i])
    if not match or _FIELD_OF.get(match.group(1).lower()) != "from":
        return False
    fields = {"from"}
    j = i + 1
    wrapped = 0  # Outlook wraps a long From/To value onto the next line
    while j < len(lines) and j <= i + 10:
        candidate = lines[j].strip()
        if not candidate:
            j += 1
            continue
        match = _HEADER_LINE_RE.match(candidate)
        if not match:
            wrapped += 1
            if wrapped > 2:
                break
            j += 1
            continue
        fields.add(_FIELD_OF.get(match.group(1).lower(), ""))
        j += 1
    return "sent" in fields and ("subject" in fields or "to" in fields) or {
        "to", "subject"} <= fields


def _is_quote_line(line: str) -> bool:
    first = line[:1]
    if first == ">":
        return True
    return first in (" ", "\t") and line.lstrip()[:1] == ">"


def _is_attribution(lines: list[str], i: int) -> bool:
    line = lines[i].strip()
    if not line or len(line) > 400:
        return False
    if line[-1] in ":：" and is_attribution_text(line):
        return True
    # Gmail and Apple wrap long attribution lines: "On Tue, ... Name <a@b>\nwrote:"
    following = lines[i + 1].strip() if i + 1 < len(lines) else ""
    if following[-1:] in (":", "：") and _INTRO_RE.match(line):
        return is_attribution_text(f"{line} {following}")
    return False


def _attribution_end(lines: list[str], i: int) -> int:
    line = lines[i].strip()
    if line[-1:] in (":", "：") and is_attribution_text(line):
        return i + 1
    return i + 2


def _next_nonblank(lines: list[str], start: int) -> int | None:
    for j in range(start, len(lines)):
        if lines[j].strip():
            return j
    return None


def _split_signature(lines: list[str]) -> tuple[list[str], list[str]]:
    for i, line in enumerate(lines):
        if line[:1] in _DELIMITER_STARTS and SIGNATURE_DELIMITER_RE.match(line) \
                and line.strip() in ("--", "-- ", "—") or line == "-- ":
            return lines[:i], lines[i:]
        if line.lstrip()[:3].lower() in _MOBILE_STARTS and MOBILE_FOOTER_RE.match(line):
            return lines[:i], lines[i:]
    content = [i for i, line in enumerate(lines) if line.strip()]
    if len(content) < 2:
        return lines, []
    tail = content[-MAX_SIGNATURE_LINES:]
    for i in tail:
        if i == content[0]:
            continue
        if VALEDICTION_RE.match(lines[i]):
            return lines[:i], lines[i:]
    return lines, []


_BLANK_RUN_RE = re.compile(r"\n{3,}")


def _tidy(lines: list[str]) -> str:
    """The lines joined, trailing blanks off each, runs of blank lines cut to one."""
    text = "\n".join([line.rstrip() for line in lines])
    if "\n\n\n" in text:
        text = _BLANK_RUN_RE.sub("\n\n", text)
    return text.strip()
