"""Mail a rep really gets, synced from the real Dovecot (issue #16): a web-form lead, from a
no-reply address with the prospect in Reply-To, opens needs_reply for the prospect and the
rep's reply to them closes it; a promotion without List-* headers is bulk and opens nothing.
"""

from __future__ import annotations

import datetime as dt
from email.message import EmailMessage
from email.utils import format_datetime

from sqlmodel import select

from followup.db.models import Contact, FollowUpTask, Message
from followup.db.session import session_scope
from followup.domain.vocabulary import TaskKind, TaskStatus
from tests.integration.mailboxes import NOW, OWNER_PASSWORD, REP, mail, make_account, run_sync
from tests.web_client import WebClient, make_app

PROSPECT = "dana.wu@acme-tools.example"


def form_notification(when: dt.datetime) -> bytes:
    msg = EmailMessage()
    msg["From"] = "Website contact form <noreply@webforms.example>"
    msg["Reply-To"] = f"Dana Wu <{PROSPECT}>"
    msg["To"], msg["Subject"], msg["Date"] = REP, "New contact form submission", format_datetime(when)
    msg["Message-ID"] = "<form-1@webforms.example>"
    msg.set_content("You have a new message from your website's contact form.\n\n"
                    f"Name: Dana Wu\nEmail: {PROSPECT}\nCompany: Acme Tools\n"
                    "Message: Hello, could you send us a quote for 200 pallet racks? "
                    "We need them by the end of the month.\n")
    return msg.as_bytes().replace(b"\n", b"\r\n")


def promotion(when: dt.datetime) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"] = "Crate Deals <hello@cratedeals.example>", REP
    msg["Subject"], msg["Date"] = "Summer sale: 40% off all crates", format_datetime(when)
    msg["Message-ID"] = "<promo-26@cratedeals.example>"
    text = ("View this email in your browser\n\nWhy pay full price? Get 40% off all crates this week.\n\n"
            "Shop now: https://cratedeals.example/shop\n\nCrate Deals Ltd, 1 High Street, London\n"
            "Unsubscribe | Manage preferences\n")
    msg.set_content(text)
    msg.add_alternative("<html><body><p>Why pay full price? Get 40% off all crates this week.</p>"
                        '<img src="https://t.cratedeals.example/o/9f3a.gif" width="1" height="1" alt="">'
                        "</body></html>\n", subtype="html")
    return msg.as_bytes().replace(b"\n", b"\r\n")


def test_a_synced_web_form_lead_waits_on_the_prospect_until_the_rep_replies(runtime, imap_user):
    asked = NOW - dt.timedelta(days=4)
    imap_user.append("INBOX", form_notification(asked), msg_time=asked)
    imap_user.append("INBOX", promotion(asked), msg_time=asked)
    account_id = make_account(runtime, imap_user)

    run_sync(runtime, account_id)

    with session_scope(runtime.engine) as session:
        stored = {m.message_id_header: m for m in session.exec(select(Message).where(Message.account_id == account_id))}
        lead, promo = stored["form-1@webforms.example"], stored["promo-26@cratedeals.example"]
        assert lead.reply_to_addr == PROSPECT and lead.is_noreply and not lead.is_bulk
        assert promo.is_bulk
        contacts = {c.email: c for c in session.exec(select(Contact).where(Contact.account_id == account_id))}
        assert set(contacts) == {PROSPECT}  # neither the form's sender nor the shop
        assert contacts[PROSPECT].name == "Dana Wu"
        [task] = session.exec(select(FollowUpTask).where(FollowUpTask.account_id == account_id)).all()
        assert task.kind == TaskKind.NEEDS_REPLY and task.status == TaskStatus.OPEN
        assert task.contact_id == contacts[PROSPECT].id
        assert "Dana Wu" in task.nudge and "noreply" not in task.nudge + task.reason
        assert PROSPECT in task.reason
    # The follow-ups list shows the prospect, by name and address, not the form's sender.
    client = WebClient(make_app(runtime, FOLLOWUP_NOW=NOW).test_client())
    client.login("owner@example.com", OWNER_PASSWORD)
    page = client.get("/").get_data(as_text=True)
    assert '<span class="contact"><bdi>Dana Wu</bdi></span>' in page
    assert f'<span class="addr"><bdi>{PROSPECT}</bdi></span>' in page
    assert "noreply@webforms.example" not in page and "Website contact form" not in page
    assert "Crate Deals" not in page and "Why pay full price" not in page

    replied = NOW - dt.timedelta(days=3)
    imap_user.append("Sent", mail(frm=f"Rep <{REP}>", to=f"Dana Wu <{PROSPECT}>",
                                  subject="Re: New contact form submission", when=replied,
                                  msgid="reply-1@example.com", in_reply_to="form-1@webforms.example",
                                  body="Hi Dana,\n\nthe quote for 200 pallet racks is attached.\n"),
                     msg_time=replied)
    run_sync(runtime, account_id)

    with session_scope(runtime.engine) as session:
        task = session.exec(select(FollowUpTask).where(FollowUpTask.account_id == account_id,
                                                       FollowUpTask.kind == TaskKind.NEEDS_REPLY)).one()
        assert task.status == TaskStatus.RESOLVED
        reply = session.exec(select(Message).where(Message.message_id_header == "reply-1@example.com")).one()
        assert reply.thread_id == stored["form-1@webforms.example"].thread_id
