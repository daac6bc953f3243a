"""The demo mailbox: written, parseable, big and varied enough, threaded, deterministic."""

from __future__ import annotations

import email.policy
import mailbox
import os
import subprocess
import sys
from collections import Counter
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

import pytest

from followup.demo import DEMO_INTERNAL_DOMAIN, DEMO_USER_EMAIL, DemoSummary, write_demo_mbox

NOW = datetime(2026, 11, 23, 18, 0, tzinfo=timezone.utc)  # a Monday evening


def read(path: Path) -> list:
    box = mailbox.mbox(str(path), factory=lambda f: email.message_from_binary_file(
        f, policy=email.policy.default), create=False)
    try:
        return list(box)
    finally:
        box.close()


def thread_roots(messages) -> dict[str, str]:
    parent = {}
    for msg in messages:
        refs = str(msg.get("References", "")).split()
        parent[msg["Message-ID"]] = refs[-1] if refs else msg.get("In-Reply-To")
    roots = {}
    for mid in parent:
        root, seen = mid, set()
        while parent.get(root) and root not in seen:
            seen.add(root)
            root = parent[root]
        roots[mid] = root
    return roots


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> tuple[DemoSummary, list]:
    path = tmp_path_factory.mktemp("demo") / "demo.mbox"
    summary = write_demo_mbox(path, NOW)
    return summary, read(path)


def test_written_and_large_enough(demo):
    summary, messages = demo
    assert summary.path.exists()
    assert len(messages) == summary.messages >= 300
    assert summary.companies >= 40
    assert summary.outbound > 50 and summary.inbound > 100


def test_every_message_has_an_id_and_a_date_not_after_now(demo):
    _, messages = demo
    ids = [msg["Message-ID"] for msg in messages]
    assert all(ids) and len(set(ids)) == len(ids)
    for msg in messages:
        assert msg["Message-ID"].startswith("<") and "@" in msg["Message-ID"]
        when = parsedate_to_datetime(msg["Date"])
        assert when.tzinfo is not None
        assert when <= NOW, (msg["Subject"], msg["Date"])


def test_replies_refer_to_messages_in_the_file(demo):
    _, messages = demo
    ids = {msg["Message-ID"] for msg in messages}
    replies = [msg for msg in messages if msg.get("In-Reply-To")]
    assert len(replies) > 150
    for msg in replies:
        assert msg["In-Reply-To"] in ids
        for ref in str(msg.get("References", "")).split():
            assert ref in ids
    # some Outlook replies carry In-Reply-To without References
    assert any(not msg.get("References") for msg in replies)


def test_threads_by_references(demo):
    summary, messages = demo
    roots = set(thread_roots(messages).values())
    assert len(roots) >= 60
    assert len(roots) == summary.threads == summary.expected_threads


def test_companies_and_countries(demo):
    _, messages = demo
    domains = Counter()
    zones = set()
    for msg in messages:
        sender = msg["From"].addresses[0]
        if sender.domain != DEMO_INTERNAL_DOMAIN and not msg.get("List-Id") \
                and "reply" not in sender.username.lower() and sender.username != "MAILER-DAEMON" \
                and "notification" not in sender.username:
            domains[sender.domain] += 1
            zones.add(parsedate_to_datetime(msg["Date"]).utcoffset())
    assert len(domains) >= 40
    assert len(zones) >= 6


def test_deterministic(demo, tmp_path):
    summary, _ = demo
    again = tmp_path / "again.mbox"
    again.write_text("From x Mon Nov 23 10:00:00 2026\nSubject: old\n\nold\n")
    write_demo_mbox(again, NOW)  # replaces the file, never appends
    assert again.read_bytes() == summary.path.read_bytes()
    # and in a fresh interpreter with another hash seed
    other = tmp_path / "other.mbox"
    code = ("import sys, datetime; from followup.demo import write_demo_mbox; "
            "write_demo_mbox(sys.argv[1], datetime.datetime.fromisoformat(sys.argv[2]))")
    subprocess.run([sys.executable, "-c", code, str(other), NOW.isoformat()], check=True,
                   cwd=Path(__file__).resolve().parents[1],
                   env={**os.environ, "PYTHONHASHSEED": "12345"})
    assert other.read_bytes() == summary.path.read_bytes()


@pytest.mark.parametrize("now", [
    datetime(2026, 11, 25, 0, 5, tzinfo=timezone.utc),       # just after midnight UTC
    datetime(2027, 3, 29, 9, 0, tzinfo=timezone(timedelta(hours=2))),  # after a DST change
    datetime(2028, 3, 1, 23, 59, tzinfo=timezone.utc),       # a year after a leap day
])
def test_other_nows(tmp_path, now):
    summary = write_demo_mbox(tmp_path / "demo.mbox", now)
    messages = read(summary.path)
    assert len(messages) == summary.messages >= 300
    assert all(parsedate_to_datetime(m["Date"]) <= now for m in messages)
    assert len(set(thread_roots(messages).values())) == summary.expected_threads >= 60


