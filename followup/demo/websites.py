"""The demo's mail from websites (issue #16): a web-form lead (a no-reply sender, the prospect
in Reply-To) and a promotion without List-* headers.

Part of the demo's story (`followup.demo.scenarios.tell_the_story` calls these in a fixed
order: the order decides who gets which company); each function writes one thread
through `Demo` and records with `Demo.expect` what detection should make of it.
"""

from __future__ import annotations


from followup.demo.builder import (
    Demo,
)
from followup.demo.people import REP, Person
from followup.demo.website_mail import form_notification, promotion


WEB_PROSPECT = Person("Priya Natarajan", "priya.natarajan@harbourline-logistics.com", "Operations Manager",
                      "Harbourline Logistics", "Europe/London", "gmail")
CRATE_SHOP = Person("Crate Outlet", "hello@crate-outlet.com", "", "Crate Outlet Ltd", "Europe/London", "")


def web_form_lead(demo: Demo) -> None:
    """A prospect's question through the website's contact form: a no-reply sender, the
    prospect in Reply-To. The lead is theirs; it waits on the rep."""
    facts = demo.deal(WEB_PROSPECT)
    convo = demo.conversation(WEB_PROSPECT, "New contact form submission")
    question = (f"Hello, we are looking for {facts['qty']} x {facts['product']} for our new warehouse. "
                "Could you send us a quote and your delivery time?")
    when = demo.clock.at(demo.clock.bday(2), WEB_PROSPECT.tz)
    lead = demo.add(form_notification(demo.factory, WEB_PROSPECT, REP, convo.subject, question, when))
    convo.mails.append(lead)
    convo.last = lead
    demo.expect("a web-form lead (no-reply sender, the prospect in Reply-To), unanswered", convo,
                "needs_reply", "the Reply-To person is the contact; asked 2 business days ago")


def promotion_without_list_headers(demo: Demo) -> None:
    """A cold promotion with a question in it and no List-* headers: bulk by its signs."""
    convo = demo.conversation(CRATE_SHOP, "Crate Outlet: 40% off all pallet crates this week")
    when = demo.clock.at(demo.clock.bday(1), CRATE_SHOP.tz)
    offer = "Why pay full price? Every pallet crate is 40% off until Sunday, delivery included."
    mail = demo.add(promotion(demo.factory, CRATE_SHOP, REP, convo.subject, offer, when))
    convo.mails.append(mail)
    convo.last = mail
    demo.expect("a promotion asking 'Why pay full price?' without List-* headers", convo, None,
                "bulk by its signs: view in browser, unsubscribe line, tracking pixel")
