"""Each contact's own pace: learnt from their replies over all threads, it replaces the fixed
awaiting-reply threshold once they have replied three times."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta, timezone

from followup.domain.calendar import add_business_days
from followup.domain.rules.pace import business_hours_between, pace_before, reply_delays
from followup.domain.rules.thread import detect_thread
from followup.domain.rules.views import DetectionSettings, MessageView, ThreadView
from followup.domain.vocabulary import Direction, TaskKind

UTC = timezone.utc
ME = "rep@seller.com"
DANA = "dana@acme.com"
_ids = itertools.count(1)
MON = datetime(2026, 3, 2, 10, tzinfo=UTC)  # Monday 2 March 2026


def settings(**kw) -> DetectionSettings:
    return DetectionSettings(own_addresses=frozenset({ME}), internal_domains=frozenset({"seller.com"}), **kw)


def out(at: datetime, text: str = "Could you confirm the quote?") -> MessageView:
    return MessageView(id=next(_ids), sent_at=at, direction=Direction.OUTBOUND, from_addr=ME, from_name="Rep",
                       to_addrs=(DANA,), text=text)


def inn(at: datetime, text: str = "Yes, confirmed.") -> MessageView:
    return MessageView(id=next(_ids), sent_at=at, from_addr=DANA, from_name="Dana Wu", to_addrs=(ME,), text=text,
                       needs_reply=False)


def history(delay: timedelta | int, tid: int = 7) -> ThreadView:
    """Three earlier exchanges in another thread, each answered after `delay` (or n business days)."""
    messages = []
    for week in (12, 9, 6):  # each answered before the next question
        asked = MON - timedelta(weeks=week)
        answered = add_business_days(asked, delay, settings().calendar) if isinstance(delay, int) else asked + delay
        messages += [out(asked), inn(answered)]
    return ThreadView(tid, "Earlier orders", tuple(messages))


def awaiting(now: datetime, past: ThreadView | None, s: DetectionSettings | None = None):
    s = s or settings()
    current = ThreadView(42, "Quote for 200 units", (out(MON),))
    paces = reply_delays([current] + ([past] if past else []), s)
    result = detect_thread(current, s, now, paces=paces)
    return next((p for p in result.proposals if p.kind == TaskKind.AWAITING_REPLY), None)


def test_a_fast_contact_is_nudged_after_one_business_day():
    past = history(timedelta(hours=3))
    assert awaiting(MON + timedelta(hours=23), past) is None
    task = awaiting(MON + timedelta(days=1), past)
    assert task is not None and task.nudge.startswith("No reply in 1 business day")
    assert task.reason.endswith("usually replies within 3 h; 1 business day now")
    # The reminders come at the user's own interval: not daily, and no giving up within a week.
    assert awaiting(MON + timedelta(days=3), past).nudge_count == 1
    task = awaiting(MON + timedelta(days=8), past)
    assert task.nudge_count == 2 and task.nudge.endswith("reminder 2 of 3")
    assert task.reason.endswith("usually replies within 3 h; 6 business days now")
    assert awaiting(MON + timedelta(days=21), past).nudge_count == 3
    assert awaiting(MON + timedelta(days=22), past) is None  # 1 + 3 x 5 business days: expired


def test_without_history_the_fixed_threshold_applies():
    assert awaiting(MON + timedelta(days=1), None) is None
    assert awaiting(MON + timedelta(days=7), None).nudge.startswith("No reply in 5 business days")
    two = ThreadView(7, "Earlier", history(timedelta(hours=3)).messages[:4])  # two replies: not enough
    assert awaiting(MON + timedelta(days=1), two) is None


def test_a_slow_contact_is_not_nagged_on_day_five():
    past = history(8)
    assert awaiting(add_business_days(MON, 5, settings().calendar), past) is None
    task = awaiting(add_business_days(MON, 8, settings().calendar), past)
    assert task is not None
    assert "usually replies within 8 business days; 8 business days now" in task.reason


def test_the_setting_turns_it_off():
    off = settings(contact_pace=False)
    assert awaiting(MON + timedelta(days=1), history(timedelta(hours=3)), off) is None
    assert awaiting(add_business_days(MON, 5, off.calendar), history(8), off) is not None


def test_the_pace_counts_business_hours_and_only_replies_before_the_wait():
    cal = settings().calendar
    friday = datetime(2026, 3, 6, 22, tzinfo=UTC)
    assert business_hours_between(friday, friday + timedelta(days=3), cal) == 2 + 22  # the weekend is not counted
    replies = reply_delays([history(timedelta(hours=3))], settings())[DANA]
    assert len(replies) == 3 and all(hours == 3 for _, hours in replies)
    assert pace_before(replies, replies[-1][0]) is None  # the third reply came after: two known
    assert pace_before(replies, MON).p80_hours == 3


def test_replies_counted_the_same_however_the_threads_are_grouped():
    a, b = history(timedelta(hours=3), tid=7), history(timedelta(hours=30), tid=8)
    together = reply_delays([a, b], settings())
    apart = {**reply_delays([a], settings())}
    apart[DANA] = tuple(sorted(apart[DANA] + reply_delays([b], settings())[DANA]))
    assert together == apart


def test_answers_to_mail_that_asked_nothing_say_nothing_of_their_pace():
    messages = []
    for week in (12, 9, 6):
        asked = MON - timedelta(weeks=week)
        messages += [out(asked, "FYI: the truck left this morning."), inn(asked + timedelta(hours=1), "Thanks.")]
    assert reply_delays([ThreadView(7, "FYI", tuple(messages))], settings()) == {}
    assert awaiting(MON + timedelta(days=1), ThreadView(7, "FYI", tuple(messages))) is None
