"""How demo mail is made: the clock, client styles, and building `EmailMessage`s.

Everything random comes from the one `random.Random` passed in, drawn in a fixed order, and
every per-person constant from a hash of the address, so the same seed and `now` give the
same bytes.
"""

from __future__ import annotations

import base64
import hashlib
import html
import random
import string
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import format_datetime
from zoneinfo import ZoneInfo

from followup.demo.people import Person

UTC = timezone.utc
DAY_START, DAY_END = time(8, 30), time(17, 45)

REPLY_PREFIX = {"gmail": "Re: ", "outlook": "RE: ", "outlook_de": "AW: ", "apple": "Re: ",
                "thunderbird": "Re: "}
_PREFIXES = ("re:", "aw:", "sv:", "fwd:", "fw:", "wg:")
_DE_DAYS = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"]
_DE_MONTHS = ["Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August",
              "September", "Oktober", "November", "Dezember"]


def stable(text: str) -> int:
    """A number derived from `text` alone (not from Python's salted hash())."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "big")


def base_subject(subject: str) -> str:
    while subject.lower().startswith(_PREFIXES):
        subject = subject.split(":", 1)[1].lstrip()
    return subject


class Clock:
    """Business days and business hours relative to `now` (weekdays, counted in UTC).

    Every instant it gives lies on the asked UTC date and inside the sender's local office
    hours, so a day strictly before today is always before `now`.
    """

    def __init__(self, now: datetime, rng: random.Random):
        if now.tzinfo is None:
            raise ValueError("now must be an aware datetime")
        self.now = now.astimezone(UTC)
        self.today = self.now.date()
        self.rng = rng

    def bday(self, n: int) -> date:
        """The weekday `n` business days before today (n >= 1)."""
        day, left = self.today, n
        while left:
            day -= timedelta(days=1)
            if day.weekday() < 5:
                left -= 1
        return day

    def cday(self, n: int) -> date:
        """`n` calendar days before today, moved back to Friday when it is a weekend."""
        day = self.today - timedelta(days=n)
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        return day

    def window(self, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
        """Office hours in `zone` on `day` that also lie on UTC date `day`."""
        start = max(datetime.combine(day, DAY_START, zone), datetime.combine(day, time(0), UTC))
        end = min(datetime.combine(day, DAY_END, zone),
                  datetime.combine(day + timedelta(days=1), time(0), UTC) - timedelta(minutes=1))
        return start, end

    def at(self, day: date, tz: str, after: datetime | None = None) -> datetime:
        """A moment in office hours on `day`, later than `after`; when the day is over by
        then, the next business day before today."""
        zone = ZoneInfo(tz)
        start, end = self.window(day, zone)
        if after is not None:
            start = max(start, after + timedelta(minutes=4))
            while end - start < timedelta(minutes=30):
                later = day + timedelta(days=1)
                while later.weekday() >= 5:
                    later += timedelta(days=1)
                if later >= self.today:
                    break
                day = later
                start, end = self.window(day, zone)
                start = max(start, after + timedelta(minutes=4))
        span = int((end - start).total_seconds() // 60)
        if span > 8:
            # replies come quickly more often than not: favour the start of the window
            minutes = int(span * self.rng.random() ** 2)
            moment = start + timedelta(minutes=minutes, seconds=self.rng.randrange(60))
        else:
            moment = (after or start) + timedelta(minutes=self.rng.randint(4, 25),
                                                  seconds=self.rng.randrange(60))
        return moment.astimezone(zone)


@dataclass
class Mail:
    message: EmailMessage
    message_id: str
    sender: Person | None
    to: list[Person]
    cc: list[Person]
    subject: str
    date: datetime
    text: str
    references: list[str] = field(default_factory=list)
    envelope_from: str = ""
    in_reply_to: str | None = None


class MailFactory:
    """Builds messages the way each person's mail client would."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.boundaries = 0

    # --- identifiers -----------------------------------------------------------------------
    def message_id(self, person: Person, when: datetime) -> str:
        rng, client = self.rng, person.client
        if client == "gmail":
            chars = string.ascii_letters + string.digits + "+_-"
            local = "CA" + "".join(rng.choice(chars) for _ in range(50)) + "=" + rng.choice("QgAw")
            return f"<{local}@mail.gmail.com>"
        if client in ("outlook", "outlook_de"):
            region = "eurprd0" if client == "outlook_de" or not person.tz.startswith("America") \
                else "namprd0"
            server = f"{['AM', 'DB', 'VI', 'PA'][stable(person.email) % 4]}{stable(person.email) % 9}PR0" \
                     f"{stable(person.email) % 7 + 1}MB{stable(person.email) % 9000 + 1000}"
            local = server + "".join(rng.choice("0123456789ABCDEF") for _ in range(24))
            return f"<{local}@{server}.{region}{stable(person.domain) % 8 + 1}.prod.outlook.com>"
        unique = uuid.UUID(int=rng.getrandbits(128), version=4)
        if client == "apple":
            return f"<{str(unique).upper()}@{person.domain}>"
        if client == "thunderbird":
            return f"<{unique}@{person.domain}>"
        stamp = when.astimezone(UTC).strftime("%Y%m%d%H%M%S")
        return f"<{stamp}.{unique.hex[:12]}@{person.domain}>"

    def machine_id(self, host: str, when: datetime) -> str:
        stamp = when.astimezone(UTC).strftime("%Y%m%d%H%M%S")
        return f"<{stamp}.{self.rng.getrandbits(40):010X}@{host}>"

    # --- text --------------------------------------------------------------------------------
    @staticmethod
    def signature(person: Person) -> str:
        if person.client in ("outlook", "outlook_de"):
            return f"{person.name} | {person.title}\n{person.company}\nT: {person.phone}"
        return f"-- \n{person.name}\n{person.title}, {person.company}\n{person.phone}"

    def quote_header(self, replier: Person, parent: Mail) -> tuple[str, bool]:
        """The attribution line and whether the quoted text is `>`-prefixed."""
        when = parent.date.astimezone(ZoneInfo(replier.tz))
        who = parent.sender
        addr = f"{who.name} <{who.email}>"
        to = "; ".join(f"{p.name} <{p.email}>" for p in parent.to)
        if replier.client == "gmail":
            if replier.tz.startswith("America"):
                stamp = when.strftime("%a, %b %-d, %Y at %-I:%M %p")
                return f"On {stamp} {addr} wrote:", True
            return f"On {when.strftime('%a, %-d %b %Y at %H:%M')}, {addr} wrote:", True
        if replier.client == "apple":
            return f"On {when.strftime('%-d %b %Y, at %H:%M')}, {addr} wrote:", True
        if replier.client == "thunderbird":
            return f"On {when.strftime('%d/%m/%Y %H:%M')}, {who.name} wrote:", True
        if replier.client == "outlook_de":
            sent = (f"{_DE_DAYS[when.weekday()]}, {when.day}. {_DE_MONTHS[when.month - 1]} "
                    f"{when.year} {when.strftime('%H:%M')}")
            return ("-----Ursprüngliche Nachricht-----\n"
                    f"Von: {addr}\nGesendet: {sent}\nAn: {to}\nBetreff: {parent.subject}\n"), False
        sent = when.strftime("%A, %B %-d, %Y %-I:%M %p")
        if stable(replier.email) % 2:
            return ("-----Original Message-----\n"
                    f"From: {addr}\nSent: {sent}\nTo: {to}\nSubject: {parent.subject}\n"), False
        return ("________________________________\n"
                f"From: {addr}\nSent: {sent}\nTo: {to}\nSubject: {parent.subject}\n"), False

    def body(self, sender: Person, to: list[Person], own: str, parent: Mail | None,
             greet: bool = True) -> str:
        rng = self.rng
        lines = []
        if greet and to:
            lines.append(rng.choice(["Hi {first},", "Hello {first},", "Dear {first},",
                                     "{first},", "Hi {first}"]).format(first=to[0].first))
            lines.append("")
        lines.append(own)
        lines.append("")
        lines.append(rng.choice(["Best,", "Thanks,", "Kind regards,", "Cheers,", "Best regards,"]))
        lines.append(sender.first)
        lines.append("")
        lines.append(self.signature(sender))
        text = "\n".join(lines)
        if parent is not None:
            header, prefixed = self.quote_header(sender, parent)
            quoted = parent.text
            if prefixed:
                quoted = "\n".join(">" + (" " + line if line else "") for line in quoted.split("\n"))
            text += "\n\n" + header + "\n" + quoted
        return text + "\n"

    @staticmethod
    def as_html(text: str) -> str:
        paragraphs = []
        for line in text.split("\n"):
            paragraphs.append(html.escape(line) or "&nbsp;")
        inner = "<br>\n".join(paragraphs)
        return ("<html><head><meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">"
                f"</head><body><div style=\"font-family:Calibri,sans-serif;font-size:11pt\">\n{inner}\n"
                "</div></body></html>\n")

    # --- messages ---------------------------------------------------------------------------
    def client_headers(self, msg: EmailMessage, sender: Person, subject: str) -> None:
        if sender.client in ("outlook", "outlook_de"):
            msg["Thread-Topic"] = base_subject(subject)
            raw = self.rng.getrandbits(176).to_bytes(22, "big")
            msg["Thread-Index"] = base64.b64encode(raw).decode()
            msg["X-Mailer"] = "Microsoft Outlook 16.0"
            msg["Content-Language"] = "de-DE" if sender.client == "outlook_de" else "en-US"
        elif sender.client == "apple":
            msg["X-Mailer"] = "Apple Mail (2.3826.200.121)"
        elif sender.client == "thunderbird":
            msg["User-Agent"] = "Mozilla Thunderbird"
            msg["Content-Language"] = "en-GB"

    def finish_boundaries(self, msg: EmailMessage, sender: Person | None) -> None:
        for part in msg.walk():
            if part.get_content_maintype() == "multipart":
                self.boundaries += 1
                bits = f"{self.rng.getrandbits(64):016x}"
                client = sender.client if sender else ""
                if client == "apple":
                    part.set_boundary(f"Apple-Mail={bits.upper()}")
                elif client.startswith("outlook"):
                    part.set_boundary(f"_00{self.boundaries % 10}_{bits.upper()}_")
                else:
                    part.set_boundary(f"0000000000{bits}{self.boundaries:04d}")

    def compose(self, sender: Person, to: list[Person], subject: str, own: str, when: datetime,
                parent: Mail | None = None, cc: list[Person] = (), html_part: bool = False,
                attachment: tuple[str, str, bytes] | None = None, greet: bool = True,
                with_references: bool = True) -> Mail:
        msg = EmailMessage(policy=default_policy)
        msg["From"] = Address(sender.name, addr_spec=sender.email)
        msg["To"] = [Address(p.name, addr_spec=p.email) for p in to]
        if cc:
            msg["Cc"] = [Address(p.name, addr_spec=p.email) for p in cc]
        msg["Subject"] = subject
        msg["Date"] = format_datetime(when)
        message_id = self.message_id(sender, when)
        msg["Message-ID"] = message_id
        references: list[str] = []
        if parent is not None:
            references = (parent.references or []) + [parent.message_id]
            msg["In-Reply-To"] = parent.message_id
            if with_references:
                msg["References"] = " ".join(references)
            else:
                # Some Outlook builds send In-Reply-To alone; a child then builds its
                # References from that In-Reply-To and this message's id.
                references = [parent.message_id]
        msg["MIME-Version"] = "1.0"
        self.client_headers(msg, sender, subject)
        text = self.body(sender, to, own, parent, greet)
        msg.set_content(text)
        if html_part:
            msg.add_alternative(self.as_html(text), subtype="html")
        if attachment is not None:
            filename, ctype, data = attachment
            maintype, subtype = ctype.split("/")
            msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
        self.finish_boundaries(msg, sender)
        return Mail(msg, message_id, sender, list(to), list(cc), subject, when, text, references,
                    sender.email, parent.message_id if parent else None)

    def auto_reply(self, sender: Person, original: Mail, own: str, when: datetime) -> Mail:
        """An out-of-office answer: Auto-Submitted, threaded, no quote."""
        prefix = {"outlook": "Automatic reply: ", "outlook_de": "Automatische Antwort: "}.get(
            sender.client, "Out of Office: ")
        subject = prefix + base_subject(original.subject)
        msg = EmailMessage(policy=default_policy)
        msg["From"] = Address(sender.name, addr_spec=sender.email)
        msg["To"] = Address(original.sender.name, addr_spec=original.sender.email)
        msg["Subject"] = subject
        msg["Date"] = format_datetime(when)
        message_id = self.message_id(sender, when)
        msg["Message-ID"] = message_id
        msg["In-Reply-To"] = original.message_id
        references = original.references + [original.message_id]
        msg["References"] = " ".join(references)
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Auto-Response-Suppress"] = "All"
        if sender.client.startswith("outlook"):
            msg["X-MS-Exchange-Inbox-Rules-Loop"] = sender.email
        msg.set_content(own + "\n")
        return Mail(msg, message_id, sender, [original.sender], [], subject, when, own, references,
                    "", original.message_id)

    def bulk(self, name: str, address: str, list_id: str, to: Person, subject: str, text: str,
             when: datetime) -> Mail:
        host = address.split("@", 1)[1]
        msg = EmailMessage(policy=default_policy)
        msg["From"] = Address(name, addr_spec=address)
        msg["To"] = Address(to.name, addr_spec=to.email)
        msg["Subject"] = subject
        msg["Date"] = format_datetime(when)
        message_id = self.machine_id("mta." + host, when)
        msg["Message-ID"] = message_id
        token = f"{self.rng.getrandbits(48):012x}"
        msg["List-Id"] = f"{name} <{list_id}>"
        msg["List-Unsubscribe"] = f"<https://{host}/unsubscribe?u={token}>, <mailto:unsubscribe@{host}?subject={token}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg["Precedence"] = "bulk"
        msg["MIME-Version"] = "1.0"
        plain = (f"{text}\n\nOrder now: https://{host}/shop?utm_source=newsletter\n\n"
                 f"You receive this email because you subscribed at {host}.\n"
                 f"Unsubscribe: https://{host}/unsubscribe?u={token}\n")
        msg.set_content(plain)
        msg.add_alternative(
            f"<html><body><table width=\"600\"><tr><td><h1>{html.escape(subject)}</h1>"
            f"<p>{html.escape(text)}</p><p><a href=\"https://{host}/shop\">Order now</a></p>"
            f"<p style=\"font-size:10px\"><a href=\"https://{host}/unsubscribe?u={token}\">"
            "Unsubscribe</a></p></td></tr></table></body></html>\n", subtype="html")
        self.finish_boundaries(msg, None)
        return Mail(msg, message_id, None, [to], [], subject, when, plain, [], address)

    def notification(self, name: str, address: str, to: Person, subject: str, text: str,
                     when: datetime, auto_generated: bool) -> Mail:
        msg = EmailMessage(policy=default_policy)
        msg["From"] = Address(name, addr_spec=address)
        msg["To"] = Address(to.name, addr_spec=to.email)
        msg["Subject"] = subject
        msg["Date"] = format_datetime(when)
        message_id = self.machine_id(address.split("@", 1)[1], when)
        msg["Message-ID"] = message_id
        if auto_generated:
            msg["Auto-Submitted"] = "auto-generated"
        msg.set_content(text + "\n")
        return Mail(msg, message_id, None, [to], [], subject, when, text, [], address)

    def bounce(self, original: Mail, when: datetime, mta: str = "mx1.example.com") -> Mail:
        """A Postfix-style non-delivery report for `original` (multipart/report)."""
        rcpt = original.to[0].email
        msg = EmailMessage(policy=default_policy)
        msg["From"] = f"Mail Delivery System <MAILER-DAEMON@{mta}>"
        msg["To"] = Address(original.sender.name, addr_spec=original.sender.email)
        msg["Subject"] = "Undelivered Mail Returned to Sender"
        msg["Date"] = format_datetime(when)
        message_id = self.machine_id(mta, when)
        msg["Message-ID"] = message_id
        msg["Auto-Submitted"] = "auto-replied"
        msg["X-Failed-Recipients"] = rcpt
        msg["MIME-Version"] = "1.0"
        msg.set_type("multipart/report")
        msg.set_param("report-type", "delivery-status")
        notice = EmailMessage(policy=default_policy)
        notice.set_content(
            f"This is the mail system at host {mta}.\n\nI'm sorry to have to inform you that your "
            "message could not\nbe delivered to one or more recipients.\n\n"
            f"<{rcpt}>: host mx.{rcpt.split('@')[1]} said: 550 5.1.1 <{rcpt}>: "
            "Recipient address rejected: User unknown\n")
        notice["Content-Description"] = "Notification"
        status = EmailMessage(policy=default_policy)
        per_message = EmailMessage(policy=default_policy)
        per_message["Reporting-MTA"] = f"dns; {mta}"
        per_message["Arrival-Date"] = format_datetime(original.date)
        per_recipient = EmailMessage(policy=default_policy)
        per_recipient["Final-Recipient"] = f"rfc822; {rcpt}"
        per_recipient["Action"] = "failed"
        per_recipient["Status"] = "5.1.1"
        per_recipient["Diagnostic-Code"] = f"smtp; 550 5.1.1 <{rcpt}>: User unknown"
        status["Content-Type"] = "message/delivery-status"
        status["Content-Description"] = "Delivery report"
        status.set_payload([per_message, per_recipient])
        headers = EmailMessage(policy=default_policy)
        headers["Content-Type"] = "text/rfc822-headers"
        headers["Content-Description"] = "Undelivered Message Headers"
        headers.set_payload("".join(f"{k}: {v}\n" for k, v in original.message.items()))
        msg.set_payload([notice, status, headers])
        self.finish_boundaries(msg, None)
        return Mail(msg, message_id, None, [original.sender], [], msg["Subject"], when,
                    notice.get_content(), [], "MAILER-DAEMON")
