"""The demo's sales and what follows them: sales (check-in due, upcoming or passed),
complaints (answered or not, a repeat), and long silences (a dormant customer, a first
sale's anniversary).

Part of the demo's story (`followup.demo.scenarios.tell_the_story` calls these in a fixed
order: the order decides who gets which company); each function writes one thread
through `Demo` and records with `Demo.expect` what detection should make of it.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from followup.demo import phrases as P
from followup.demo.builder import (
    Conversation,
    Demo,
    Scenario,
    business_days_after,
    business_days_before,
    free_weekday,
)
from followup.demo.mail import base_subject
from followup.demo.people import Person
from followup.demo.traffic import history


# --- the sale and after -----------------------------------------------------------------------
def sale(demo: Demo, days_ago: int | tuple[int, int], customer_thanks: bool = False,
         rep_thanks: bool = False, contact: Person | None = None,
         record: bool = True) -> "Conversation":
    """Inquiry, quote, order, confirmation. `days_ago` as (lo, hi): the first weekday in
    that range of calendar days not yet used by another recent sale."""
    contact = contact or demo.contact()
    facts = demo.deal(contact)
    clock = demo.clock
    if isinstance(days_ago, tuple):
        confirmed = free_weekday(demo, *days_ago)
    else:
        confirmed = clock.cday(days_ago)
    start = business_days_before(confirmed, 4)
    convo = demo.conversation(contact, demo.say(P.INQUIRY_SUBJECTS["quote"], facts))
    convo.customer(start, demo.say(P.INQUIRIES["quote"], facts))
    convo.rep_says(business_days_before(confirmed, 3), demo.say(P.ANSWERS["quote"], facts))
    convo.customer(business_days_before(confirmed, 1), demo.say(P.ORDERS, facts))
    convo.rep_says(confirmed, demo.say(P.CONFIRMATIONS, facts))
    actual = (clock.today - confirmed).days
    if rep_thanks:
        convo.rep_says(min(business_days_after(confirmed, 1), clock.bday(1)),
                       demo.say(P.REP_THANKS, facts))
    if customer_thanks:
        convo.customer(min(business_days_after(confirmed, 2), clock.bday(1)),
                       demo.say(P.CUSTOMER_THANKS, facts))
    # The check-in window opens two days after the rep's last mail (the confirmation, or the
    # thank-you the classifier reads as part of the sale); a weekend moves it to Monday.
    opens = convo.last.date + timedelta(days=2)
    if opens.weekday() >= 5:
        opens = datetime.combine(opens.date() + timedelta(days=7 - opens.weekday()), time(0), opens.tzinfo)
    not_due_yet = opens > clock.now
    if record:
        if customer_thanks:
            task, note = None, f"sale {actual} days ago; the customer already wrote after it"
        elif not_due_yet:
            task, note = "upcoming", f"sale {actual} day(s) ago: check-in upcoming, its window opens {opens:%a}"
        elif actual <= 7:
            task, note = "post_sale_checkin", f"sale {actual} days ago: check-in due now"
        else:
            task, note = None, f"sale {actual} days ago: the 2-7 day check-in window has passed"
        if rep_thanks:
            note += "; the rep sent a thank-you note (no question, not awaiting a reply)"
        demo.expect(f"order confirmed {actual} days ago", convo, task, note)
    return convo


# --- complaints -------------------------------------------------------------------------------
def complaint(demo: Demo, kind: str, age: int, answered: bool = False, closed: bool = False,
              priority: str = "normal") -> None:
    contact = demo.contact()
    facts = demo.deal(contact)
    convo = demo.conversation(contact, demo.say(P.COMPLAINT_SUBJECTS[kind], facts))
    convo.customer(demo.clock.bday(age), demo.say(P.COMPLAINTS[kind], facts))
    if answered:
        convo.rep_says(demo.clock.bday(age), demo.say(P.COMPLAINT_ANSWERS, facts))
    if closed:
        convo.customer(demo.clock.bday(age - 1), demo.say(P.CLOSINGS, facts))
    if answered:
        demo.expect(f"{kind} complaint, answered" + (", customer closed it" if closed else ""),
                    convo, None, "resolved: the customer says all sorted" if closed
                    else "complaint task resolved by the rep's answer")
    else:
        demo.expect(f"{kind} complaint, unanswered", convo, "complaint",
                    f"{priority} priority; customer wrote {age} business day(s) ago")


def repeat_complaint(demo: Demo) -> None:
    contact = demo.contact()
    facts = demo.deal(contact)
    convo = demo.conversation(contact, demo.say(P.COMPLAINT_SUBJECTS["defect"], facts))
    convo.customer(demo.clock.bday(16), demo.say(P.COMPLAINTS["defect"], facts))
    answer = convo.rep_says(demo.clock.bday(16), demo.say(P.COMPLAINT_ANSWERS, facts))
    convo.customer(demo.clock.bday(14), demo.say(P.CLOSINGS, facts))
    convo.last = answer  # the second complaint replies to the rep's answer
    convo.customer(demo.clock.bday(1), demo.say(P.REPEAT_COMPLAINT, facts))
    demo.expect("repeat complaint in the same thread", convo, "complaint",
                "high priority: the customer complains again after it was closed (reopen)")


# --- long silences ----------------------------------------------------------------------------
def dormant_customer(demo: Demo) -> None:
    contact = demo.contact()
    old = sale(demo, 210, customer_thanks=True, contact=contact, record=False)
    last = sale(demo, 120, customer_thanks=True, contact=contact, record=False)
    demo.scenarios.append(Scenario(
        "dormant customer", contact.company, contact.email, base_subject(last.subject),
        last.mails[0].message_id, "dormant_customer",
        f"last sale about 120 days ago, nothing since (earlier thread {old.mails[0].message_id})"))


def first_sale_anniversary(demo: Demo) -> None:
    contact = demo.contact()
    clock = demo.clock
    facts = demo.deal(contact)
    first_day = clock.today - timedelta(days=363)
    while first_day.weekday() >= 5:
        first_day -= timedelta(days=1)
    anniversary = date(first_day.year + 1, first_day.month,
                       28 if (first_day.month, first_day.day) == (2, 29) else first_day.day)
    convo = demo.conversation(contact, demo.say(P.INQUIRY_SUBJECTS["quote"], facts))
    convo.customer(business_days_before(first_day, 3), demo.say(P.INQUIRIES["quote"], facts))
    convo.rep_says(business_days_before(first_day, 2), demo.say(P.ANSWERS["quote"], facts))
    convo.customer(business_days_before(first_day, 1), demo.say(P.ORDERS, facts))
    convo.rep_says(first_day, demo.say(P.CONFIRMATIONS, facts))
    convo.customer(business_days_after(first_day, 3), demo.say(P.CUSTOMER_THANKS, facts))
    history(demo, contact, 24)
    demo.expect("first-sale anniversary", convo, "anniversary",
                f"first order confirmed {first_day.isoformat()}, one year ago in "
                f"{(anniversary - clock.today).days} day(s); "
                "recent mail 24 days ago, so not dormant")
