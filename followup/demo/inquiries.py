"""The demo before the sale: inquiries answered or not, quotes waiting (with a reminder, an
attachment, an out-of-office), a colleague's answer, an order that asks for its confirmation
and the rep's own chaser.

Part of the demo's story (`followup.demo.scenarios.tell_the_story` calls these in a fixed
order: the order decides who gets which company); each function writes one thread
through `Demo` and records with `Demo.expect` what detection should make of it.
"""

from __future__ import annotations

from datetime import timezone

from followup.demo import phrases as P
from followup.demo.builder import (
    Demo,
    fake_pdf,
)
from followup.demo.people import COLLEAGUE


def inquiry_answered_and_closed(demo: Demo, kind: str, age: int) -> None:
    contact = demo.contact()
    facts = demo.deal(contact)
    convo = demo.conversation(contact, demo.say(P.INQUIRY_SUBJECTS[kind], facts))
    convo.customer(demo.clock.bday(age), demo.say(P.INQUIRIES[kind], facts))
    facts["first"] = contact.first
    convo.rep_says(demo.clock.bday(age), demo.say(P.ANSWERS[kind], facts))
    convo.customer(demo.clock.bday(age - 1), demo.say(P.CLOSINGS, facts))
    demo.expect(f"{kind} inquiry, answered, customer closed it", convo, None,
                f"rep answered, customer wrote 'thanks' {age - 1} business days ago")


def inquiry_unanswered(demo: Demo, kind: str, age: int) -> None:
    contact = demo.contact()
    facts = demo.deal(contact)
    convo = demo.conversation(contact, demo.say(P.INQUIRY_SUBJECTS[kind], facts))
    asked = convo.customer(demo.clock.bday(age), demo.say(P.INQUIRIES[kind], facts))
    demo.expect(f"{kind} inquiry, unanswered", convo, "needs_reply",
                f"customer asked {age} business day(s) ago "
                f"({asked.date.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC), no answer")


def demo_offered_waiting(demo: Demo) -> None:
    contact = demo.contact()
    facts = demo.deal(contact)
    convo = demo.conversation(contact, demo.say(P.INQUIRY_SUBJECTS["demo"], facts))
    convo.customer(demo.clock.bday(3), demo.say(P.INQUIRIES["demo"], facts))
    convo.rep_says(demo.clock.bday(2), demo.say(P.ANSWERS["demo"], facts))
    demo.expect("demo inquiry, rep proposed a date 2 business days ago", convo, None,
                "awaiting_reply only once 5 business days pass")


def quote_no_reply(demo: Demo, age: int, attach: bool = False) -> None:
    contact = demo.contact()
    facts = demo.deal(contact)
    convo = demo.conversation(contact, demo.say(P.INQUIRY_SUBJECTS["quote"], facts))
    convo.customer(demo.clock.bday(age + 2), demo.say(P.INQUIRIES["quote"], facts))
    text = demo.say(P.ANSWERS["quote"], facts) + "\n\n" + demo.say(P.QUOTE_FOLLOWUP_QUESTION, facts)
    attachment = None
    if attach:
        text = text.replace("below", "attached")
        attachment = (f"{facts['quote']}.pdf", "application/pdf", fake_pdf(facts))
    convo.rep_says(demo.clock.bday(age), text, attachment=attachment)
    task = "awaiting_reply" if age >= 5 else None
    note = f"rep sent the quote {age} business days ago, no reply"
    if age >= 10:
        note += " (second nudge due: another 5 business days passed)"
    demo.expect(f"quote, no reply for {age} business days", convo, task, note)


def quote_with_reminder(demo: Demo) -> None:
    contact = demo.contact()
    facts = demo.deal(contact)
    convo = demo.conversation(contact, demo.say(P.INQUIRY_SUBJECTS["quote"], facts))
    convo.customer(demo.clock.bday(11), demo.say(P.INQUIRIES["quote"], facts))
    convo.rep_says(demo.clock.bday(10), demo.say(P.ANSWERS["quote"], facts) + "\n\n"
                   + demo.say(P.QUOTE_FOLLOWUP_QUESTION, facts))
    convo.rep_says(demo.clock.bday(3), demo.say(P.REMINDERS, facts))
    demo.expect("quote, rep sent a reminder 3 business days ago", convo, None,
                "the rep's own reminder is not a reply: the clock restarts from it (3 < 5)")


def quote_with_out_of_office(demo: Demo) -> None:
    contact = demo.contact()
    facts = demo.deal(contact)
    convo = demo.conversation(contact, demo.say(P.INQUIRY_SUBJECTS["quote"], facts))
    convo.customer(demo.clock.bday(8), demo.say(P.INQUIRIES["quote"], facts))
    convo.rep_says(demo.clock.bday(7), demo.say(P.ANSWERS["quote"], facts) + "\n\n"
                   + demo.say(P.QUOTE_FOLLOWUP_QUESTION, facts))
    convo.away(facts)
    demo.expect("quote, out-of-office auto-reply, then silence", convo, "awaiting_reply",
                "sent 7 business days ago; the auto-reply is not a reply (contact away)")


