"""What kind of mail a message is, besides a person writing: auto-replies and out-of-office
notices, bulk mail and newsletters, bounces, calendar invitations, no-reply senders.

Detection never waits on these: they are flags on the message, decided from headers first
(Auto-Submitted, X-Autoreply, Precedence, List-Id, multipart/report ...) and from the subject,
sender or the opening words of a short body only where senders leave no header.

Bulk mail without List-* headers is told by the signs mass mailers leave: one strong sign (a
sending service's campaign header) or two weak ones (a sending service's other headers, "view
in browser", an unsubscribe line, a tracking pixel, many recipients). A web-form notification
(the prospect in Reply-To, `followup.domain.addresses.form_sender`) is bulk by List-* headers only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from followup.domain.addresses import form_sender, is_noreply_address
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
CAMPAIGN_HEADERS = (
    "X-Campaign", "X-Campaignid", "X-Campaign-Id", "X-Mailchimp-Campaign", "X-MC-User",
    "X-Mailgun-Tag", "X-Mailgun-Campaign-Id", "X-SG-EID", "X-Newsletter", "X-Mailer-RecptId",
    "X-CSA-Complaints", "X-Listmember", "Feedback-ID", "X-Feedback-ID", "X-MarketoID",
    "X-Mailin-Campaign", "X-Sib-Campaign", "X-Mailjet-Campaign",
)
"""Headers that mass mailers put on a campaign (one is enough to call a mail bulk)."""
CAMPAIGN_HEADER_PREFIXES = ("x-campaign", "x-mailchimp-", "x-newsletter")
ESP_HEADER_PREFIXES = (
    "x-mailgun-", "x-ses-", "x-sg-", "x-mandrill-", "x-mc-", "x-sendinblue", "x-sib-", "x-mailin-",
    "x-brevo", "x-mailjet-", "x-pm-", "x-mkto", "x-marketo", "x-sfmc", "x-klaviyo", "x-hs-",
)
"""Header families of sending services (Mailgun, SES, SendGrid, Mandrill, Brevo, Mailjet,
Postmark, Marketo ...). They relay receipts and help-desk mail too, so alone they are a
weak sign; a campaign header of theirs (above) is a strong one."""
MASS_MAILERS = re.compile(
    r"mailchimp|sendgrid|campaign monitor|constant ?contact|hubspot|marketo|mailjet|"
    r"sendinblue|brevo|klaviyo|phplist|mailpoet|acoustic|salesforce marketing|exacttarget",
    re.I,
)
VIEW_ONLINE_RE = re.compile(
    r"\b(?:view (?:this (?:e-?mail|message|newsletter) )?(?:in (?:your |a |the )?(?:web )?browser|online|as a web ?page)"
    r"|(?:having )?trouble (?:viewing|reading) this"
    r"|im browser (?:ansehen|anzeigen|öffnen)|online (?:ansehen|anzeigen)"
    r"|voir (?:la )?version (?:en ligne|web)|afficher dans (?:le |votre )?navigateur"
    r"|ver (?:en (?:el |tu )?navegador|(?:la )?versi[óo]n web)|visualizza (?:nel |nel tuo )?browser"
    r"|bekijk (?:in (?:je |uw )?browser|online)|ver no navegador)",
    re.IGNORECASE,
)
"""The "view in browser" line a newsletter opens with (en, de, fr, es, it, nl, pt)."""
UNSUBSCRIBE_RE = re.compile(
    r"\b(?:unsubscribe|opt[- ]out|manage (?:your )?(?:e-?mail |subscription |communication )?preferences"
    r"|abbestellen|abmelden|se d[ée]sinscrire|se d[ée]sabonner|d[ée]sinscription|d[ée]sabonnement"
    r"|darse de baja|cancelar (?:la |a )?(?:suscripci[óo]n|inscri[çc][ãa]o)|disiscriviti"
    r"|annulla(?:re)? (?:l'|l’)?iscrizione|cancella(?:re)? (?:l'|l’)?iscrizione|afmelden|uitschrijven"
    r"|descadastrar)",
    re.IGNORECASE,
)
"""An unsubscribe link or line in the body (en, de, fr, es, it, nl, pt)."""
_VIEW_ONLINE_STEMS = ("browser", "online", "navega", "trouble", "web", "ligne")
_UNSUBSCRIBE_STEMS = ("unsub", "opt-out", "opt out", "preferen", "abbestell", "abmeld", "inscri", "iscri",
                      "sabonn", "baja", "suscrip", "afmeld", "uitschrijv", "descadastr")
"""Words one of which each pattern above needs: a substring test rules most mail out ten
times faster than the patterns would."""
UNSUBSCRIBE_HREF_RE = re.compile(r"""href\s*=\s*["']?[^"'>\s]*(?:unsubscribe|opt-?out|/unsub\b)""", re.I)
IMG_TAG_RE = re.compile(r"<img\b[^>]*>", re.I)
ONE_PIXEL_RE = re.compile(r"""\b(?:width|height)\s*[=:]\s*["']?\s*[01](?:px)?(?![\d.])""", re.I)
HIDDEN_RE = re.compile(r"display\s*:\s*none", re.I)
OPENING_CHARS = 600
""""View in browser" counts within this many characters of the start of the text..."""
CLOSING_CHARS = 2500
"""...and an unsubscribe line within this many of its end."""
MANY_RECIPIENTS = 10
"""To and Cc together at least this long: a weak sign of a mailing."""
WEAK_SIGNS_FOR_BULK = 2
"""Signs such as an unsubscribe footer or a tracking pixel that make a mail bulk together: a
person's mail with one unsubscribe footer (a sent-by-app signature) is not a newsletter."""


_X_AUTO_HEADERS = frozenset(["x-autoreply", "x-autorespond", "x-autoresponder", "x-auto-response-suppress-sent"])
_LIST_HEADERS = frozenset(["list-id", "list-unsubscribe", "list-post"])
_CAMPAIGN_HEADERS = frozenset(name.lower() for name in CAMPAIGN_HEADERS)


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
    text: str = "",
    html: Callable[[], str] | None = None,
    reply_to_addr: str = "",
    recipients: int = 0,
) -> Kinds:
    """The kind flags. `text` is the whole readable body, `html` gives the first HTML part's
    markup (None: there is none; asked for only when text and headers leave bulk undecided)."""
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
    listed = headers.has_any(_LIST_HEADERS) or precedence in ("bulk", "list", "junk")
    if bounce:
        bulk = False
    elif form_sender(from_addr, reply_to_addr) is not None:
        # A web-form notification is a lead, whichever sending service relays it: only a
        # mailing list's own headers make it bulk.
        bulk = listed
    else:
        bulk = listed or (auto_submitted.startswith("auto-generated") and not auto_reply) or _mass_mailed(
            headers, subject=subject, own_text=own_text, text=text, html=html, recipients=recipients)
    calendar = "text/calendar" in content_types or "application/ics" in content_types
    noreply = is_noreply_address(from_addr) or bounce
    return Kinds(
        is_auto_reply=auto_reply,
        is_bulk=bulk,
        is_bounce=bounce,
        is_calendar=calendar,
        is_noreply=noreply,
    )


