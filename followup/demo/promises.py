"""The demo's promises and each contact's own pace (issue #16): the rep's promise due or kept,
the customer's broken one, a fast contact late and a slow one not late yet.

Part of the demo's story (`followup.demo.scenarios.tell_the_story` calls these in a fixed
order: the order decides who gets which company); each function writes one thread
through `Demo` and records with `Demo.expect` what detection should make of it.
"""

from __future__ import annotations

from datetime import date

from followup.demo.builder import (
    Demo,
    business_days_after,
    fake_pdf,
)
from followup.demo.people import Person


def _day_month(day: date) -> str:
    return f"{day.day} {day:%B}"


def rep_promise_due(demo: Demo, kept: bool = False) -> None:
    """The rep promised drawings by a day that has come; kept: sent them since, attached."""
    contact = demo.contact()
    facts = demo.deal(contact)
    convo = demo.conversation(contact, f"Technical drawings for the {facts['product']}")
    convo.customer(demo.clock.bday(5), f"Could you send us the technical drawings for the {facts['product']}?")
    promised = demo.clock.bday(2)
    convo.rep_says(demo.clock.bday(4), f"Thanks {contact.first}. I'll send you the drawings by "
                                       f"{_day_month(promised)}, once our engineer has signed them off.")
    if kept:
        convo.rep_says(promised, "The signed-off drawings are in the file, as discussed.",
                       attachment=(f"drawings-{facts['quote']}.pdf", "application/pdf", fake_pdf(facts)))
        demo.expect("the rep promised drawings and sent them, attached", convo, None,
                    "a later mail of the rep carries the attachment: the promise is kept")
        return
    demo.expect("the rep promised drawings by a day that has come, nothing sent", convo, "promise",
                f"'I'll send you the drawings by {_day_month(promised)}': due that day")


def contact_promise_broken(demo: Demo) -> None:
    """The customer promised their site measurements by a day now past; nothing came."""
    contact = demo.contact()
    facts = demo.deal(contact)
    convo = demo.conversation(contact, f"Site measurements for the {facts['product']}")
    convo.rep_says(demo.clock.bday(6), "To finalise the layout I need the measurements of the room. "
                                       "Could you send them over?")
    promised = demo.clock.bday(3)
    convo.customer(demo.clock.bday(5), f"Of course. We will send the measurements by {_day_month(promised)}.")
    demo.expect("the customer promised measurements by a day now past, nothing came", convo, "promise",
                f"promised by {_day_month(promised)}: nudged the business day after")


def _replies_at_pace(demo: Demo, contact: Person, delay_days: int) -> None:
    """Three settled exchanges some weeks ago in which the contact answered the rep's
    question the same day (`delay_days` 0) or that many business days later."""
    for weeks in (9, 6, 3):
        asked = demo.clock.cday(weeks * 7 + 2)
        convo = demo.conversation(contact, f"Delivery slot {weeks}")
        convo.rep_says(asked, "Which delivery slot suits you next month, morning or afternoon?")
        convo.customer(business_days_after(asked, delay_days) if delay_days else asked,
                       "Morning works for us, thank you.")


def fast_contact_late(demo: Demo) -> None:
    """A contact who always answers within hours, silent for a business day and more."""
    contact = demo.contact()
    _replies_at_pace(demo, contact, 0)
    facts = demo.deal(contact)
    convo = demo.conversation(contact, f"Colour options for the {facts['product']}")
    convo.rep_says(demo.clock.bday(2), f"Would you prefer the {facts['product']} in grey or in oak?")
    demo.expect("a contact who answers within hours, silent for a business day", convo, "awaiting_reply",
                "their own pace (three same-day replies): late after 1 business day, not 5")


def slow_contact_not_late(demo: Demo) -> None:
    """A contact who takes eight business days to answer, silent for six: not late yet."""
    contact = demo.contact()
    _replies_at_pace(demo, contact, 8)
    facts = demo.deal(contact)
    convo = demo.conversation(contact, f"Warranty terms for the {facts['product']}")
    convo.rep_says(demo.clock.bday(6), f"Shall I extend the warranty on the {facts['product']} to three years?")
    demo.expect("a contact who takes 8 business days, silent for 6", convo, None,
                "their own pace: late only after 8 business days, so no nudge on day 6")


def promises_and_paces(demo: Demo) -> None:
    """Called last by `tell_the_story`, so the scenarios before keep their companies."""
    rep_promise_due(demo)
    rep_promise_due(demo, kept=True)
    contact_promise_broken(demo)
    fast_contact_late(demo)
    slow_contact_not_late(demo)