def test_outbound_and_inbound_in_one_mailbox(demo):
    _, messages = demo
    senders = Counter(msg["From"].addresses[0].addr_spec for msg in messages)
    assert senders[DEMO_USER_EMAIL] > 50
    assert senders["sam@example.com"] >= 5


def test_scenario_kinds_present(demo):
    _, messages = demo
    count = Counter()
    for msg in messages:
        subject = msg["Subject"]
        if msg.get("Auto-Submitted") == "auto-replied" and msg.get("In-Reply-To"):
            count["out_of_office"] += 1
        if msg.get("List-Unsubscribe") and msg.get("List-Id"):
            count["newsletter"] += 1
            assert "order now" in msg.get_body(("plain",)).get_content().lower()
        if msg.get_content_type() == "multipart/report":
            count["bounce"] += 1
            assert msg["From"].addresses[0].username == "MAILER-DAEMON"
        if "reply" in msg["From"].addresses[0].username.lower():
            count["no_reply"] += 1
        if msg.get_content_type() == "multipart/alternative":
            count["html"] += 1
        if any(part.get_filename() for part in msg.iter_attachments()):
            count["attachment"] += 1
        if "=?utf-8?" in msg.as_string().split("\n\n", 1)[0].lower():
            count["encoded_words"] += 1
        for prefix in ("Re:", "RE:", "AW:", "Fwd:"):
            if subject.startswith(prefix):
                count[prefix] += 1
        if msg.get_content_maintype() == "text" or msg.is_multipart():
            body = msg.get_body(("plain",))
            text = body.get_content() if body is not None else ""
            if "\n-- \n" in text:
                count["signature"] += 1
            if " wrote:\n>" in text:
                count["quoted"] += 1
            if "-----Original Message-----" in text or "-----Ursprüngliche Nachricht-----" in text:
                count["outlook_quote"] += 1
            if "\nSent: " in text and "________________________________" in text:
                count["outlook_from_sent"] += 1
    for kind in ("out_of_office", "newsletter", "bounce", "no_reply", "html", "attachment",
                 "encoded_words", "Re:", "RE:", "AW:", "Fwd:", "signature", "quoted",
                 "outlook_quote", "outlook_from_sent"):
        assert count[kind] >= 1, (kind, count)
    assert count["newsletter"] >= 10


def test_encoded_names_decode(demo):
    _, messages = demo
    names = {msg["From"].addresses[0].display_name for msg in messages}
    assert "Jürgen Müller" in names or "Katrin Vogel" in names
    assert "Éloïse Lefèvre" in names


def test_summary_scenarios_cover_every_task_kind(demo):
    summary, messages = demo
    kinds = Counter(s.expected_task for s in summary.scenarios)
    for kind in ("awaiting_reply", "needs_reply", "post_sale_checkin", "complaint",
                 "dormant_customer", "anniversary"):
        assert kinds[kind] >= 1, kind
    assert kinds[None] >= 10
    ids = {msg["Message-ID"] for msg in messages}
    assert all(s.thread_root in ids for s in summary.scenarios)


def test_internal_chatter_and_dormant_customer(demo):
    summary, messages = demo
    internal = [m for m in messages
                if all(a.domain == DEMO_INTERNAL_DOMAIN
                       for h in ("From", "To") for a in m[h].addresses)]
    assert len(internal) >= 10
    dormant = summary.expected("dormant_customer")[0]
    last = max(parsedate_to_datetime(m["Date"]) for m in messages
               if dormant.contact in str(m["From"]) + str(m["To"]))
    assert NOW - last > timedelta(days=100)
    anniversary = summary.expected("anniversary")[0]
    first = min(parsedate_to_datetime(m["Date"]) for m in messages
                if anniversary.contact in str(m["From"]) + str(m["To"]))
    assert timedelta(days=355) < NOW - first < timedelta(days=375)


def test_naive_now_is_refused(tmp_path):
    with pytest.raises(ValueError, match="aware"):
        write_demo_mbox(tmp_path / "x.mbox", datetime(2026, 11, 23, 12, 0))


def test_bounce_is_for_a_mistyped_address_then_resent(demo):
    summary, messages = demo
    failures = [m["X-Failed-Recipients"] for m in messages if m.get_content_type() == "multipart/report"]
    for failed in failures:
        assert any(failed == str(m["To"].addresses[0].addr_spec) for m in messages
                   if m["From"].addresses[0].addr_spec == DEMO_USER_EMAIL)
    resent = next(m for m in messages if m["From"].addresses[0].addr_spec == DEMO_USER_EMAIL
                  and m.get("In-Reply-To") and "Resending to the right address" in m.get_body().get_content())
    right = resent["To"].addresses[0].addr_spec
    assert any(right != failed and right.split("@")[1] == failed.split("@")[1] for failed in failures)
    assert any(s.kind.startswith("a quote to a mistyped address bounced") and s.expected_task == "bounced"
               for s in summary.scenarios)
