"""Detection speed: a full pass over a large mailbox, and an incremental pass after new mail.

    .venv/bin/python bench/detect.py [--messages 100000] [--threads 20000] [--database-url URL]

Fills a fresh database (SQLite in a temporary directory unless `--database-url` names an
empty PostgreSQL or SQLite database) with threads of classified business mail spread over
the last 200 days: inquiries, sales, complaints, chats, newsletters and out-of-office
replies, dated promises both ways (one mail in twenty, in four languages) and mail that
keeps them (attached), with a few thousand external contacts, each with their own pace. Rows go in directly (the rules only read
what ingestion stores), so this times detection alone. Then it times, each in its own
transaction as `followup detect` runs them:

1. the first full pass (opens every task);
2. a second full pass (nothing to change: the idempotency check);
3. an incremental pass with no new mail (the scheduler's steady tick);
4. an incremental pass after 100 new messages in 100 threads.

Targets (SQLite): full under 10 s, incremental under 0.5 s.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import func, select, update  # noqa: E402

from followup.db.session import make_engine, session_scope, upgrade  # noqa: E402
from followup.detection.service import detect_account  # noqa: E402
from followup.domain.away import dateparser_readings  # noqa: E402
from followup.db.models import FollowUpTask, MailAccount, Message, Thread, User  # noqa: E402

OWN = "rep@seller.example"
NOW = datetime(2026, 3, 9, 10, tzinfo=timezone.utc)
FIRST = ["Dana", "Lee", "Ana", "Ravi", "Mei", "Olga", "Sam", "Noor", "Jon", "Ines", "Kofi", "Lena"]
LAST = ["Wu", "Park", "Silva", "Patel", "Chen", "Ivanova", "Berg", "Haddad", "Moss", "Costa", "Mensah"]
TEXTS = {
    "inquiry": ("Could you quote us 200 units with delivery to Lyon?", True),
    "sale": ("Deal signed. Invoice attached, payment by transfer.", False),
    "complaint": ("The parcel arrived damaged and two units are broken. I want a refund.", False),
    "other": ("Can we move our call to Thursday at 3?", True),
    None: ("Thanks, noted.", False),
}
PROMISES = (  # dated promises both ways, in a few languages: the promise rule reads their days
    "I'll send you the revised drawings on Friday.", "We will send the PO by 12 March.",
    "Ich werde Ihnen das Angebot bis Freitag schicken.", "Nous vous enverrons le devis avant le 20 mars.",
    "I will get back to you with the figures by next Tuesday.",
)
KEPT = "As promised, the file is attached."
FILLER = ("We reviewed the specification with the team and the numbers look right for the first "
          "batch; the warehouse can take the pallets on weekdays between eight and four. ") * 3


def fill(engine, n_messages: int, n_threads: int, seed: int) -> tuple[int, list[int]]:
    rng = random.Random(seed)
    with session_scope(engine) as session:
        user = User(email=OWN, password_hash="x", timezone="Europe/Paris", holiday_country="FR")
        session.add(user)
        session.flush()
        account = MailAccount(user_id=user.id, addresses=[OWN], internal_domains=["seller.example"])
        session.add(account)
        session.flush()
        account_id = account.id
    companies = [f"company{i}" for i in range(1500)]
    contacts = [(f"{rng.choice(FIRST).lower()}.{i}@{rng.choice(companies)}.example",
                 f"{rng.choice(FIRST)} {rng.choice(LAST)}") for i in range(5000)]
    sizes = [1] * n_threads
    for _ in range(n_messages - n_threads):
        sizes[rng.randrange(n_threads)] += 1
    threads, messages = [], []
    n = 0
    for t in range(1, n_threads + 1):
        kind = rng.choices(["inquiry", "sale", "complaint", "other", "newsletter"], [25, 10, 5, 45, 15])[0]
        address, name = rng.choice(contacts)
        start = NOW - timedelta(days=rng.uniform(0, 200))
        when = start
        for i in range(sizes[t - 1]):
            n += 1
            if kind == "newsletter":
                outbound, frm, fname, to = False, f"news@list{t % 50}.example", "Newsletter", [OWN]
            else:
                outbound = (i % 2 == 1) if rng.random() < 0.85 else rng.random() < 0.5
                frm, fname, to = (OWN, "Rep", [address]) if outbound else (address, name, [OWN])
            label = kind if (i == 0 and kind != "newsletter") else rng.choice(["other", None, "inquiry"])
            text, needs_reply = TEXTS[label]
            attachments = []
            if kind != "newsletter" and rng.random() < 0.05:  # one mail in twenty makes a promise
                text += " " + rng.choice(PROMISES)
            elif outbound and rng.random() < 0.03:
                text, attachments = KEPT, [{"filename": "drawings.pdf", "content_type": "application/pdf",
                                            "size": 52_000}]
            messages.append(dict(
                account_id=0, thread_id=t, message_id_header=f"m{n}@bench", content_hash=f"h{n}",
                direction="outbound" if outbound else "inbound", from_addr=frm, from_name=fname,
                to_addrs=to, cc_addrs=[], subject=f"Thread {t}", sent_at=when, body_text=f"Hi,\n\n{text}\n{FILLER}\n\nBest,\n{fname}",
                quoted_text="> earlier message\n" * 20,
                label=label, needs_reply=needs_reply, is_bulk=kind == "newsletter",
                is_auto_reply=(not outbound and kind != "newsletter" and rng.random() < 0.02),
                classified_at=when, references=[], parse_warnings=[], attachments=attachments, evidence=[],
            ))
            when += timedelta(hours=rng.uniform(1, 60))
        threads.append(dict(account_id=account_id, subject=f"Thread {t}", first_message_at=start,
                            last_message_at=when, message_count=sizes[t - 1], needs_detection=True,
                            updated_at=NOW - timedelta(days=1)))
    with engine.begin() as conn:
        conn.execute(Thread.__table__.insert(), threads)
        first_id = conn.execute(select(func.min(Thread.id)).where(Thread.account_id == account_id)).scalar_one()
        for m in messages:
            m["account_id"] = account_id
            m["thread_id"] += first_id - 1
        for start in range(0, len(messages), 5000):
            conn.execute(Message.__table__.insert(), messages[start:start + 5000])
    return account_id, list(range(first_id, first_id + n_threads))


def add_new_mail(engine, account_id: int, thread_ids: list[int], count: int, seed: int) -> None:
    """What a sync brings in: `count` replies in existing threads, each flagging its thread."""
    rng = random.Random(seed)
    chosen = rng.sample(thread_ids, count)
    with engine.begin() as conn:
        conn.execute(Message.__table__.insert(), [dict(
            account_id=account_id, thread_id=t, message_id_header=f"new{t}@bench", content_hash=f"new{t}",
            direction="inbound", from_addr=f"late.{t}@newco.example", from_name="Late Reply", to_addrs=[OWN],
            cc_addrs=[], subject="Re", sent_at=NOW - timedelta(minutes=5), body_text="Any update on this?",
            label="other", needs_reply=True, references=[], parse_warnings=[], attachments=[], evidence=[],
            quoted_text="",
        ) for t in chosen])
        conn.execute(update(Thread).where(Thread.id.in_(chosen))
                     .values(needs_detection=True, message_count=Thread.message_count + 1,
                             updated_at=NOW - timedelta(minutes=4)))


def timed(engine, account_id: int, now: datetime, full: bool):
    """Wall and CPU seconds of one pass, commit included (CPU: this process only, which
    tells the figure apart from a machine busy with other work)."""
    started, cpu = time.perf_counter(), time.process_time()
    with session_scope(engine) as session:
        report = detect_account(session, account_id, now, full=full)
    return time.perf_counter() - started, time.process_time() - cpu, report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--threads", type=int, default=20_000)
    parser.add_argument("--new", type=int, default=100, help="new messages before the incremental pass")
    parser.add_argument("--database-url", default=None, help="an EMPTY database (default: SQLite in a temp dir)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()

    tmp = tempfile.TemporaryDirectory(prefix="bench-detect-")
    url = args.database_url or f"sqlite:///{tmp.name}/bench.db"
    engine = make_engine(url)
    upgrade(engine)
    started = time.perf_counter()
    account_id, thread_ids = fill(engine, args.messages, args.threads, args.seed)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"load average {load:.1f} on {os.cpu_count()} CPUs")
    print(f"database: {engine.dialect.name}; filled {args.messages:,} messages in {args.threads:,} threads "
          f"in {time.perf_counter() - started:.1f} s")

    def line(label: str, seconds: float, cpu: float, report) -> None:
        print(f"{label:<44} {seconds:7.3f} s (cpu {cpu:6.3f} s)  threads {report.threads:>6,}  "
              f"messages {report.messages:>7,}  opened {report.opened:>5,}  closed {report.closed:>5,}  "
              f"changed {report.changed:>5,}")

    line("full pass (first)", *timed(engine, account_id, NOW, True))
    print(f"{'':<44} days read by dateparser: {dateparser_readings():,}")
    line("full pass (again: nothing to change)", *timed(engine, account_id, NOW, True))
    line("incremental pass, no new mail", *timed(engine, account_id, NOW, False))
    add_new_mail(engine, account_id, thread_ids, args.new, args.seed)
    line(f"incremental pass after {args.new} new messages", *timed(engine, account_id, NOW, False))
    with session_scope(engine) as session:
        by_kind = session.execute(select(FollowUpTask.kind, func.count()).where(FollowUpTask.status == "open")
                                  .group_by(FollowUpTask.kind).order_by(FollowUpTask.kind)).all()
    print("open tasks: " + ", ".join(f"{kind} {count:,}" for kind, count in by_kind))
    engine.dispose()
    tmp.cleanup()


if __name__ == "__main__":
    main()
