"""Mail that websites send a rep: a contact form's notification (from a no-reply address, the
prospect in Reply-To) and a promotion that carries no List-* headers, only the signs a mass
mailer leaves in the body ("view in browser", an unsubscribe line, a tracking pixel)."""

from __future__ import annotations

import html
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime

from followup.demo.mail import Mail, MailFactory
from followup.demo.people import Person

FORM_SENDER = Person("Website contact form", "noreply@webforms.example", "", "", "UTC", "")
"""The form service's sender: nobody reads its mail; the prospect is in Reply-To."""


def form_notification(factory: MailFactory, prospect: Person, to: Person, subject: str, question: str,
                      when: datetime) -> Mail:
    """A contact form's notification of what `prospect` typed into it."""
    msg = EmailMessage(policy=default_policy)
    msg["From"] = Address(FORM_SENDER.name, addr_spec=FORM_SENDER.email)
    msg["Reply-To"] = Address(prospect.name, addr_spec=prospect.email)
    msg["To"] = Address(to.name, addr_spec=to.email)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    message_id = factory.machine_id("webforms.example", when)
    msg["Message-ID"] = message_id
    msg["MIME-Version"] = "1.0"
    text = (f"You have a new message from the contact form on your website.\n\n"
            f"Name: {prospect.name}\nEmail: {prospect.email}\nCompany: {prospect.company}\n"
            f"Message: {question}\n\n"
            "Reply to this email to answer them directly.\n")
    msg.set_content(text)
    return Mail(msg, message_id, FORM_SENDER, [to], [], subject, when, text, [], FORM_SENDER.email)


def promotion(factory: MailFactory, shop: Person, to: Person, subject: str, offer: str,
              when: datetime) -> Mail:
    """A cold promotion without List-* headers: plain text and HTML with an open tracker."""
    host = shop.domain
    token = f"{factory.rng.getrandbits(48):012x}"
    msg = EmailMessage(policy=default_policy)
    msg["From"] = Address(shop.name, addr_spec=shop.email)
    msg["To"] = Address(to.name, addr_spec=to.email)
    msg["Subject"] = subject
    msg["Date"] = format_datetime(when)
    message_id = factory.machine_id("mail." + host, when)
    msg["Message-ID"] = message_id
    msg["MIME-Version"] = "1.0"
    text = (f"View this email in your browser: https://{host}/v/{token}\n\n{offer}\n\n"
            f"Shop now: https://{host}/sale\n\n{shop.company}, 12 Dock Road, Felixstowe\n"
            f"Unsubscribe: https://{host}/u/{token}\n")
    msg.set_content(text)
    msg.add_alternative(
        f"<html><body><p><a href=\"https://{host}/v/{token}\">View this email in your browser</a></p>"
        f"<h1>{html.escape(subject)}</h1><p>{html.escape(offer)}</p>"
        f"<p><a href=\"https://{host}/sale\">Shop now</a></p>"
        f"<p style=\"font-size:10px\"><a href=\"https://{host}/u/{token}\">Unsubscribe</a></p>"
        f"<img src=\"https://t.{host}/o/{token}.gif\" width=\"1\" height=\"1\" alt=\"\"></body></html>\n",
        subtype="html")
    factory.finish_boundaries(msg, None)
    return Mail(msg, message_id, shop, [to], [], subject, when, text, [], shop.email)
