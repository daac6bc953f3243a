"""The lead's page (on SQLite and PostgreSQL): a lead sees the team's numbers, each table equal
to what the rows put in the database say; a member sees only their own mailbox's; signed out
is the sign-in page. The mail is dated around tests.rows.NOW (Tuesday 2026-03-10 09:00 UTC)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from statistics import median

import pytest
from selectolax.lexbor import LexborHTMLParser

from followup.domain.vocabulary import TaskKind, TaskStatus
from tests.rows import NOW, add_account, add_task, add_thread, add_user
from tests.web_client import WebClient, make_app

CUSTOMER = "buyer@customer.example"


def at(day: int, hour: int, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=timezone.utc)


def customer(when, label, text="Could you tell me more?"):
    return {"sent_at": when, "label": label, "from_addr": CUSTOMER, "body_text": text}


def rep(user, when, asks=False, text="Thanks, here it is."):
    return {"sent_at": when, "direction": "outbound", "from_addr": user.email, "from_name": user.display_name,
            "to_addrs": [CUSTOMER], "needs_reply": asks, "label": "other", "body_text": text}


def hours(thread_messages) -> float:
    first, answer = thread_messages[0], thread_messages[1]
    return (answer.sent_at - first.sent_at).total_seconds() / 3600


@pytest.fixture
def team(runtime):
    rt = runtime
    lead = add_user(rt, "lead@example.com", team="Sales", lead=True, name="Lena Lead")
    member = add_user(rt, "member@example.com", team="Sales", name="Max Member")
    outsider = add_user(rt, "outsider@example.com", team="Elsewhere", name="Oscar Outsider")
    lead_box, member_box, outside_box = (add_account(rt, u) for u in (lead, member, outsider))
    threads = {}

    def thread(name, account, messages):
        threads[name] = add_thread(rt, account, name, messages=messages)
        return threads[name]

    # Week of Mon Mar 2: two inquiries of the lead (4 h, 24 h), one of the member (2 h).
    thread("Lead inquiry A", lead_box, [customer(at(2, 10), "inquiry"), rep(lead, at(2, 14))])
    thread("Lead inquiry B", lead_box, [customer(at(3, 9), "inquiry"), rep(lead, at(4, 9))])
    thread("Member inquiry", member_box, [customer(at(2, 9), "inquiry"), rep(member, at(2, 11))])
    # Complaints (deadline: one business day): met in the week of Feb 23, missed in the week
    # of Mar 2, pending in the week of Mar 9 (its task's due date is tomorrow).
    thread("Met complaint", lead_box, [customer(at(25, 10, 2), "complaint"), rep(lead, at(25, 12, 2))])
    thread("Missed complaint", lead_box, [customer(at(2, 10), "complaint"), rep(lead, at(5, 10))])
    pending, pending_mail = thread("Pending complaint", lead_box, [customer(NOW - timedelta(hours=1), "complaint")])
    # Waits (awaiting-reply days: 5): answered after 6 business days (the 1st nudge), after 1
    # (before any), and the member's after 17 (the 3rd or later).
    thread("Lead wait long", lead_box, [rep(lead, at(16, 10, 2), asks=True), customer(at(24, 10, 2), "other")])
    thread("Lead wait short", lead_box, [rep(lead, at(2, 10), asks=True), customer(at(3, 10), "other")])
    thread("Member wait", member_box, [rep(member, at(26, 10, 1), asks=True), customer(at(18, 10, 2), "other")])
    # An outsider's inquiry answered in 100 hours: in nobody's figures here.
    thread("Outsider inquiry", outside_box, [customer(at(2, 8), "inquiry"), rep(outsider, at(6, 12))])

    # Open follow-ups now: the lead 1 complaint + 2 awaiting replies, the member 1 needs-reply
    # (and a done and a snoozed task that do not count); the outsider's is not the team's.
    add_task(rt, lead_box, pending, pending_mail[0], kind=TaskKind.COMPLAINT, team_id=lead.team_id,
             due=NOW + timedelta(days=1) - timedelta(hours=1))
    for name in ("Lead wait long", "Lead wait short"):
        add_task(rt, lead_box, threads[name][0], kind=TaskKind.AWAITING_REPLY)
    add_task(rt, member_box, threads["Member inquiry"][0], kind=TaskKind.NEEDS_REPLY)
    add_task(rt, member_box, threads["Member wait"][0], kind=TaskKind.AWAITING_REPLY, status=TaskStatus.DONE)
    add_task(rt, member_box, None, kind=TaskKind.DORMANT_CUSTOMER, key="dormant:member",
             status=TaskStatus.SNOOZED, snooze_until=NOW + timedelta(days=2))
    add_task(rt, outside_box, threads["Outsider inquiry"][0], kind=TaskKind.NEEDS_REPLY)
    return {"rt": rt, "lead": lead, "member": member, "threads": threads}


def _tables(html: str) -> dict[str, list[list[str]]]:
    """Each section's table as rows of cell texts (the header row first), by section id."""
    tree = LexborHTMLParser(html)
    return {
        section.attributes["id"]: [[cell.text(strip=True) for cell in row.css("th, td")]
                                   for row in section.css("table tr")]
        for section in tree.css("section.insight")
    }