def _mass_mailed(headers: HeaderReader, *, subject: str, own_text: str, text: str,
                 html: Callable[[], str] | None, recipients: int) -> bool:
    """Bulk mail without List-* headers: one strong sign (a campaign header, a mass mailer's
    X-Mailer, a Postmark broadcast) or WEAK_SIGNS_FOR_BULK weak ones (a sending service's
    headers, "view in browser", an unsubscribe line, a tracking pixel, many recipients).

    In a reply or forward the quoted mail may be a newsletter: only its own text counts.
    The cheap signs are read first, so most mail is decided without the markup."""
    names = headers.by_name
    relayed = False
    for name in names:
        if name in _CAMPAIGN_HEADERS or name.startswith(CAMPAIGN_HEADER_PREFIXES):
            return True
        relayed = relayed or name.startswith(ESP_HEADER_PREFIXES)
    if "x-mailer" in names and MASS_MAILERS.search(headers.text("X-Mailer") + " " + headers.text("X-Mailer-Name")):
        return True
    if headers.text("X-PM-Message-Stream").lower().startswith("broadcast"):
        return True
    replying = "in-reply-to" in names or "references" in names or bool(_REPLY_OR_FORWARD_RE.match(subject))
    body = own_text if replying or not text else text
    weak = relayed + (recipients >= MANY_RECIPIENTS) + _says(VIEW_ONLINE_RE, _VIEW_ONLINE_STEMS, body[:OPENING_CHARS])
    markup_counts = html is not None and not replying
    if weak == 0 and not markup_counts:
        return False  # an unsubscribe line alone is no mailing
    unsubscribe = _says(UNSUBSCRIBE_RE, _UNSUBSCRIBE_STEMS, body[-CLOSING_CHARS:])
    weak += unsubscribe
    if weak >= WEAK_SIGNS_FOR_BULK or weak == 0 or not markup_counts:
        # With no sign in the text, the markup alone (a pixel, a hidden link) is no mailing.
        return weak >= WEAK_SIGNS_FOR_BULK
    markup = html()
    weak += _tracking_pixel(markup)
    if not unsubscribe:
        weak += bool(UNSUBSCRIBE_HREF_RE.search(markup))
    return weak >= WEAK_SIGNS_FOR_BULK


def _says(pattern: re.Pattern, stems: tuple[str, ...], text: str) -> bool:
    lowered = text.lower()
    return any(stem in lowered for stem in stems) and bool(pattern.search(text))


def _tracking_pixel(markup: str) -> bool:
    """An image of 1x1 (or 0x0) pixels or a hidden one: an open tracker."""
    for match in IMG_TAG_RE.finditer(markup):
        tag = match.group(0)
        if len(ONE_PIXEL_RE.findall(tag)) >= 2 or HIDDEN_RE.search(tag):
            return True
    return False


def _reads_as_out_of_office(text: str) -> bool:
    """Servers that send out-of-office notices under a plain "Re:" and without any header."""
    if not text or len(text) > OUT_OF_OFFICE_MAX_TEXT:
        return False
    return bool(OUT_OF_OFFICE_BODY_RE.search(text, 0, OUT_OF_OFFICE_BODY_CHARS))


_REPLY_PREFIX_RE = re.compile(r"^\s*(?:(?:re|aw|sv|antw|vs|r)\s*:\s*)+", re.I)
_REPLY_OR_FORWARD_RE = re.compile(r"^\s*(?:re|aw|sv|antw|vs|r|fwd?|wg|tr|rv|i)\s*:", re.I)


def _strip_reply_prefix(subject: str) -> str:
    return _REPLY_PREFIX_RE.sub("", subject)
