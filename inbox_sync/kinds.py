"""What kind of mail a message is, besides a person writing: auto-replies and out-of-office
notices, bulk mail and newsletters, bounces, calendar invitations, no-reply senders.

Detection never waits on these: they are flags on the message, decided from headers first
(Auto-Submitted, X-Autoreply, Precedence, List-Id, multipart/report ...) and from the subject,
sender or the opening words of a short body only where senders leave no header.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from followup.domain.addresses import is_noreply_address
from inbox_sync.headers import HeaderReader

AUTO_REPLY_SUBJECT_RE = re.compile(
    r"^\s*(?:"
    r"auto(?:matic)?[ -]?(?:reply|response|answer)"
    r"|out of (?:the )?office|ooo\b|away from (?:the|my) office|on vacation|on leave"
    r"|abwesenheits?(?:notiz|nachricht|meldung)?|automatische antwort|nicht im b[üu]ro"
    r"|r[ée]ponse automatique|absence du bureau|message d'absence|absent(?:e)? du bureau"
    r"|respuesta autom[áa]tica|fuera de la oficina"
    r"|risposta automatica|fuori ufficio"
    r"|automatisch antwoord|afwezig"
    r"|automatiskt svar|frånvaro|autosvar|automatisk svar|fravær"
    r"|automaattinen vastaus|poissa"
    r"|odpowied[źz] automatyczna|automatyczna odpowied[źz]"
    r"|resposta autom[áa]tica|ausente|fora do escrit[óo]rio"
    r"|автоматический ответ|自動応答|自动回复"
    r")",
    re.IGNORECASE,
)
"""Subjects of auto-replies in several languages (some servers add no header at all)."""

OUT_OF_OFFICE_BODY_RE = re.compile(
    r"\b(?:"
    r"(?:i am|i'm|i will be|i'll be)\s+(?:currently\s+)?(?:out of (?:the )?office|away from (?:the |my )?(?:office|desk)"
    r"|on (?:annual |parental |sick |maternity |paternity )?(?:leave|vacation|holiday))"
    r"|(?:ich bin|bin ich)\b[^!?\n]{0,40}?(?:nicht im b[üu]ro|abwesend|im urlaub|au(?:ß|ss)er haus)"
    r"|je suis\s+(?:actuellement\s+)?(?:absente?|en cong[ée]s?|en vacances|hors du bureau)"
    r"|(?:estoy|me encuentro)\s+(?:actualmente\s+)?(?:fuera de la oficina|de vacaciones|ausente)"
    r"|(?:sono|sar[òo])\s+(?:attualmente\s+)?(?:fuori (?:ufficio|sede)|in ferie|assente|in vacanza)"
    r"|(?:ik ben|ben ik)\b[^!?\n]{0,30}?(?:afwezig|niet op kantoor|met vakantie|op vakantie)"
    r"|(?:estou|encontro-me)\s+(?:atualmente\s+)?(?:fora do escrit[óo]rio|de f[ée]rias|ausente)"
    r")",
    re.IGNORECASE,
)
"""An out-of-office notice in the present tense, in the seven languages the reps meet (en,
de, fr, es, it, nl, pt): "I am out of the office until ...", "Ich bin bis ... nicht im Büro"."""

OUT_OF_OFFICE_BODY_CHARS = 300
"""The notice must start within this many characters of the own text, and the text be short:"""
OUT_OF_OFFICE_MAX_TEXT = 800
"""...a person who mentions an absence in a longer mail is not an auto-reply."""

AUTO_REPLY_SUBJECT_PREFIX_RE = re.compile(r"^\s*(?:auto|automatic reply|autoreply)\s*:", re.I)

BOUNCE_SENDER_RE = re.compile(r"^(?:mailer-daemon|postmaster|mail-daemon|mailerdaemon)@", re.I)
BOUNCE_SUBJECT_RE = re.compile(
    r"(?:undeliver(?:able|ed)|delivery (?:status notification|failure|has failed|incomplete)"
    r"|returned mail|failure notice|mail delivery (?:failed|failure|system)"
    r"|unzustellbar|non remis|nicht zugestellt|could not be delivered)",
    re.IGNORECASE,
)
MASS_MAILER_HEADERS = (
    "X-Campaign", "X-Campaignid", "X-Mailchimp-Campaign", "X-MC-User", "X-Mailgun-Tag",
    "X-SG-EID", "X-SES-Outgoing", "X-Newsletter", "X-Mailer-RecptId", "X-CSA-Complaints",
    "X-Listmember", "Feedback-ID", "X-Feedback-ID",
)
MASS_MAILERS = re.compile(
    r"mailchimp|sendgrid|campaign monitor|constant ?contact|hubspot|marketo|mailjet|"
    r"sendinblue|brevo|klaviyo|phplist|mailpoet|acoustic|salesforce marketing|exacttarget",
    re.I,
)


_X_AUTO_HEADERS = frozenset(["x-autoreply", "x-autorespond", "x-autoresponder", "x-auto-response-suppress-sent"])
_LIST_HEADERS = frozenset(["list-id", "list-unsubscribe", "list-post"])
_MASS_MAILER_HEADERS = frozenset(name.lower() for name in MASS_MAILER_HEADERS)


@dataclass(frozen=True)
class Kinds:
    is_auto_reply: bool = False
    is_bulk: bool = False
    is_bounce: bool = False
    is_calendar: bool = False
    is_noreply: bool = False


def classify_kinds(
    headers: HeaderReader,
    *,
    subject: str,
    from_addr: str,
    content_types: frozenset[str],
    top_type: str,
    own_text: str = "",
) -> Kinds:
    auto_submitted = headers.text("Auto-Submitted").lower()
    precedence = headers.text("Precedence").lower()
    x_auto = headers.has_any(_X_AUTO_HEADERS)
    ms_auto = headers.text("X-MS-Exchange-Generated-Message-Source").lower()
    bounce = (
        top_type == "multipart/report" and "message/delivery-status" in content_types
    ) or bool(BOUNCE_SENDER_RE.match(from_addr)) or (
        "message/delivery-status" in content_types
    ) or (not from_addr and bool(BOUNCE_SUBJECT_RE.search(subject)))
    if not bounce and BOUNCE_SUBJECT_RE.search(subject) and (
        auto_submitted.startswith("auto-") or "postmaster" in from_addr
    ):
        bounce = True
    auto_reply = not bounce and (
        auto_submitted.startswith("auto-replied")
        or x_auto
        or "mailbox rules" in ms_auto
        or precedence == "auto_reply"
        or headers.text("X-Autoreply").lower() in ("yes", "true")
        or bool(AUTO_REPLY_SUBJECT_RE.match(_strip_reply_prefix(subject)))
        or bool(AUTO_REPLY_SUBJECT_PREFIX_RE.match(subject))
        or _reads_as_out_of_office(own_text)
    )
    list_headers = headers.has_any(_LIST_HEADERS)
    mailer = headers.text("X-Mailer") + " " + headers.text("X-Mailer-Name")
    bulk = not bounce and (
        list_headers
        or precedence in ("bulk", "list", "junk")
        or headers.has_any(_MASS_MAILER_HEADERS)
        or bool(MASS_MAILERS.search(mailer))
        or (auto_submitted.startswith("auto-generated") and not auto_reply)
    )
    calendar = "text/calendar" in content_types or "application/ics" in content_types
    noreply = is_noreply_address(from_addr) or bounce
    return Kinds(
        is_auto_reply=auto_reply,
        is_bulk=bulk,
        is_bounce=bounce,
        is_calendar=calendar,
        is_noreply=noreply,
    )


def _reads_as_out_of_office(text: str) -> bool:
    """Servers that send out-of-office notices under a plain "Re:" and without any header."""
    if not text or len(text) > OUT_OF_OFFICE_MAX_TEXT:
        return False
    return bool(OUT_OF_OFFICE_BODY_RE.search(text, 0, OUT_OF_OFFICE_BODY_CHARS))


_REPLY_PREFIX_RE = re.compile(r"^\s*(?:(?:re|aw|sv|antw|vs|r)\s*:\s*)+", re.I)


def _strip_reply_prefix(subject: str) -> str:
    return _REPLY_PREFIX_RE.sub("", subject)
