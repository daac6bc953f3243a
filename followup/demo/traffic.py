"""The demo's everyday traffic: settled history, internal chatter, a forward to the colleague,
bounces (resent or not), a calendar invitation, newsletters and notifications.

Part of the demo's story (`followup.demo.scenarios.tell_the_story` calls these in a fixed
order: the order decides who gets which company); each function writes one thread
through `Demo` and records with `Demo.expect` what detection should make of it.
"""

from __future__ import annotations


from followup.demo import phrases as P
from followup.demo.builder import (
    WEEKDAYS,
    Demo,
    business_days_after,
)
from followup.demo.mail import stable
from followup.demo.people import COLLEAGUE, NEWSLETTERS, NOTIFIERS, REP, Person


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
