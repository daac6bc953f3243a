"""What an email address says on its own: a free-mail provider's, an automated sender's, the
person a web-form notification is really from, and the company its domain names.

The one copy of these lists: the sync (`inbox_sync.participants`, `inbox_sync.kinds`) and the
rules (`followup.domain.rules`) both read them, so a message and its contact agree on whether
"dana@yahoo.fr" has a company (no: a free-mail domain says nothing about the person's company).
"""

from __future__ import annotations

import re

FREEMAIL_DOMAINS = frozenset(
    """gmail.com googlemail.com yahoo.com yahoo.co.uk yahoo.fr yahoo.de ymail.com hotmail.com
    hotmail.co.uk hotmail.fr hotmail.de outlook.com outlook.de outlook.fr live.com live.de
    live.fr msn.com aol.com icloud.com me.com mac.com gmx.de gmx.net gmx.com gmx.at gmx.ch
    web.de t-online.de freenet.de posteo.de mailbox.org proton.me protonmail.com pm.me mail.com
    zoho.com yandex.ru yandex.com mail.ru orange.fr wanadoo.fr free.fr laposte.net sfr.fr
    libero.it virgilio.it tiscali.it seznam.cz wp.pl o2.pl onet.pl interia.pl bluewin.ch
    comcast.net verizon.net att.net sbcglobal.net qq.com 163.com 126.com naver.com
    fastmail.com fastmail.fm hey.com tutanota.com example.com""".split()
)
"""Domains of mail providers: an address there says nothing about the person's company."""

NOREPLY_LOCAL_PART = re.compile(
    r"^(?:no[-_.]?reply|do[-_.]?not[-_.]?reply|dont[-_.]?reply|no-response|mailer[-_.]?daemon|mailer|"
    r"postmaster|bounces?|notifications?|notify|newsletters?|news|marketing|alerts?|automated|"
    r"auto-?confirm)(?:[-+_.].*)?$",
    re.IGNORECASE,
)
"""Local parts of senders that no person reads: nobody is waiting for a reply from them."""

FORM_LOCAL_PART = re.compile(
    r"^(?:(?:web)?forms?|wordpress|contact[-_.]?forms?|formmail|form[-_.]?submissions?|submissions?"
    r"|typeform|jotform|webflow|wix(?:forms?)?|hubspot|leads?)(?:[-+_.].*)?$",
    re.IGNORECASE,
)
"""Local parts that website contact forms send their notifications from."""

FORM_SERVICE_DOMAINS = (
    "typeform.com", "typeform.io", "jotform.com", "hubspot.com", "hubspotemail.net", "webflow.com",
    "wix.com", "wixforms.com", "formspree.io", "formsubmit.co", "wufoo.com", "cognitoforms.com",
    "123formbuilder.com", "getform.io", "basin.io",
)
"""Form services whose notifications carry the person who filled in the form in Reply-To."""

_SECOND_LEVEL = frozenset("co com net org ac gov edu ltd plc ne or go".split())
_MAIL_HOSTS = ("mail", "email", "smtp", "mx")


def domain_of(address: str) -> str:
    """"Anna@Acme.com" -> "acme.com"; a bare domain is returned as it is, lower-cased."""
    return address.rpartition("@")[2].lower().strip(".")


def is_freemail(address: str) -> bool:
    return domain_of(address) in FREEMAIL_DOMAINS


def is_noreply_address(address: str) -> bool:
    """"no-reply@shop.example", "mailer-daemon@…", "newsletter+eu@…": an automated sender."""
    local, at, _domain = address.rpartition("@")
    return bool(NOREPLY_LOCAL_PART.match(local if at else address))


def form_sender(from_addr: str, reply_to_addr: str) -> str | None:
    """The person behind a web-form notification: the Reply-To address when the mail comes
    from a no-reply or form sender ("noreply@webforms.example", "wordpress@site", a Typeform,
    HubSpot, Jotform, Webflow or Wix sender) and Reply-To names someone else, elsewhere.

    None otherwise: a person's own mail, a Reply-To that is itself automated, or one in the
    sender's own domain (a shop's no-reply mail that sends replies to its own help desk is
    no lead).
    """
    reply_to = reply_to_addr.strip().lower()
    sender = from_addr.strip().lower()
    if "@" not in reply_to or "@" not in sender or reply_to == sender or is_noreply_address(reply_to):
        return None
    sender_domain = domain_of(sender)
    if domain_of(reply_to) == sender_domain:
        return None
    local = sender.rpartition("@")[0]
    from_a_form = (is_noreply_address(sender) or bool(FORM_LOCAL_PART.match(local))
                   or any(sender_domain == d or sender_domain.endswith("." + d) for d in FORM_SERVICE_DOMAINS))
    return reply_to if from_a_form else None


def company_from_domain(domain: str) -> str:
    """"acme-tools.co.uk" -> "Acme Tools" (an address works too); "" for free-mail providers."""
    domain = domain_of(domain)
    if not domain or domain in FREEMAIL_DOMAINS:
        return ""
    labels = [label for label in domain.split(".") if label]
    if len(labels) < 2:
        return labels[0].title() if labels else ""
    labels = labels[:-1]  # the top-level domain
    if len(labels) >= 2 and labels[-1] in _SECOND_LEVEL:
        labels = labels[:-1]
    name = labels[-1]
    if name in _MAIL_HOSTS and len(labels) >= 2:
        name = labels[-2]
    return " ".join(part.capitalize() for part in name.replace("_", "-").split("-") if part)[:300]
