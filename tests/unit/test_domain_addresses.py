"""What an address says on its own, in one place: the sync and the rules agree on it."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from followup.domain.addresses import company_from_domain, form_sender, is_noreply_address
from followup.domain.rules.views import DetectionSettings, MessageView, ThreadView
from followup.domain.rules.thread import detect_thread
from followup.domain.vocabulary import Direction, Label, TaskKind
from inbox_sync.parse import parse_message
from inbox_sync.participants import AccountIdentity

MON = datetime(2026, 3, 2, 10, tzinfo=timezone.utc)
ME = "rep@seller.com"


def nudge_for(contact: str) -> str:
    asked = MessageView(id=1, sent_at=MON - timedelta(days=3), direction=Direction.INBOUND, from_addr=contact,
                        from_name="Dana Wu", to_addrs=(ME,), text="Can you quote 200 units?", label=Label.INQUIRY)
    answered = MessageView(id=2, sent_at=MON, direction=Direction.OUTBOUND, from_addr=ME, from_name="Rep",
                           to_addrs=(contact,), text="Could you confirm the quote?")
    thread = ThreadView(id=42, subject="Quote for 200 units", messages=(asked, answered))
    settings = DetectionSettings(own_addresses=frozenset({ME}), internal_domains=frozenset({"seller.com"}))
    [task] = [p for p in detect_thread(thread, settings, MON + timedelta(days=7)).proposals
              if p.kind == TaskKind.AWAITING_REPLY]
    return task.nudge


def test_a_free_mail_address_has_no_company_in_the_nudge_either():
    assert company_from_domain("dana@yahoo.fr") == ""
    assert nudge_for("dana@yahoo.fr") == "No reply in 5 business days — Dana Wu, 'Quote for 200 units'"
    assert nudge_for("dana@acme-tools.co.uk") == "No reply in 5 business days — Dana Wu (Acme Tools), 'Quote for 200 units'"


def test_a_free_mail_domain_is_never_internal():
    identity = AccountIdentity.of(type("Account", (), {"addresses": ["me@yahoo.fr"], "internal_domains": []}))
    assert not identity.is_internal("dana@yahoo.fr")


@pytest.mark.parametrize("sender", [
    "no-reply@shop.example", "noreply@bank.example", "do-not-reply@x.example", "mailer-daemon@mx.example",
    "postmaster@x.example", "newsletter+eu@brand.example", "notifications@github.com", "auto-confirm@amazon.com",
])
def test_automated_senders_are_no_reply_for_the_sync_and_the_rules(sender):
    assert is_noreply_address(sender)
    raw = f"From: {sender}\r\nTo: {ME}\r\nSubject: Your order\r\n\r\nHello\r\n".encode()
    assert parse_message(raw).kinds.is_noreply


@pytest.mark.parametrize("sender", ["dana@acme.com", "newton@physics.example", "replyto@x.example"])
def test_people_are_not_no_reply(sender):
    assert not is_noreply_address(sender)



@pytest.mark.parametrize("sender", [
    "noreply@webforms.example", "forms@acme-site.example", "wordpress@seller.com",
    "notifications@typeform.io", "noreply@jotform.com", "noreply@notifications.hubspot.com",
    "no-reply-forms@webflow.com", "no-reply@crm.wix.com", "contact-form@seller.com",
])
def test_a_form_notification_is_from_the_person_in_reply_to(sender):
    assert form_sender(sender, "Dana.Wu@Acme-Tools.example") == "dana.wu@acme-tools.example"


@pytest.mark.parametrize(("sender", "reply_to"), [
    ("dana@acme.com", "dana.private@gmail.com"),  # a person's own mail, replies elsewhere
    ("noreply@shop.example", "help@shop.example"),  # the shop's own help desk: no lead
    ("noreply@webforms.example", "no-reply@other.example"),  # an automated Reply-To
    ("noreply@webforms.example", ""),  # no Reply-To at all
    ("noreply@webforms.example", "not an address"),
])
def test_other_mail_with_a_reply_to_has_no_form_sender(sender, reply_to):
    assert form_sender(sender, reply_to) is None
