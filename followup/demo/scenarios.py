"""The demo mailbox's story: one function per kind of situation a rep meets.

Each function writes one thread (or a few messages) through `Demo` and records what
detection should make of it with `Demo.expect`, relative to the default settings
(awaiting reply after 5 business days, needs reply after 1, post-sale check-in 2 to 7 days
after a sale, dormant after 90 days without mail).
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone

from followup.demo import phrases as P
from followup.demo.builder import (
    WEEKDAYS,
    Conversation,
    Demo,
    Scenario,
    business_days_after,
    business_days_before,
    free_weekday,
)
from followup.demo.mail import base_subject, stable
from followup.demo.people import COLLEAGUE, NEWSLETTERS, NOTIFIERS, REP, Person
from followup.demo.website_mail import form_notification, promotion

__all__ = ["Demo", "Scenario", "tell_the_story"]


# --- before the sale -------------------------------------------------------------------------
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
        attachment = (f"{facts['quote']}.pdf", "application/pdf", _fake_pdf(facts))
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


# --- everyday traffic -------------------------------------------------------------------------
def history(demo: Demo, contact: Person, age_days: int) -> None:
    """A settled exchange some weeks ago: question, answer, follow-up, closing."""
    facts = demo.deal(contact)
    topic, lines = demo.rng.choice(P.HISTORY_TOPICS)
    convo = demo.conversation(contact, topic.format(**facts))
    day = demo.clock.cday(age_days)
    for index, line in enumerate(lines):
        writer = convo.customer if index % 2 == 0 else convo.rep_says
        writer(day, line.format(**facts))
        if demo.rng.random() < 0.4:
            day = min(business_days_after(day, 1), demo.clock.bday(1))
    convo.customer(day, demo.say(P.CLOSINGS, facts))


def internal_chatter(demo: Demo, topic_index: int, age: int) -> None:
    facts = demo.deal(demo.any_contact())
    topic, lines = P.INTERNAL_TOPICS[topic_index]
    first, second = (REP, COLLEAGUE) if topic_index % 2 == 0 else (COLLEAGUE, REP)
    convo = demo.conversation(second, topic.format(**facts), rep=first)
    day = demo.clock.bday(age)
    for index, line in enumerate(lines):
        sender, receiver = (first, second) if index % 2 == 0 else (second, first)
        convo.write(sender, [receiver], day, line.format(**facts))
    demo.expect("internal chatter between the two reps", convo, None, "internal-only thread")


def forward_to_colleague(demo: Demo) -> None:
    contact = demo.contact()
    facts = demo.deal(contact)
    original = demo.conversation(contact, demo.say(P.INQUIRY_SUBJECTS["price"], facts))
    original.customer(demo.clock.bday(6), demo.say(P.INQUIRIES["price"], facts))
    original.rep_says(demo.clock.bday(6), demo.say(P.ANSWERS["price"], facts))
    original.customer(demo.clock.bday(5), demo.say(P.CLOSINGS, facts))
    demo.expect("price inquiry, answered and closed", original, None, "closed by the customer")
    first = original.mails[0]
    fwd = demo.conversation(COLLEAGUE, "Fwd: " + first.subject, rep=REP)
    header = ("---------- Forwarded message ---------\n"
              f"From: {contact.name} <{contact.email}>\n"
              f"Date: {first.date.strftime('%a, %-d %b %Y at %H:%M')}\n"
              f"Subject: {first.subject}\nTo: {REP.name} <{REP.email}>\n\n")
    fwd.write(REP, [COLLEAGUE], demo.clock.bday(5),
              f"FYI - {contact.company} might order more next quarter.\n\n{header}{first.text}")
    fwd.write(COLLEAGUE, [REP], demo.clock.bday(5), "Thanks, noted.")
    demo.expect("a customer mail forwarded to the colleague (Fwd:)", fwd, None, "internal-only")


def _mistyped(contact: Person) -> Person:
    local, domain = contact.email.split("@")
    return Person(contact.name, f"{local.replace('.', '', 1)}@{domain}", contact.title,
                  contact.company, contact.tz, contact.client, contact.phone)


def bounce_then_resend(demo: Demo) -> None:
    contact = demo.contact()
    facts = demo.deal(contact)
    bad = demo.conversation(_mistyped(contact), f"Checking in - {facts['product']}")
    bad.rep_says(demo.clock.bday(2), demo.say(P.CHECKINS, facts))
    bounced = demo.factory.bounce(bad.last, demo.clock.at(demo.clock.bday(2), "UTC",
                                                         after=bad.last.date))
    demo.threads += 1  # by its headers a thread of its own; ingestion joins it to `bad`
    demo.joined += 1
    demo.add(bounced)
    bad.write(REP, [contact], demo.clock.bday(2), "Resending to the right address - "
              + demo.say(P.CHECKINS, facts))
    bad.write(contact, [REP], demo.clock.bday(1), f"All good with the {facts['product']}, thanks "
              "for asking. We'll be in touch when we need more.")
    demo.expect("mail to a mistyped address bounced, resent in the thread, customer answered", bad,
                None, f"bounce {bounced.message_id} joins the thread (Message-ID in its report); "
                "the resend and the answer resolve it")


def bounce_not_resent(demo: Demo) -> None:
    contact = demo.contact()
    facts = demo.deal(contact)
    bad = demo.conversation(_mistyped(contact), demo.say(P.INQUIRY_SUBJECTS["quote"], facts))
    bad.rep_says(demo.clock.bday(3), demo.say(P.ANSWERS["quote"], facts) + "\n\n"
                 + demo.say(P.QUOTE_FOLLOWUP_QUESTION, facts))
    bounced = demo.factory.bounce(bad.last, demo.clock.at(demo.clock.bday(3), "UTC",
                                                         after=bad.last.date))
    demo.threads += 1  # by its headers a thread of its own; ingestion joins it to `bad`
    demo.joined += 1
    demo.add(bounced)
    demo.expect("a quote to a mistyped address bounced (550 user unknown), nothing since", bad,
                "bounced", f"bounce {bounced.message_id}: find another way to reach them")


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


def calendar_invitation(demo: Demo) -> None:
    contact = demo.contact()
    facts = demo.deal(contact)
    day = demo.clock.bday(3)
    meeting = f"{facts['product']} kick-off call"
    convo = demo.conversation(contact, f"Invitation: {meeting} @ {business_days_after(day, 2):%a %-d %b} 10:00")
    ics = ("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Demo//EN\r\nMETHOD:REQUEST\r\n"
           f"BEGIN:VEVENT\r\nUID:{stable(meeting)}@demo.invalid\r\nSUMMARY:{meeting}\r\n"
           f"DTSTART:{business_days_after(day, 2):%Y%m%d}T100000Z\r\n"
           f"ORGANIZER:mailto:{contact.email}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n").encode()
    convo.customer(day, f"{contact.name} has invited you to {meeting}.\n\nWill you attend? "
                   "Yes - Maybe - No", attachment=("invite.ics", "text/calendar", ics), greet=False)
    demo.expect("a calendar invitation (text/calendar) asking 'Will you attend?'", convo, None,
                "an invitation is neither a question to answer by mail nor a sale")


def newsletters(demo: Demo) -> None:
    for index, (name, address, list_id, tz) in enumerate(NEWSLETTERS):
        for issue in range(5):
            subject, text = P.NEWSLETTER_ISSUES[(index + issue) % len(P.NEWSLETTER_ISSUES)]
            when = demo.clock.at(demo.clock.bday(2 + issue * 5 + index), tz)
            demo.threads += 1
            demo.add(demo.factory.bulk(name, address, list_id, REP, subject, text, when))


def notifications(demo: Demo) -> None:
    for index in range(8):
        name, address, what = NOTIFIERS[index % len(NOTIFIERS)]
        facts = {"order": f"PG{demo.rng.randrange(10**8):08d}",
                 "weekday": demo.rng.choice(WEEKDAYS)}
        subject, text = P.NOTIFICATIONS[what]
        when = demo.clock.at(demo.clock.bday(1 + index * 2), "UTC")
        demo.threads += 1
        demo.add(demo.factory.notification(name, address, REP, subject.format(**facts),
                                           text.format(**facts), when,
                                           auto_generated=index % 2 == 0))


def _fake_pdf(facts: dict) -> bytes:
    text = f"Quote {facts['quote']}: {facts['qty']} x {facts['product']} = GBP {facts['total']}"
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>endobj\n"
            b"4 0 obj<</Length " + str(len(stream)).encode() + b">>stream\n" + stream
            + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")


def tell_the_story(demo: Demo) -> None:
    """Every scenario, in a fixed order (the order decides who gets which company)."""
    dormant_customer(demo)
    first_sale_anniversary(demo)
    for kind, age in (("price", 4), ("availability", 7)):
        inquiry_answered_and_closed(demo, kind, age)
    for kind, age in (("price", 2), ("quote", 2), ("demo", 3), ("availability", 1)):
        inquiry_unanswered(demo, kind, age)
    demo_offered_waiting(demo)
    quote_no_reply(demo, 3)
    quote_no_reply(demo, 6, attach=True)
    quote_no_reply(demo, 12)
    quote_with_reminder(demo)
    quote_with_out_of_office(demo)
    out_of_office_then_back(demo)
    out_of_office_without_headers(demo)
    answered_by_colleague(demo)
    sale(demo, (1, 3))
    sale(demo, (2, 4), rep_thanks=True)
    sale(demo, (4, 6))
    sale(demo, (3, 6), customer_thanks=True)
    sale(demo, (8, 10))
    sale(demo, (10, 14))
    complaint(demo, "late", 1, priority="normal")
    complaint(demo, "defect", 3, answered=True, closed=True)
    complaint(demo, "refund", 2, priority="high (refund, cancel)")
    complaint(demo, "billing", 1, priority="normal")
    complaint(demo, "polite", 2, priority="low")
    complaint(demo, "late", 2, answered=True)
    repeat_complaint(demo)
    bounce_then_resend(demo)
    bounce_not_resent(demo)
    forward_to_colleague(demo)
    calendar_invitation(demo)
    order_asking_for_confirmation(demo)
    rep_chaser_is_no_sale(demo)
    for index in range(len(P.INTERNAL_TOPICS)):
        internal_chatter(demo, index, 1 + index * 3)
    newsletters(demo)
    notifications(demo)
    # Settled history: every company has at least one, older than the open scenarios.
    for index, company in enumerate(demo.companies[2:]):
        history(demo, demo.rng.choice(company.people), 18 + (index * 7) % 60)
        if index % 3 == 0:
            sale(demo, 14 + (index * 5) % 60, customer_thanks=True,
                 contact=demo.rng.choice(company.people), record=False)
    web_form_lead(demo)
    promotion_without_list_headers(demo)
    promises_and_paces(demo)


# --- mail from websites (issue #16) -----------------------------------------------------------
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


# --- promises and each contact's own pace (issue #16) ------------------------------------------
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
                       attachment=(f"drawings-{facts['quote']}.pdf", "application/pdf", _fake_pdf(facts)))
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