def out_of_office_then_back(demo: Demo) -> None:
    contact = demo.contact()
    facts = demo.deal(contact)
    convo = demo.conversation(contact, demo.say(P.INQUIRY_SUBJECTS["price"], facts))
    convo.customer(demo.clock.bday(10), demo.say(P.INQUIRIES["price"], facts))
    convo.rep_says(demo.clock.bday(9), demo.say(P.ANSWERS["price"], facts) + "\n\n"
                   + demo.say(P.QUOTE_FOLLOWUP_QUESTION, facts))
    convo.away(facts)
    convo.customer(demo.clock.bday(5), "Back in the office now - sorry for the delay. "
                   "Could you do 10% off if we take twice the quantity?")
    convo.rep_says(demo.clock.bday(5), f"Yes, for {facts['qty'] * 2} units 10% off is fine. "
                   "I've updated the quote accordingly.")
    convo.customer(demo.clock.bday(4), "Great, thanks. We'll send the purchase order once "
                   "budget is approved.")
    demo.expect("price inquiry, out-of-office mid-wait, then the contact came back", convo, None,
                "the real reply after the auto-reply resolved the wait; the last message needs "
                "no reply")


def out_of_office_without_headers(demo: Demo) -> None:
    contact = demo.contact()
    facts = demo.deal(contact)
    convo = demo.conversation(contact, demo.say(P.INQUIRY_SUBJECTS["quote"], facts))
    convo.customer(demo.clock.bday(10), demo.say(P.INQUIRIES["quote"], facts))
    convo.rep_says(demo.clock.bday(9), demo.say(P.ANSWERS["quote"], facts) + "\n\n"
                   + demo.say(P.QUOTE_FOLLOWUP_QUESTION, facts))
    back = demo.clock.bday(3)
    convo.customer(demo.clock.bday(9), f"Vielen Dank für Ihre Nachricht. Ich bin bis zum {back:%d.%m.} "
                   "nicht im Büro und habe keinen Zugriff auf meine E-Mails.", greet=False)
    demo.expect("quote, a German out-of-office under a plain 'Re:' (no headers) naming a return date",
                convo, "awaiting_reply",
                f"sent 9 business days ago; away until {back:%a %-d %b}: the nudge waits for the day after")


def answered_by_colleague(demo: Demo) -> None:
    contact = demo.contact()
    facts = demo.deal(contact)
    convo = demo.conversation(contact, demo.say(P.INQUIRY_SUBJECTS["availability"], facts),
                              cc=[COLLEAGUE])
    convo.customer(demo.clock.bday(3), demo.say(P.INQUIRIES["availability"], facts))
    convo.write(COLLEAGUE, [contact], demo.clock.bday(2), demo.say(P.ANSWERS["availability"], facts))
    demo.expect("availability inquiry answered by the colleague (Cc: demo)", convo, None,
                "an internal colleague answered")


def order_asking_for_confirmation(demo: Demo) -> None:
    contact = demo.contact()
    facts = demo.deal(contact)
    convo = demo.conversation(contact, demo.say(P.INQUIRY_SUBJECTS["quote"], facts))
    convo.customer(demo.clock.bday(6), demo.say(P.INQUIRIES["quote"], facts))
    convo.rep_says(demo.clock.bday(5), demo.say(P.ANSWERS["quote"], facts))
    convo.customer(demo.clock.bday(2), f"We accept the quote {facts['quote']}. "
                   "Please send us the order confirmation and the delivery date.")
    demo.expect("the customer accepts the quote and asks for the order confirmation", convo,
                "needs_reply", "their order asks for an answer: a reply is due, not a post-sale check-in")


def rep_chaser_is_no_sale(demo: Demo) -> None:
    contact = demo.contact()
    facts = demo.deal(contact)
    convo = demo.conversation(contact, demo.say(P.INQUIRY_SUBJECTS["quote"], facts))
    convo.customer(demo.clock.bday(9), demo.say(P.INQUIRIES["quote"], facts))
    convo.rep_says(demo.clock.bday(8), demo.say(P.ANSWERS["quote"], facts))
    convo.rep_says(demo.clock.bday(2), f"Just following up on my proposal {facts['quote']} for "
                   f"{facts['qty']} x {facts['product']}. Happy to go ahead whenever you are.")
    demo.expect("the rep's chaser after a quote, 2 business days ago", convo, None,
                "the rep's own mail is never a sale (no check-in); the wait restarts from it (2 < 5)")
