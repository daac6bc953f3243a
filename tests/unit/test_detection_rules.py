"""Scenario tests of the pure follow-up rules, each with an explicit `now`."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta, timezone

import pytest

from followup.domain.addresses import company_from_domain
from followup.domain.away import return_date
from followup.domain.vocabulary import Direction, Label, TaskKind, TaskStatus
from followup.domain.rules.views import ContactView, DetectionSettings, MessageView, ThreadView
from followup.domain.rules.contact import detect_contact
from followup.domain.rules.thread import detect_thread
from followup.domain.rules.text import is_closing

UTC = timezone.utc
ME = "rep@seller.com"
DANA = "dana@acme.com"
_ids = itertools.count(1)


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def settings(**overrides) -> DetectionSettings:
    values = dict(own_addresses=frozenset({ME}), internal_domains=frozenset({"seller.com"}))
    values.update(overrides)
    return DetectionSettings(**values)


def out(at: datetime, text: str = "Could you confirm the quote?", to=(DANA,), **kw) -> MessageView:
    return MessageView(id=next(_ids), sent_at=at, direction=Direction.OUTBOUND, from_addr=ME,
                       from_name="Rep", to_addrs=tuple(to), text=text, **kw)


def inn(at: datetime, text: str = "Sounds good.", sender: str = DANA, name: str = "Dana Wu", **kw) -> MessageView:
    return MessageView(id=next(_ids), sent_at=at, direction=Direction.INBOUND, from_addr=sender,
                       from_name=name, to_addrs=(ME,), text=text, **kw)


def order(at: datetime) -> MessageView:
    """The customer's order: what makes the rep's confirmation a sale."""
    return inn(at, "We'll take 200 units.", label=Label.SALE, needs_reply=False)


def thread(*messages: MessageView, subject: str = "Quote for 200 units", muted: bool = False, tid: int = 42) -> ThreadView:
    return ThreadView(id=tid, subject=subject, messages=tuple(messages), muted=muted)


def run(t: ThreadView, now: datetime, s: DetectionSettings | None = None, **kw):
    return detect_thread(t, s or settings(), now, **kw)


def kinds(result) -> dict[str, object]:
    return {p.kind: p for p in result.proposals}


def closure(result, kind: TaskKind):
    return next((c for c in result.closures if c.key == f"{kind}:thread:42"), None)


MON = utc(2026, 3, 2, 10)  # Monday 2 March 2026, 10:00 UTC


# ------------------------------------------------------------------- awaiting_reply


def test_awaiting_reply_after_exactly_five_business_days():
    t = thread(inn(MON - timedelta(days=3), "Can you quote 200 units?", label=Label.INQUIRY), out(MON))
    assert TaskKind.AWAITING_REPLY not in kinds(run(t, utc(2026, 3, 9, 9, 59)))
    task = kinds(run(t, utc(2026, 3, 9, 10)))[TaskKind.AWAITING_REPLY]
    assert task.nudge == "No reply in 5 business days — Dana Wu (Acme), 'Quote for 200 units'"
    assert task.key == "awaiting_reply:thread:42"
    assert task.due_at == utc(2026, 3, 9, 10)
    assert task.nudge_count == 1
    assert task.contact_email == DANA
    assert task.trigger_message_id == t.messages[-1].id


def test_awaiting_reply_not_before_due_and_recheck_at_due():
    t = thread(out(MON))
    result = run(t, utc(2026, 3, 6, 12))
    assert not result.proposals
    assert result.recheck_at == utc(2026, 3, 9, 10)


def test_weekend_does_not_count():
    friday = utc(2026, 3, 6, 10)
    t = thread(out(friday))
    assert not run(t, utc(2026, 3, 12, 12)).proposals  # Thursday: 4 business days
    assert kinds(run(t, utc(2026, 3, 13, 10)))[TaskKind.AWAITING_REPLY]


def test_a_mail_that_asks_nothing_outside_an_inquiry_waits_for_nothing():
    t = thread(out(MON, "Here is the brochure we talked about.", needs_reply=False))
    assert not run(t, MON + timedelta(days=30)).proposals


def test_open_inquiry_waits_even_when_the_mail_asks_nothing():
    t = thread(inn(MON - timedelta(days=1), "We need 200 units, what would that cost?", label=Label.INQUIRY),
               out(MON, "Attached is our quote.", needs_reply=False, label=Label.INQUIRY))
    task = kinds(run(t, utc(2026, 3, 9, 10)))[TaskKind.AWAITING_REPLY]
    assert "open inquiry" in task.reason
    assert task.priority > 40


def test_second_and_third_nudge_then_expiry():
    t = thread(out(MON))
    first = kinds(run(t, utc(2026, 3, 9, 10)))[TaskKind.AWAITING_REPLY]
    second = kinds(run(t, utc(2026, 3, 16, 10)))[TaskKind.AWAITING_REPLY]
    third = kinds(run(t, utc(2026, 3, 27, 10)))[TaskKind.AWAITING_REPLY]
    assert (first.nudge_count, second.nudge_count, third.nudge_count) == (1, 2, 3)
    assert second.due_at == utc(2026, 3, 16, 10)
    assert "reminder 2 of 3" in second.nudge
    assert second.priority > first.priority
    assert second.trigger_message_id == first.trigger_message_id  # same wait, not a new trigger
    expired = run(t, utc(2026, 3, 30, 10))  # 20 business days
    assert not expired.proposals
    assert closure(expired, TaskKind.AWAITING_REPLY).status == TaskStatus.EXPIRED


def test_max_nudges_is_configurable():
    t = thread(out(MON))
    s = settings(max_nudges=1)
    assert kinds(run(t, utc(2026, 3, 13, 10), s))[TaskKind.AWAITING_REPLY].nudge_count == 1
    assert closure(run(t, utc(2026, 3, 16, 10), s), TaskKind.AWAITING_REPLY).status == TaskStatus.EXPIRED


def test_a_reply_resolves():
    reply = inn(MON + timedelta(days=3), "Yes, confirmed.", needs_reply=False)
    result = run(thread(out(MON), reply), utc(2026, 3, 9, 10))
    assert TaskKind.AWAITING_REPLY not in kinds(result)
    c = closure(result, TaskKind.AWAITING_REPLY)
    assert c.status == TaskStatus.RESOLVED and c.message_id == reply.id
    assert "Dana Wu (Acme) replied" in c.reason


def test_an_out_of_office_is_not_a_reply():
    ooo = inn(MON + timedelta(hours=1), "I am out of the office until 5 March.", is_auto_reply=True)
    task = kinds(run(thread(out(MON), ooo), utc(2026, 3, 9, 10)))[TaskKind.AWAITING_REPLY]
    assert "away" in task.nudge
    assert task.nudge.startswith("No reply in 5 business days — Dana Wu (Acme)")
    assert "out-of-office" in task.reason


def test_the_users_second_mail_keeps_the_wait_and_moves_the_clock():
    first = out(MON)
    reminder = out(utc(2026, 3, 4, 16), "Just checking in: any news on the quote?")
    t = thread(first, reminder)
    result = run(t, utc(2026, 3, 9, 10))  # 5 days after the first, 3 after the reminder
    assert TaskKind.AWAITING_REPLY not in kinds(result)
    assert "the wait starts over" in closure(result, TaskKind.AWAITING_REPLY).reason
    task = kinds(run(t, utc(2026, 3, 11, 16)))[TaskKind.AWAITING_REPLY]
    assert task.trigger_message_id == reminder.id
    assert task.due_at == utc(2026, 3, 11, 16)


def test_a_copy_of_the_users_mail_is_never_the_contacts_reply():
    sent = out(MON)
    # The same mail seen again in the inbox (BCC to self), and another copy with the same Message-ID.
    copy_in_inbox = MessageView(id=next(_ids), sent_at=MON + timedelta(minutes=1), direction=Direction.INBOUND,
                                from_addr=ME.upper(), to_addrs=(DANA,), text=sent.text)
    task = kinds(run(thread(sent, copy_in_inbox), utc(2026, 3, 9, 10, 1)))[TaskKind.AWAITING_REPLY]
    assert task.trigger_message_id == copy_in_inbox.id
    a = out(MON, message_id_header="abc@seller.com")
    b = out(MON, message_id_header="abc@seller.com")
    assert kinds(run(thread(a, b), utc(2026, 3, 9, 10)))[TaskKind.AWAITING_REPLY]


def test_a_closing_message_from_the_user_closes_the_loop():
    t = thread(inn(MON - timedelta(days=1), "Can you quote 200 units?", label=Label.INQUIRY),
               out(MON - timedelta(hours=20), "Sure: 12 EUR each.", label=Label.INQUIRY),
               inn(MON - timedelta(hours=2), "Great, we'll think about it.", needs_reply=False),
               out(MON, "Thanks, all sorted then!"))
    result = run(t, MON + timedelta(days=20))
    assert not result.proposals
    assert "closing" in closure(result, TaskKind.AWAITING_REPLY).reason


def test_time_zone_of_the_user():
    # Sent Friday 23:30 in Tokyo (14:30 UTC): five Tokyo business days later is the next
    # Friday 23:30 Tokyo = Friday 14:30 UTC.
    sent = utc(2026, 3, 6, 14, 30)
    tokyo = settings(timezone="Asia/Tokyo")
    t = thread(out(sent))
    assert not run(t, utc(2026, 3, 13, 14, 29), tokyo).proposals
    assert run(t, utc(2026, 3, 13, 14, 30), tokyo).proposals
    # Los Angeles: the same instant is Friday 06:30; also due Friday 06:30 local = 13:30 UTC (PDT).
    la = settings(timezone="America/Los_Angeles")
    assert run(t, utc(2026, 3, 13, 13, 30), la).proposals
    assert not run(t, utc(2026, 3, 13, 13, 29), la).proposals


def test_dst_change_in_between():
    # Berlin: DST starts Sun 29 Mar 2026. Friday 27 Mar 10:00 CET = 09:00 UTC.
    berlin = settings(timezone="Europe/Berlin")
    t = thread(out(utc(2026, 3, 27, 9)))
    due = utc(2026, 4, 3, 8)  # Friday 3 Apr 10:00 CEST
    assert not run(t, due - timedelta(minutes=1), berlin).proposals
    assert kinds(run(t, due, berlin))[TaskKind.AWAITING_REPLY].due_at == due


def test_a_holiday_in_between():
    # Good Friday and Easter Monday are German holidays.
    de = settings(timezone="Europe/Berlin", holiday_country="DE")
    t = thread(out(utc(2026, 3, 27, 9)))
    assert not run(t, utc(2026, 4, 3, 8), de).proposals
    assert not run(t, utc(2026, 4, 7, 7, 59), de).proposals
    assert kinds(run(t, utc(2026, 4, 7, 8), de))[TaskKind.AWAITING_REPLY].due_at == utc(2026, 4, 7, 8)


def test_a_thread_that_arrives_out_of_order():
    reply = inn(MON + timedelta(days=2), "Yes, please ship.", needs_reply=False)
    shuffled = thread(reply, out(MON), inn(MON - timedelta(days=1), "Can you quote?", label=Label.INQUIRY))
    result = run(shuffled, utc(2026, 3, 16, 10))
    assert not result.proposals
    assert closure(result, TaskKind.AWAITING_REPLY).message_id == reply.id


def test_mail_dated_after_now_is_not_seen_yet():
    reply = inn(MON + timedelta(days=10), "Yes.", needs_reply=False)
    result = run(thread(out(MON), reply), utc(2026, 3, 9, 10))
    assert kinds(result)[TaskKind.AWAITING_REPLY]
    assert result.recheck_at == reply.sent_at


# ---------------------------------------------------------------------- needs_reply


def test_needs_reply_after_one_business_day():
    ask = inn(MON, "Could you send the datasheet?", needs_reply=True)
    t = thread(ask)
    assert not run(t, utc(2026, 3, 3, 9, 59)).proposals
    task = kinds(run(t, utc(2026, 3, 3, 10)))[TaskKind.NEEDS_REPLY]
    assert task.nudge == "Waiting for your reply since Mon 2 Mar — Dana Wu (Acme), 'Quote for 200 units'"
    assert task.trigger_message_id == ask.id
    assert task.contact_email == DANA


def test_needs_reply_from_saturday_gives_all_of_monday():
    t = thread(inn(utc(2026, 3, 7, 15), "Can you call me?"))
    assert not run(t, utc(2026, 3, 9, 23, 59)).proposals
    assert run(t, utc(2026, 3, 10, 0)).proposals


def test_needs_reply_in_the_users_time_zone():
    # Monday 02:00 UTC is still Sunday evening in Los Angeles: there, counting starts on
    # Monday and the answer is due Tuesday 00:00 PDT (07:00 UTC), not Tuesday 02:00 UTC.
    t = thread(inn(utc(2026, 3, 9, 2), "Can you call me?"))
    la = settings(timezone="America/Los_Angeles")
    assert run(t, utc(2026, 3, 10, 3), settings()).proposals
    assert not run(t, utc(2026, 3, 10, 6, 59), la).proposals
    assert kinds(run(t, utc(2026, 3, 10, 7), la))[TaskKind.NEEDS_REPLY].due_at == utc(2026, 3, 10, 7)
    # Friday 20:00 UTC is already Saturday in Tokyo: due Tuesday 00:00 Tokyo (Mon 15:00 UTC).
    t = thread(inn(utc(2026, 3, 6, 20), "Can you call me?"))
    tokyo = settings(timezone="Asia/Tokyo")
    assert kinds(run(t, utc(2026, 3, 9, 15), tokyo))[TaskKind.NEEDS_REPLY].due_at == utc(2026, 3, 9, 15)


def test_inquiries_rank_first():
    inquiry = thread(inn(MON, "What would 200 units cost?", label=Label.INQUIRY, needs_reply=True), tid=1)
    other = thread(inn(MON, "Can we move our call?", label=Label.OTHER, needs_reply=True), tid=2)
    now = utc(2026, 3, 4, 10)
    a = kinds(run(inquiry, now))[TaskKind.NEEDS_REPLY]
    b = kinds(run(other, now))[TaskKind.NEEDS_REPLY]
    assert a.priority > b.priority
    assert a.nudge.startswith("A prospect is waiting since Mon 2 Mar")


def test_the_clock_runs_from_the_first_unanswered_question():
    first = inn(MON, "Can you quote?", needs_reply=True)
    again = inn(MON + timedelta(days=1), "Any news?", needs_reply=True)
    task = kinds(run(thread(first, again), utc(2026, 3, 3, 10)))[TaskKind.NEEDS_REPLY]
    assert task.due_at == utc(2026, 3, 3, 10)
    assert task.trigger_message_id == again.id  # the latest question: a new one is a new trigger


def test_needs_reply_resolved_by_the_users_answer():
    result = run(thread(inn(MON, "Can you quote?"), out(MON + timedelta(hours=3), "Yes: 12 EUR each.",
                                                          needs_reply=False)), MON + timedelta(days=2))
    assert not result.proposals
    assert closure(result, TaskKind.NEEDS_REPLY).status == TaskStatus.RESOLVED


def test_a_colleague_answering_the_customer_counts():
    colleague = MessageView(id=next(_ids), sent_at=MON + timedelta(hours=2), from_addr="kim@seller.com",
                            from_name="Kim", to_addrs=(DANA,), cc_addrs=(ME,), text="I'll handle this.")
    result = run(thread(inn(MON, "Can you quote?"), colleague), MON + timedelta(days=3))
    assert not result.proposals


def test_a_closing_message_from_the_contact_needs_no_reply():
    t = thread(out(MON - timedelta(days=1), "Is the delivery ok?"), inn(MON, "Thanks, all sorted!"))
    result = run(t, MON + timedelta(days=10))
    assert not result.proposals
    assert "closing" in closure(result, TaskKind.NEEDS_REPLY).reason


def test_mail_to_a_colleague_with_the_user_in_cc_is_theirs_to_answer():
    to_kim = MessageView(id=next(_ids), sent_at=MON, from_addr=DANA, from_name="Dana Wu",
                         to_addrs=("kim@seller.com",), cc_addrs=(ME,), text="Can you quote?")
    assert not run(thread(to_kim), MON + timedelta(days=3)).proposals
    to_both = MessageView(id=next(_ids), sent_at=MON, from_addr=DANA, from_name="Dana Wu",
                          to_addrs=("kim@seller.com", ME), text="Can you quote?")
    assert run(thread(to_both), MON + timedelta(days=3)).proposals


def test_a_message_asking_nothing_needs_no_reply():
    assert not run(thread(inn(MON, "FYI, the truck left.", needs_reply=False)), MON + timedelta(days=5)).proposals


# ------------------------------------------------------------------ crying wolf


def test_newsletters_bounces_and_noreply_senders_never():
    news = inn(MON, "Big sale! Would you like 20% off?", sender="news@shop.com", is_bulk=True)
    bounce = inn(MON, "Delivery failed. Can you check the address?", sender="mailer-daemon@seller.com",
                 is_bounce=True)
    noreply = inn(MON, "Can you rate your order?", sender="no-reply@shop.com")
    flagged = inn(MON, "Can you rate your order?", sender="orders@shop.com", is_noreply=True)
    for m in (news, bounce, noreply, flagged):
        assert not run(thread(m), MON + timedelta(days=30)).proposals
    # Replying to a newsletter does not start a wait for its sender.
    assert not run(thread(news, out(MON + timedelta(hours=1), "Can you unsubscribe me?", to=("news@shop.com",))),
                   MON + timedelta(days=30)).proposals


def test_internal_only_threads_never():
    t = thread(MessageView(id=next(_ids), sent_at=MON, from_addr="kim@seller.com", to_addrs=(ME,),
                           text="Can you review the deck?"),
               out(MON + timedelta(hours=1), "Can you send v2?", to=("kim@seller.com",)))
    assert not run(t, MON + timedelta(days=30)).proposals


def test_muted_threads_never_and_close_what_is_open():
    result = run(thread(inn(MON, "Can you quote?"), muted=True), MON + timedelta(days=5))
    assert not result.proposals
    assert {c.status for c in result.closures} == {TaskStatus.DISMISSED}
    assert len(result.closures) == 6  # one per thread kind


def test_ignored_senders_and_domains_never():
    t = thread(inn(MON, "Can you quote?"))
    assert not run(t, MON + timedelta(days=5), settings(ignore_patterns=frozenset({"acme.com"}))).proposals
    assert not run(t, MON + timedelta(days=5), settings(ignore_patterns=frozenset({DANA}))).proposals
    assert run(t, MON + timedelta(days=5), settings(ignore_patterns=frozenset({"other.com"}))).proposals


def test_closing_detection():
    def m(text, **kw):
        return MessageView(id=1, sent_at=MON, text=text, **kw)
    assert is_closing(m("Thanks, all sorted."))
    assert is_closing(m("Perfect, thank you!"))
    assert is_closing(m("Works now, no further questions."))
    assert is_closing(m("Hi Alex, Just wanted to say thank you - the delivery was on time and the team is happy "
                        "with the TX-400 printer.", needs_reply=True))
    assert not is_closing(m("Thanks! Can you also send the invoice?"))
    assert is_closing(m("Hi Alex, Thanks, all sorted now.", needs_reply=True))  # the phrase outweighs the model
    assert not is_closing(m("Thanks!", needs_reply=True))
    assert not is_closing(m("Thanks, all sorted.", label=Label.COMPLAINT))
    assert not is_closing(m("Thanks for the quote, we will decide next week and come back with the numbers for "
                            "the second site as well as the shipping details for the warehouse."))


# ------------------------------------------------------------------ post-sale check-in


def test_post_sale_checkin_due_two_days_after_and_expiring_after_seven():
    sale = out(MON, "Order confirmed, invoice attached.", label=Label.SALE, needs_reply=False)
    t = thread(inn(MON - timedelta(days=2), "We'll take 200 units.", label=Label.SALE), sale)
    task = kinds(run(t, MON + timedelta(hours=1)))[TaskKind.POST_SALE_CHECKIN]
    assert task.due_at == MON + timedelta(days=2)
    assert task.expires_at == MON + timedelta(days=7)
    assert task.nudge_count == 0
    assert task.nudge.startswith("Sale closed Mon 2 Mar — ask Dana Wu (Acme) how it went")
    later = kinds(run(t, MON + timedelta(days=3)))
    assert later[TaskKind.POST_SALE_CHECKIN].nudge_count == 1
    assert TaskKind.AWAITING_REPLY not in later  # one nudge per thread: the check-in covers it
    expired = run(t, MON + timedelta(days=7))
    assert closure(expired, TaskKind.POST_SALE_CHECKIN).status == TaskStatus.EXPIRED


def test_post_sale_checkin_due_on_a_weekend_moves_to_monday():
    thursday = utc(2026, 3, 5, 15)
    task = kinds(run(thread(order(thursday - timedelta(hours=2)),
                            out(thursday, "Deal signed.", label=Label.SALE, needs_reply=False)),
                     thursday))[TaskKind.POST_SALE_CHECKIN]
    assert task.due_at == utc(2026, 3, 9, 0)


def test_no_checkin_when_the_customer_wrote_after_the_sale():
    t = thread(order(MON - timedelta(hours=2)), out(MON, "Deal signed.", label=Label.SALE, needs_reply=False),
               inn(MON + timedelta(days=1), "Received, thanks!"))
    result = run(t, MON + timedelta(days=3))
    assert TaskKind.POST_SALE_CHECKIN not in kinds(result)
    assert "wrote after the sale" in closure(result, TaskKind.POST_SALE_CHECKIN).reason


def test_checkin_done_when_the_user_checked_in():
    t = thread(order(MON - timedelta(hours=2)), out(MON, "Deal signed.", label=Label.SALE, needs_reply=False),
               out(MON + timedelta(days=3), "How is it going with the new units?"))
    result = run(t, MON + timedelta(days=4))
    assert "checked in" in closure(result, TaskKind.POST_SALE_CHECKIN).reason


def test_a_colleagues_sale_is_the_colleagues_checkin():
    colleague = MessageView(id=next(_ids), sent_at=MON + timedelta(hours=2), from_addr="sam@seller.com",
                            to_addrs=(DANA,), cc_addrs=(ME,), text="Yes, in stock, shipping Friday.",
                            label=Label.SALE, needs_reply=False)
    result = run(thread(inn(MON, "Do you have 2 in stock?", label=Label.INQUIRY), colleague), MON + timedelta(days=3))
    assert not result.proposals
    assert result.activity[DANA].first_sale_at is None


def test_a_confirmed_order_is_no_open_inquiry():
    t = thread(inn(MON - timedelta(days=3), "Please quote 2 printers.", label=Label.INQUIRY),
               out(MON - timedelta(days=2), "Quote Q-1: 2 x TX-400, 2,480 total.", label=Label.INQUIRY),
               inn(MON, "We'd like to order. Please confirm the delivery date.", label=Label.SALE, needs_reply=True),
               out(MON + timedelta(hours=3), "Your order is confirmed and ships Friday.", needs_reply=False))
    assert kinds(run(t, MON + timedelta(days=3)))[TaskKind.POST_SALE_CHECKIN]
    assert not run(t, MON + timedelta(days=12)).proposals
    # The model thought the confirmation asks for something: still no wait on a confirmed sale.
    confirmed = out(MON + timedelta(hours=3), "Thanks! Your order is confirmed.", label=Label.SALE, needs_reply=True)
    assert not run(thread(*t.messages[:3], confirmed), MON + timedelta(days=12)).proposals


# ------------------------------------------------------------------------- complaint


def test_complaint_opens_at_once_with_a_deadline_and_cues():
    c = inn(MON, "The units arrived broken. I want a refund or I will call my lawyer.", label=Label.COMPLAINT)
    result = run(thread(c, subject="Broken units"), MON + timedelta(minutes=5))
    task = kinds(result)[TaskKind.COMPLAINT]
    assert task.due_at == utc(2026, 3, 3, 10)
    assert task.team_task
    assert task.priority == 60 + 15 + 25
    assert task.nudge == "Complaint (refund, legal) — Dana Wu (Acme), 'Broken units': first answer due Tue 3 Mar"
    assert task.nudge_count == 0
    assert TaskKind.NEEDS_REPLY not in kinds(result)
    overdue = kinds(run(thread(c, subject="Broken units"), utc(2026, 3, 3, 10)))[TaskKind.COMPLAINT]
    assert overdue.nudge_count == 1 and "overdue" in overdue.nudge


def test_plain_complaint_priority_and_configurable_deadline():
    c = inn(MON, "Delivery is two weeks late.", label=Label.COMPLAINT)
    task = kinds(run(thread(c), MON, settings(complaint_response_days=2)))[TaskKind.COMPLAINT]
    assert task.priority == 60
    assert task.due_at == utc(2026, 3, 4, 10)


def test_complaint_resolved_when_answered_and_retriggered_by_a_new_complaint():
    first = inn(MON, "Delivery is late.", label=Label.COMPLAINT)
    answer = out(MON + timedelta(hours=2), "Sorry, it ships today.", needs_reply=False)
    result = run(thread(first, answer), MON + timedelta(days=1))
    assert closure(result, TaskKind.COMPLAINT).status == TaskStatus.RESOLVED
    again = inn(MON + timedelta(days=3), "Still nothing! Cancel the order.", label=Label.COMPLAINT)
    task = kinds(run(thread(first, answer, again), MON + timedelta(days=3, hours=1)))[TaskKind.COMPLAINT]
    assert task.trigger_message_id == again.id
    assert "repeat complaint" in task.nudge and "cancel" in task.nudge
    assert task.priority == 60 + 15 + 15
    assert task.due_at == utc(2026, 3, 6, 10)


def test_complaint_settled_by_the_customer():
    t = thread(inn(MON, "Delivery is late.", label=Label.COMPLAINT),
               inn(MON + timedelta(hours=3), "It just arrived, all good now. Thanks!"))
    result = run(t, MON + timedelta(days=2))
    assert not result.proposals
    assert "closed by the customer" in closure(result, TaskKind.COMPLAINT).reason


def test_questions_and_complaints_older_than_30_days_are_not_chased():
    old = thread(inn(MON, "Delivery is late.", label=Label.COMPLAINT), tid=42)
    assert kinds(run(old, MON + timedelta(days=29)))[TaskKind.COMPLAINT]
    result = run(old, MON + timedelta(days=30))
    assert not result.proposals
    assert closure(result, TaskKind.COMPLAINT).status == TaskStatus.EXPIRED
    assert run(old, MON + timedelta(days=29)).recheck_at == MON + timedelta(days=30)
    question = thread(inn(MON, "Can you quote?"))
    assert closure(run(question, MON + timedelta(days=31)), TaskKind.NEEDS_REPLY).status == TaskStatus.EXPIRED
    asked_again = thread(*question.messages, inn(MON + timedelta(days=29), "Any news?"))
    assert kinds(run(asked_again, MON + timedelta(days=31)))[TaskKind.NEEDS_REPLY].due_at == utc(2026, 3, 3, 10)


# ------------------------------------------------------------- dormant, anniversary


def contact(**kw) -> ContactView:
    values = dict(id=7, email=DANA, name="Dana Wu", first_sale_at=utc(2025, 3, 10, 12),
                  last_sale_at=utc(2025, 3, 10, 12), last_message_at=utc(2025, 11, 1, 12))
    values.update(kw)
    return ContactView(**values)


def test_dormant_customer_after_90_days_without_mail():
    c = contact()
    quiet = detect_contact(c, settings(), utc(2026, 1, 29, 11))  # 89 days
    assert not [p for p in quiet.proposals if p.kind == TaskKind.DORMANT_CUSTOMER]
    assert quiet.recheck_at == utc(2026, 1, 30, 12)
    result = detect_contact(c, settings(), utc(2026, 1, 30, 12))
    task = next(p for p in result.proposals if p.kind == TaskKind.DORMANT_CUSTOMER)
    assert task.key == "dormant_customer:contact:7"
    assert task.nudge == "No contact in 90+ days — Dana Wu (Acme), a customer since Mar 2025: reach out"
    assert detect_contact(c, settings(dormant_days=120), utc(2026, 1, 30, 12)).proposals == []


def test_no_dormant_task_without_a_past_sale_or_for_ignored_contacts():
    assert not detect_contact(contact(first_sale_at=None, last_sale_at=None), settings(), utc(2027, 1, 1)).proposals
    ignored = settings(ignore_patterns=frozenset({"acme.com"}))
    assert not detect_contact(contact(), ignored, utc(2027, 1, 1)).proposals


def test_first_sale_anniversary():
    c = contact(last_message_at=utc(2026, 3, 1))
    before = detect_contact(c, settings(), utc(2026, 3, 2))
    assert not before.proposals and before.recheck_at == utc(2026, 3, 3)
    task = detect_contact(c, settings(), utc(2026, 3, 5)).proposals[0]
    assert task.kind == TaskKind.ANNIVERSARY
    assert task.key == "anniversary:contact:7:2026"
    assert task.due_at == utc(2026, 3, 10)
    assert task.nudge == "1 year since the first sale on Mon 10 Mar 2025 — say thank you to Dana Wu (Acme)"
    gone = detect_contact(c, settings(), utc(2026, 3, 24))
    assert not gone.proposals
    assert any(cl.key == "anniversary:contact:7:2026" and cl.status == TaskStatus.EXPIRED for cl in gone.closures)


# -------------------------------------------------------------------------- helpers


@pytest.mark.parametrize("domain, company", [
    ("acme.com", "Acme"), ("mail.acme.com", "Acme"), ("northwind-outfitters.co.uk", "Northwind Outfitters"),
    ("gmail.com", ""), ("", ""),
])
def test_company_from_domain(domain, company):
    assert company_from_domain(domain) == company


def test_contact_activity_feeds_contacts():
    sale = out(MON, "Deal signed.", label=Label.SALE, needs_reply=False)
    result = run(thread(inn(MON - timedelta(days=1), "We'll buy.", label=Label.SALE, needs_reply=False), sale,
                        inn(MON + timedelta(days=1), "ok", is_auto_reply=True)), MON + timedelta(days=2))
    activity = result.activity[DANA]
    assert activity.name == "Dana Wu"
    assert activity.first_sale_at == MON - timedelta(days=1)  # their order
    assert activity.last_sale_at == MON  # the rep's confirmation of it
    assert activity.last_message_at == MON  # the auto-reply is not mail with the contact


def test_closures_only_for_the_open_keys_when_given():
    t = thread(out(MON), inn(MON + timedelta(days=1), "Yes, confirmed.", needs_reply=False))
    assert {c.key for c in run(t, MON + timedelta(days=8)).closures} == {
        f"{kind}:thread:42" for kind in ("awaiting_reply", "needs_reply", "complaint",  # no complaint in it (#17)
                                         "post_sale_checkin",  # and no order in it
                                         "promise")}  # nor a dated promise
    only = run(t, MON + timedelta(days=8), open_keys={"awaiting_reply:thread:42"})
    assert [c.key for c in only.closures] == ["awaiting_reply:thread:42"]
    assert run(t, MON + timedelta(days=8), open_keys=set()).closures == []


# ------------------------------------------------------------ mail reps really get (#16)


def test_a_calendar_invitation_is_neither_a_question_nor_a_sale():
    invite = inn(MON, "Dana Wu has invited you to Kick-off call. Will you attend? Accept / Decline",
                 label=Label.SALE, needs_reply=True, is_calendar=True)
    result = run(thread(invite, subject="Invitation: Kick-off call @ Tue 3 Mar"), MON + timedelta(days=4))
    assert kinds(result) == {}


def test_the_reps_own_invitation_waits_for_nothing_and_is_no_sale():
    invite = out(MON, "Rep has invited you to Order review. Will you attend?", label=Label.SALE,
                 needs_reply=True, is_calendar=True)
    result = run(thread(invite, subject="Invitation: Order review @ Wed 4 Mar"), utc(2026, 3, 11, 10))
    assert kinds(result) == {}


MON_23_NOV = utc(2026, 11, 23, 10)


@pytest.mark.parametrize("notice", [
    "Thank you for your email. I am out of the office until 30 November with limited access to email.",
    "Vielen Dank für Ihre Nachricht. Ich bin bis zum 30.11. nicht im Büro.",
    "Merci pour votre message. Je suis absente jusqu'au 30 novembre inclus.",
    "Gracias. Estoy fuera de la oficina hasta el 30 de noviembre.",
    "Grazie. Sono fuori ufficio fino al 30 novembre.",
    "Bedankt. Ik ben afwezig tot 30 november.",
    "Obrigado. Estou de férias até 30 de novembro.",
])
def test_an_out_of_office_with_a_return_date_holds_the_nudge_until_the_day_after(notice):
    asked = out(MON_23_NOV)
    ooo = inn(MON_23_NOV + timedelta(minutes=2), notice, is_auto_reply=True)
    t = thread(asked, ooo)
    held = run(t, utc(2026, 11, 30, 18))  # 5 business days: the nudge would be due today
    assert TaskKind.AWAITING_REPLY not in kinds(held)
    assert closure(held, TaskKind.AWAITING_REPLY).reason == "away until Mon 30 Nov: nudge on Tue 1 Dec"
    assert held.recheck_at == utc(2026, 12, 1)
    task = kinds(run(t, utc(2026, 12, 1, 9)))[TaskKind.AWAITING_REPLY]
    assert "away until Mon 30 Nov: nudge on Tue 1 Dec" in task.reason
    assert task.due_at == utc(2026, 12, 1)
    assert task.nudge_count == 1 and "reminder" not in task.nudge


@pytest.mark.parametrize("notice, until", [
    ("Ich bin bis zum 21.11. nicht im Büro.", date(2026, 11, 21)),  # not the time 21:11
    ("Ich bin bis 5.1. im Urlaub.", date(2027, 1, 5)),  # the next 5 January
    ("I am out of the office until Thursday with limited access.", date(2026, 11, 26)),
    ("I am away and back on Tuesday.", date(2026, 11, 23)),  # back Tuesday: away until Monday
    ("I am away until November.", None),  # no day named
    ("I am out of the office until further notice.", None),
])
def test_the_return_date_of_an_out_of_office(notice, until):
    assert return_date(notice, datetime(2026, 11, 20, 9)) == until


BOUNCE_TEXT = ("I'm sorry to have to inform you that your message could not be delivered to one or more "
               "recipients.\n\n<t.lee@acme.com>: host mx.acme.com said: 550 5.1.1 <t.lee@acme.com>: "
               "Recipient address rejected: User unknown")


def bounce(at: datetime, text: str = BOUNCE_TEXT) -> MessageView:
    return inn(at, text, sender="mailer-daemon@mx1.seller.com", name="Mail Delivery System",
               is_bounce=True, is_noreply=True)


def test_a_bounce_turns_the_wait_into_a_bounced_task():
    sent = out(MON, to=("t.lee@acme.com",))
    result = run(thread(sent, bounce(MON + timedelta(minutes=1))), MON + timedelta(hours=1))
    found = kinds(result)
    assert set(found) == {TaskKind.BOUNCED}
    task = found[TaskKind.BOUNCED]
    assert task.nudge.startswith(
        "Your mail to t.lee@acme.com bounced (550 user unknown): find another way to reach them")
    assert task.contact_email == "t.lee@acme.com" and task.key == "bounced:thread:42"
    # Days later: still the bounce, never "no reply in 5 days" for mail that never arrived.
    assert set(kinds(run(thread(sent, bounce(MON + timedelta(minutes=1))), utc(2026, 3, 10, 10)))) == {
        TaskKind.BOUNCED}


def test_writing_again_after_a_bounce_resolves_it():
    t = thread(out(MON, to=("t.lee@acme.com",)), bounce(MON + timedelta(minutes=1)),
               out(MON + timedelta(hours=2), "Resent to the right address. Could you confirm?",
                   to=("tom.lee@acme.com",)))
    result = run(t, MON + timedelta(hours=3))
    assert TaskKind.BOUNCED not in kinds(result)


# ------------------------------------------------------------- what counts as a sale


def test_a_reps_own_mail_is_never_a_sale_on_its_own():
    # The classifier read the rep's chaser as a sale: no check-in for a sale that never happened.
    chaser = out(MON, "Just following up on my proposal, any thoughts?", label=Label.SALE)
    result = run(thread(chaser), MON + timedelta(days=3))
    assert TaskKind.POST_SALE_CHECKIN not in kinds(result)
    assert result.activity[DANA].first_sale_at is None
    # It still waits for an answer like any other question.
    assert TaskKind.AWAITING_REPLY in kinds(run(thread(chaser), utc(2026, 3, 9, 10)))


def test_the_reps_confirmation_of_the_customers_order_is_a_sale():
    t = thread(inn(MON - timedelta(days=1), "We'll take 200 units.", label=Label.SALE, needs_reply=False),
               out(MON, "Order confirmed, invoice attached.", label=Label.SALE, needs_reply=False))
    task = kinds(run(t, MON + timedelta(days=3)))[TaskKind.POST_SALE_CHECKIN]
    assert task.trigger_message_id == t.messages[-1].id


def test_a_customers_request_after_the_sale_needs_a_reply_not_a_checkin():
    order = inn(MON, "We accept the quote, please send the order confirmation.", label=Label.SALE)
    result = run(thread(out(MON - timedelta(days=2), "Quote Q-7 attached.", label=Label.INQUIRY), order),
                 MON + timedelta(days=3))
    found = kinds(result)
    assert TaskKind.NEEDS_REPLY in found
    assert TaskKind.POST_SALE_CHECKIN not in found
    assert not any("no word from the customer" in p.reason for p in result.proposals)
    assert result.activity[DANA].first_sale_at == MON  # it is still their order


def test_an_order_that_asks_nothing_gets_a_checkin_without_a_false_no_word_since():
    order = inn(MON, "We'll take 200 units.", label=Label.SALE, needs_reply=False)
    task = kinds(run(thread(order), MON + timedelta(days=3)))[TaskKind.POST_SALE_CHECKIN]
    assert "no word from the customer since" not in task.reason
    assert "their order" in task.reason


def test_the_first_nudge_a_rep_sees_is_reminder_1():
    # The account was connected two weeks after the rep's mail: no nudge was ever shown.
    s = settings(watching_since=utc(2026, 3, 16, 10))
    first = kinds(run(thread(out(MON)), utc(2026, 3, 16, 11), s))[TaskKind.AWAITING_REPLY]
    assert first.nudge_count == 1
    assert first.nudge == f"No reply in 10 business days — {DANA}, 'Quote for 200 units'"
    second = kinds(run(thread(out(MON)), utc(2026, 3, 23, 10), s))[TaskKind.AWAITING_REPLY]
    assert second.nudge_count == 2 and "reminder 2 of 3" in second.nudge
    # Watching from before the mail changes nothing.
    early = settings(watching_since=MON - timedelta(days=30))
    assert kinds(run(thread(out(MON)), utc(2026, 3, 16, 10), early))[TaskKind.AWAITING_REPLY].nudge_count == 2
