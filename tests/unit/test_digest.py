"""The daily digest without a mail server: its content (grouped, most urgent first, escaped),
the SMTP URL setting, and its planning at each user's local morning with a controlled clock."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone

import pytest

from followup.domain.vocabulary import TaskKind
from followup.nudges.digest import DigestTask, build_digest
from followup.nudges.digest_mail import DigestError, parse_smtp_url
from followup.worker.schedule import DigestClock, due_digests

NOW = datetime(2026, 3, 10, 7, 30, tzinfo=timezone.utc)  # 08:30 in Paris, 03:30 in New York
BASE = "https://followup.example.com"


# ---- content (pure) ------------------------------------------------------------------


def dt_(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)


def test_digest_groups_by_kind_most_urgent_first_with_nudges_links_and_escaping():
    tasks = [
        DigestTask(1, TaskKind.AWAITING_REPLY, 1, dt_(-48), "No reply from Ann in 5 days", "Quote",
                   "Ann <ann@x.com>"),
        DigestTask(2, TaskKind.COMPLAINT, 5, dt_(-2), "Complaint: <b>broken</b> & late", "Broken <script>", "bob@y.com"),
        DigestTask(3, TaskKind.AWAITING_REPLY, 3, dt_(-1), "No reply from Cy in 6 days", "Tables", ""),
        DigestTask(4, TaskKind.NEEDS_REPLY, 1, dt_(5), "Dee asked for a price", "Price", ""),  # due later today
        DigestTask(5, TaskKind.NEEDS_REPLY, 9, dt_(48), "Not due before Thursday", "Later", ""),
    ]
    digest = build_digest(to="rep@example.com", name="Rita", timezone="Europe/Paris", tasks=tasks,
                          base_url=BASE, now=NOW)

    assert digest.task_count == 4 and digest.day == date(2026, 3, 10)
    assert digest.subject == "4 follow-ups for Tue, Mar 10, 2026"  # the one date format (date_display)
    assert [g.kind for g in digest.groups] == ["complaint", "awaiting_reply", "needs_reply"]
    assert [t.id for t in digest.groups[1].tasks] == [3, 1]  # priority first, then due date
    text = digest.text
    assert text.index("Complaints that need an owner (1)") < text.index("No reply yet (2)") \
        < text.index("Waiting for your answer (1)")
    assert text.index("No reply from Cy") < text.index("No reply from Ann")
    assert f"{BASE}/tasks/2" in text and "overdue by 2 days" in text and "due 1:30\u202fPM" in text
    assert "Not due before Thursday" not in text
    html = digest.html
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "&lt;b&gt;broken&lt;/b&gt; &amp; late" in html and f'href="{BASE}/tasks/2"' in html

    assert build_digest(to="rep@example.com", name="", timezone="UTC", tasks=tasks[4:], base_url=BASE,
                        now=NOW) is None


def test_smtp_urls():
    plain = parse_smtp_url("smtp://mail.example.com", BASE)
    assert (plain.port, plain.username, plain.sender) == (25, None, "followup@followup.example.com")
    tls = parse_smtp_url("smtps://digest%40example.com:p%40ss@mail.example.com", BASE)
    assert (tls.scheme, tls.port, tls.username, tls.password, tls.sender) == (
        "smtps", 465, "digest@example.com", "p@ss", "digest@example.com")
    start = parse_smtp_url("smtp+starttls://u:p@mail.example.com:2525?from=robot@example.com")
    assert (start.port, start.sender) == (2525, "robot@example.com")
    with pytest.raises(DigestError):
        parse_smtp_url("http://mail.example.com")


def test_digests_are_planned_at_each_users_local_morning():
    paris = DigestClock(1, "Europe/Paris", True, 8, None)
    new_york = DigestClock(2, "America/New_York", True, 8, None)
    off = DigestClock(3, "UTC", False, 6, None)
    users = [paris, new_york, off]
    at = lambda h, m=0: datetime(2026, 3, 10, h, m, tzinfo=timezone.utc)  # noqa: E731

    assert due_digests(users, at(6, 59)) == []  # 07:59 in Paris
    assert due_digests(users, at(7, 0)) == [(1, date(2026, 3, 10))]  # 08:00 in Paris
    assert due_digests(users, at(10, 59)) == [(1, date(2026, 3, 10))]  # 11:59 there: still the morning
    # 08:00 in New York (UTC-4 since 8 March); Paris' window has closed (14:00 there).
    assert due_digests(users, at(12, 0)) == [(2, date(2026, 3, 10))]
    # Once the day is settled it is not planned again.
    done = [dataclasses.replace(paris, last_day=date(2026, 3, 10)), new_york]
    assert due_digests(done, at(7, 30)) == []
    assert due_digests(done, at(7, 30) + timedelta(days=1)) == [(1, date(2026, 3, 11))]
    # A day ahead of UTC: Auckland's 8 o'clock on the 11th is 19:00 UTC on the 10th.
    auckland = DigestClock(4, "Pacific/Auckland", True, 8, date(2026, 3, 10))
    assert due_digests([auckland], at(19, 0)) == [(4, date(2026, 3, 11))]
