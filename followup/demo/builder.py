"""The machinery scenarios write through: `Demo` (random source, clock, company rotation,
the record of messages and expected tasks) and `Conversation` (one thread, reply by reply).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from followup.demo import phrases as P
from followup.demo.mail import REPLY_PREFIX, Clock, Mail, MailFactory, base_subject
from followup.demo.people import PRODUCTS, REP, Company, Person, build_companies

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]


@dataclass(frozen=True)
class Scenario:
    """What one demo thread is, and the task detection should give it (None: no task)."""
    kind: str
    company: str
    contact: str
    subject: str
    thread_root: str
    expected_task: str | None
    note: str


class Demo:
    def __init__(self, now: datetime, seed: int):
        self.rng = random.Random(seed)
        self.clock = Clock(now, self.rng)
        self.factory = MailFactory(self.rng)
        self.mails: list[Mail] = []
        self.threads = 0
        self.joined = 0  # header threads that ingestion joins to another (a bounce's report)
        self.scenarios: list[Scenario] = []
        self.companies = build_companies()
        self.rng.shuffle(self.companies)
        self._next = 0
        self._orders = 4100 + self.rng.randrange(500)

    # --- picking -------------------------------------------------------------------------
    def company(self) -> Company:
        """The next company in turn; the first two (dormant, anniversary) are used once only."""
        index = self._next if self._next < len(self.companies) else \
            2 + (self._next - 2) % (len(self.companies) - 2)
        self._next += 1
        return self.companies[index]

    def any_contact(self) -> Person:
        return self.rng.choice(self.rng.choice(self.companies[2:]).people)

    def contact(self, company: Company | None = None) -> Person:
        company = company or self.company()
        return self.rng.choice(company.people)

    def deal(self, contact: Person) -> dict:
        product, price, qty = self.rng.choice(PRODUCTS)
        qty = max(2, int(qty * self.rng.choice([0.5, 1, 1, 2])))
        self._orders += self.rng.randint(3, 40)
        return {"product": product, "qty": qty, "price": price, "total": f"{price * qty:,}",
                "quote": f"Q-{self._orders - 1000}", "order": f"SO-{self._orders}",
                "weekday": self.rng.choice(WEEKDAYS), "company": contact.company,
                "first": contact.first}

    def say(self, options: list[str], facts: dict) -> str:
        return self.rng.choice(options).format(**facts)

    # --- recording ------------------------------------------------------------------------
    def add(self, mail: Mail) -> Mail:
        if mail.date > self.clock.now:
            raise AssertionError(f"demo message dated after now: {mail.subject} {mail.date}")
        self.mails.append(mail)
        return mail

    def conversation(self, contact: Person, subject: str, rep: Person = REP,
                     cc: list[Person] = ()) -> "Conversation":
        self.threads += 1
        return Conversation(self, contact, subject, rep, list(cc))

    def expect(self, kind: str, convo: "Conversation", task: str | None, note: str) -> None:
        self.scenarios.append(Scenario(kind, convo.contact.company, convo.contact.email,
                                       base_subject(convo.subject), convo.mails[0].message_id,
                                       task, note))


class Conversation:
    """A thread between one contact and a rep; each write replies to the previous mail."""

    def __init__(self, demo: Demo, contact: Person, subject: str, rep: Person, cc: list[Person]):
        self.demo, self.contact, self.subject, self.rep, self.cc = demo, contact, subject, rep, cc
        self.mails: list[Mail] = []
        self.last: Mail | None = None

    def write(self, sender: Person, to: list[Person], day: date, own: str, **options) -> Mail:
        demo = self.demo
        when = demo.clock.at(day, sender.tz, after=self.last.date if self.last else None)
        subject = self.subject
        if self.last is not None:
            subject = REPLY_PREFIX[sender.client] + base_subject(self.subject)
        options.setdefault("html_part", sender.client in ("outlook", "outlook_de"))
        options.setdefault("with_references", sender.client != "outlook_de")
        cc = [p for p in self.cc + [self.rep, self.contact] if p not in to and p != sender]
        mail = demo.factory.compose(sender, to, subject, own, when, parent=self.last,
                                    cc=cc, **options)
        self.mails.append(demo.add(mail))
        self.last = mail
        return mail

    def customer(self, day: date, own: str, **options) -> Mail:
        return self.write(self.contact, [self.rep], day, own, **options)

    def rep_says(self, day: date, own: str, **options) -> Mail:
        return self.write(self.rep, [self.contact], day, own, **options)

    def away(self, facts: dict) -> Mail:
        """The contact's out-of-office answer to the last mail (not a real reply)."""
        demo, last = self.demo, self.last
        when = (last.date + timedelta(seconds=demo.rng.randint(20, 240))).astimezone(
            ZoneInfo(self.contact.tz))
        own = demo.say(P.OUT_OF_OFFICE, facts)
        mail = demo.factory.auto_reply(self.contact, last, own, when)
        self.mails.append(demo.add(mail))
        return mail


def free_weekday(demo: Demo, lo: int, hi: int) -> date:
    used = {s.note for s in demo.scenarios}
    candidates = [demo.clock.today - timedelta(days=age) for age in range(lo, hi + 1)]
    weekdays = [day for day in candidates if day.weekday() < 5] or [demo.clock.cday(lo)]
    for day in weekdays:
        if not any(f"sale {(demo.clock.today - day).days} day" in note for note in used):
            return day
    return weekdays[0]


def business_days_before(day: date, n: int) -> date:
    while n:
        day -= timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def business_days_after(day: date, n: int) -> date:
    while n:
        day += timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def fake_pdf(facts: dict) -> bytes:
    text = f"Quote {facts['quote']}: {facts['qty']} x {facts['product']} = GBP {facts['total']}"
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    return (b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
            b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
            b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]/Contents 4 0 R>>endobj\n"
            b"4 0 obj<</Length " + str(len(stream)).encode() + b">>stream\n" + stream
            + b"\nendstream endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n")
