"""Web-form leads (issue #16): a contact-form notification comes from a no-reply or form
address with the prospect in Reply-To. The rules read it as the prospect's own mail."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from followup.domain.rules.thread import detect_thread
from followup.domain.rules.views import ContactView, DetectionSettings, MessageView, ThreadView
from followup.domain.vocabulary import Direction, Label, TaskKind, TaskStatus

ME = "rep@seller.com"
DANA = "dana.wu@acme-tools.example"
FORM = "noreply@webforms.example"
MON = datetime(2026, 3, 2, 10, tzinfo=timezone.utc)
SETTINGS = DetectionSettings(own_addresses=frozenset({ME}), internal_domains=frozenset({"seller.com"}))
CONTACTS = {DANA: ContactView(id=7, email=DANA, name="Dana Wu", company="Acme Tools")}


def form_notification(reply_to: str = DANA, label: str | None = Label.OTHER) -> MessageView:
    view = MessageView(id=1, sent_at=MON, direction=Direction.INBOUND, from_addr=FORM,
                       from_name="Website contact form", to_addrs=(ME,), subject="New contact form submission",
                       text="Name: Dana Wu\nEmail: dana.wu@acme-tools.example\n"
                            "Message: Could you send us a quote for 200 pallets?",
                       label=label, needs_reply=True, is_noreply=True)
    return view.with_reply_to(reply_to)


def detect(*messages: MessageView, now: datetime):
    thread = ThreadView(id=42, subject="New contact form submission", messages=messages)
    return detect_thread(thread, SETTINGS, now, contacts=CONTACTS)


def test_a_form_lead_opens_needs_reply_for_the_person_in_reply_to():
    [task] = detect(form_notification(), now=MON + timedelta(days=2)).proposals
    assert task.kind == TaskKind.NEEDS_REPLY
    assert (task.contact_email, task.contact_name) == (DANA, "Dana Wu")
    assert task.nudge == ("A prospect is waiting since Mon 2 Mar — Dana Wu (Acme Tools), "
                          "'New contact form submission'")
    assert "noreply" not in task.reason and "noreply" not in task.nudge
    # The classifier read the form's wrapping text as `other`: a contact form is an inquiry.
    assert "thread labelled inquiry" in task.reason


def test_a_complaint_through_the_contact_form_stays_a_complaint():
    [task] = detect(form_notification(label=Label.COMPLAINT), now=MON + timedelta(days=2)).proposals
    assert task.kind == TaskKind.COMPLAINT and task.contact_email == DANA


def test_the_reps_reply_to_the_prospect_answers_the_form_lead():
    reply = MessageView(id=2, sent_at=MON + timedelta(hours=3), direction=Direction.OUTBOUND, from_addr=ME,
                        from_name="Rep", to_addrs=(DANA,), subject="Re: New contact form submission",
                        text="Hi Dana, the quote is attached.", needs_reply=False)
    result = detect(form_notification(), reply, now=MON + timedelta(days=2))
    assert not [p for p in result.proposals if p.kind == TaskKind.NEEDS_REPLY]
    [closed] = [c for c in result.closures if c.key == "needs_reply:thread:42"]
    assert closed.status == TaskStatus.RESOLVED and closed.reason.startswith("answered by you")


def test_a_no_reply_mail_answered_to_its_own_help_desk_stays_ignored():
    view = form_notification(reply_to="help@webforms.example")
    assert view.from_addr == FORM and view.is_noreply
    assert detect(view, now=MON + timedelta(days=2)).proposals == []