def _row(table, first_cell):
    return next(row[1:] for row in table if row[0] == first_cell)


def _client(team, email):
    client = WebClient(make_app(team["rt"]).test_client())
    client.login(email)
    return client


def test_the_lead_sees_the_teams_numbers(team):
    threads = team["threads"]
    page = _client(team, "lead@example.com").get("/insights/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<title>Team · followup</title>" in html
    tables = _tables(html)

    # 1. Open now, per rep and kind.
    assert tables["open"][0] == ["Rep", "Awaiting reply", "Needs your reply", "Complaint", "Total"]
    assert _row(tables["open"], "Lena Lead") == ["2", "0", "1", "3"]
    assert _row(tables["open"], "Max Member") == ["0", "1", "0", "1"]
    assert len(tables["open"]) == 3 and "Oscar Outsider" not in html

    # 2. Median hours to the first reply, by the week the mail came in (Mondays, one format).
    replies = tables["replies"]
    assert replies[0] == ["Week of", "Inquiries", "Complaints"] and len(replies) == 13
    assert replies[-1][0] == "Mon, Mar 9, 2026" and replies[1][0] == "Mon, Dec 22, 2025"
    inquiries = [hours(threads[n][1]) for n in ("Lead inquiry A", "Lead inquiry B", "Member inquiry")]
    assert _row(replies, "Mon, Mar 2, 2026") == [f"{median(inquiries):.1f}",
                                                 f"{hours(threads['Missed complaint'][1]):.1f}"]
    assert _row(replies, "Mon, Feb 23, 2026") == ["–", f"{hours(threads['Met complaint'][1]):.1f}"]
    assert _row(replies, "Mon, Mar 9, 2026") == ["–", "–"]  # the pending complaint has no answer yet

    # 3. Deadlines met / missed / pending.
    deadlines = tables["deadlines"]
    assert deadlines[0] == ["Week of", "Met", "Missed", "Pending"]
    assert _row(deadlines, "Mon, Feb 23, 2026") == ["1", "0", "0"]
    assert _row(deadlines, "Mon, Mar 2, 2026") == ["0", "1", "0"]
    assert _row(deadlines, "Mon, Mar 9, 2026") == ["0", "0", "1"]
    assert sum(int(c) for row in deadlines[1:] for c in row[1:]) == 3

    # 4. Waits answered, by nudge.
    nudges = dict((row[0], row[1]) for row in tables["nudges"][1:])
    assert nudges == {"Before any nudge": "1", "After the 1st nudge": "1", "After the 2nd nudge": "0",
                      "After the 3rd nudge or later": "1"}

    # The nav names the page for a lead.
    assert '>Team</a>' in html


def test_the_charts_are_svg_documents_of_their_own(team):
    client = _client(team, "lead@example.com")
    for name in ("open", "replies", "deadlines", "nudges"):
        response = client.get(f"/insights/{name}.svg")
        assert response.status_code == 200, name
        assert response.mimetype == "image/svg+xml"
        assert response.headers["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'"
        svg = response.get_data(as_text=True)
        assert "<svg" in svg and "<script" not in svg
    assert "Lena Lead" in client.get("/insights/open.svg").get_data(as_text=True)
    assert client.get("/insights/nope.svg").status_code == 404


def test_a_member_sees_only_their_own_mailbox(team):
    threads = team["threads"]
    client = _client(team, "member@example.com")
    html = client.get("/insights/").get_data(as_text=True)
    assert "<title>Insights · followup</title>" in html and ">Insights</a>" in html
    assert "Lena Lead" not in html
    tables = _tables(html)
    assert tables["open"][1:] == [["Max Member", "1", "1"]]
    assert _row(tables["replies"], "Mon, Mar 2, 2026") == [f"{hours(threads['Member inquiry'][1]):.1f}", "–"]
    assert all(row[1:] == ["0", "0", "0"] for row in tables["deadlines"][1:])  # the complaints are the lead's
    assert [row[1] for row in tables["nudges"][1:]] == ["0", "0", "0", "1"]
    for name in ("open", "replies", "deadlines", "nudges"):
        svg = client.get(f"/insights/{name}.svg").get_data(as_text=True)
        assert "Lena Lead" not in svg, name
    assert "Max Member" in client.get("/insights/open.svg").get_data(as_text=True)


def test_signed_out_is_sent_to_sign_in(team):
    client = WebClient(make_app(team["rt"]).test_client())
    for url in ("/insights/", "/insights/open.svg"):
        response = client.get(url)
        assert response.status_code == 302 and "/login" in response.headers["Location"], url
