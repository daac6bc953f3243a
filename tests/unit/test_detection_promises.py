"""Promises, both ways, straight through the thread rules with an explicit `now`."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timezone

import pytest

from followup.domain.rules.promise import find_promise, keeps_promise
from followup.domain.rules.thread import detect_thread
from followup.domain.rules.views import DetectionSettings, MessageView, ThreadView
from followup.domain.vocabulary import Direction, TaskKind, TaskStatus, is_upcoming

UTC = timezone.utc
ME = "rep@seller.com"
DANA = "dana@acme.com"
_ids = itertools.count(1)
WED = datetime(2026, 12, 2, 10, tzinfo=UTC)  # Wednesday 2 December 2026
FRI = datetime(2026, 12, 4, 0, tzinfo=UTC)


def settings(**kw) -> DetectionSettings:
    return DetectionSettings(own_addresses=frozenset({ME}), internal_domains=frozenset({"seller.com"}), **kw)


def out(at: datetime, text: str, **kw) -> MessageView:
    return MessageView(id=next(_ids), sent_at=at, direction=Direction.OUTBOUND, from_addr=ME, from_name="Rep",
                       to_addrs=(DANA,), text=text, **kw)


def inn(at: datetime, text: str, **kw) -> MessageView:
    return MessageView(id=next(_ids), sent_at=at, from_addr=DANA, from_name="Dana Wu", to_addrs=(ME,), text=text, **kw)


def promise_task(now: datetime, *messages: MessageView, s: DetectionSettings | None = None):
    result = detect_thread(ThreadView(42, "Drawings for the Lyon site", messages), s or settings(), now)
    task = next((p for p in result.proposals if p.kind == TaskKind.PROMISE), None)
    closed = next((c for c in result.closures if c.key == "promise:thread:42"), None)
    return task, closed, result


def at(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 12, day, hour, tzinfo=UTC)


# ------------------------------------------------------------------- the user's promise


def test_the_reps_promise_opens_a_task_due_that_day():
    promise = out(WED, "Thanks Dana. I'll send you the drawings on Friday.")
    task, _, _ = promise_task(at(4, 9), inn(WED.replace(hour=8), "Could we see the drawings?"), promise)
    assert task.nudge == "You promised the drawings by Fri 4 Dec — Dana Wu (Acme), 'Drawings for the Lyon site'"
    assert task.due_at == FRI
    assert task.trigger_message_id == promise.id
    assert "I'll send you the drawings on Friday" in task.reason
    assert task.contact_email == DANA


def test_the_reps_promise_is_upcoming_until_its_day():
    task, _, result = promise_task(at(3), out(WED, "I'll send you the drawings on Friday."))
    assert task.nudge_count == 0 and is_upcoming(task.kind, task.due_at, at(3))
    assert not is_upcoming(task.kind, task.due_at, at(4))
    assert result.recheck_at <= FRI


@pytest.mark.parametrize("later", [
    dict(text="Hi Dana, see the file.", has_attachments=True),
    dict(text="As promised, the drawings are on the portal."),
    dict(text="Here are the drawings: https://files.example/lyon"),
    dict(text="Anbei die Zeichnungen."),
    dict(text="Ci-joint les plans."),
])
def test_a_later_mail_with_an_attachment_or_saying_it_is_done_keeps_the_promise(later):
    task, closed, _ = promise_task(at(7), out(WED, "I'll send you the drawings on Friday."),
                                   out(at(3), **later))
    assert task is None
    assert closed.status == TaskStatus.RESOLVED and closed.reason.startswith("kept: you sent it on Thu 3 Dec")


def test_a_later_mail_that_delivers_nothing_keeps_the_task():
    task, _, _ = promise_task(at(7), out(WED, "I'll send you the drawings on Friday."),
                              out(at(3), "Quick question: ground floor only?"))
    assert task is not None and task.nudge_count == 1


def test_days_are_read_against_the_mails_own_date_and_zone():
    # Thu 3 Dec 00:30 in Paris is still Wed 2 Dec in UTC: "tomorrow" is Fri 4 Dec there.
    s = settings(timezone="Europe/Paris")
    task, _, _ = promise_task(at(4, 12), out(datetime(2026, 12, 2, 23, 30, tzinfo=UTC),
                                             "I will send the revised quote by tomorrow."), s=s)
    assert "by Fri 4 Dec" in task.nudge
    assert task.due_at == datetime(2026, 12, 3, 23, tzinfo=UTC)  # midnight in Paris


def test_a_contacts_tomorrow_is_their_own_tomorrow():
    # Tue 3 Mar 08:30 in Tokyo (+0900) is still Mon 2 Mar in London: their "tomorrow" is Wed 4 Mar.
    s = settings(timezone="Europe/London")
    theirs = inn(datetime(2026, 3, 2, 23, 30, tzinfo=UTC), "Thanks. We will send the PO by tomorrow.",
                 sent_utc_offset=9 * 60)
    task, _, _ = promise_task(datetime(2026, 3, 6, 9, tzinfo=UTC), theirs, s=s)
    assert task.nudge.startswith("Dana Wu promised the PO by Wed 4 Mar: nothing came")
    unknown_zone = inn(theirs.sent_at, theirs.text)  # no zone in its Date header: the user's calendar
    task, _, _ = promise_task(datetime(2026, 3, 6, 9, tzinfo=UTC), unknown_zone, s=s)
    assert task.nudge.startswith("Dana Wu promised the PO by Tue 3 Mar: nothing came")


# --------------------------------------------------------------- the contact's promise


def test_the_contacts_promise_nudges_the_day_after_if_nothing_came():
    theirs = inn(datetime(2026, 5, 5, 10, tzinfo=UTC), "Great. We will send the PO by 12 May.")
    task, closed, result = promise_task(datetime(2026, 5, 12, 18, tzinfo=UTC), theirs)
    assert task is None and result.recheck_at == datetime(2026, 5, 13, tzinfo=UTC)
    task, _, _ = promise_task(datetime(2026, 5, 13, 9, tzinfo=UTC), theirs)
    assert task.nudge == ("Dana Wu promised the PO by Tue 12 May: nothing came — Dana Wu (Acme), "
                          "'Drawings for the Lyon site'")
    assert task.trigger_message_id == theirs.id and task.nudge_count == 1


def test_a_mail_from_the_contact_after_their_promise_closes_it():
    theirs = inn(datetime(2026, 5, 5, 10, tzinfo=UTC), "We will send the PO by 12 May.")
    po = inn(datetime(2026, 5, 11, 10, tzinfo=UTC), "PO 4711, see the file.", has_attachments=True)
    task, closed, _ = promise_task(datetime(2026, 5, 14, tzinfo=UTC), theirs, po)
    assert task is None and closed.message_id == po.id


def test_a_promise_long_past_expires():
    task, closed, _ = promise_task(at(30), out(WED, "I'll send you the drawings on Friday."))
    assert task is None and closed.status == TaskStatus.EXPIRED


def test_no_date_no_promise():
    task, closed, _ = promise_task(at(7), out(WED, "I'll look into it and get back to you."))
    assert task is None and closed.reason == "no dated promise in the thread"


# ------------------------------------------------------------------ the phrase reader


@pytest.mark.parametrize("text, day", [
    ("Ich werde Ihnen die Zeichnungen bis Freitag schicken.", date(2026, 12, 4)),
    ("Nous vous enverrons le devis avant le 10 décembre.", date(2026, 12, 10)),
    ("Le enviaré el presupuesto el viernes.", date(2026, 12, 4)),
    ("Le invierò il preventivo entro venerdì.", date(2026, 12, 4)),
    ("Ik stuur de offerte op vrijdag.", date(2026, 12, 4)),
    ("Enviarei o orçamento até sexta-feira.", date(2026, 12, 4)),
])
def test_promises_in_the_seven_languages(text, day):
    found = find_promise(text, WED)
    assert found is not None and found.day == day
    assert found.span(text)  # the evidence mark


def test_the_prefilter_rejects_text_without_any_opener():
    assert find_promise("The parcel arrived on Friday, thanks.", WED) is None
    assert keeps_promise("Please find the drawings below.", False)
    assert not keeps_promise("Any news?", False)
