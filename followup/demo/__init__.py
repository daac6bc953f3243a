"""The demo mailbox: a seeded, realistic mbox export of a rep's mailbox, relative to `now`.

`write_demo_mbox(path, now)` writes it and returns a `DemoSummary` whose `scenarios` say
what each interesting thread is and which follow-up task detection should give it.
"""

from __future__ import annotations

import mailbox
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from followup.demo.people import COLLEAGUE_EMAIL, DEMO_INTERNAL_DOMAIN, DEMO_USER_EMAIL
from followup.demo.scenarios import Demo, Scenario, tell_the_story

__all__ = ["COLLEAGUE_EMAIL", "DEMO_INTERNAL_DOMAIN", "DEMO_USER_EMAIL", "DemoSummary",
           "Scenario", "write_demo_mbox"]


@dataclass(frozen=True)
class DemoSummary:
    path: Path
    now: datetime
    seed: int
    messages: int
    threads: int
    expected_threads: int  # by the headers (References / In-Reply-To)
    stored_threads: int  # after ingestion, which joins a bounce to the mail it reports on
    companies: int
    people: int
    inbound: int
    outbound: int
    scenarios: tuple[Scenario, ...] = field(default_factory=tuple)

    def expected(self, task: str | None) -> list[Scenario]:
        """The scenarios that should (task given) or should not (None) give a task kind."""
        return [s for s in self.scenarios if s.expected_task == task]


def write_demo_mbox(path, now: datetime, seed: int = 7) -> DemoSummary:
    """Write the demo mailbox to `path` (replacing it) and describe what is in it."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("now must be an aware datetime, e.g. datetime.now(timezone.utc)")
    demo = Demo(now, seed)
    tell_the_story(demo)
    # A mailbox export lists mail by arrival; ties keep the order they were written in.
    ordered = sorted(enumerate(demo.mails), key=lambda item: (item[1].date.astimezone(timezone.utc),
                                                              item[0]))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    box = mailbox.mbox(str(path), create=True)
    box.lock()
    try:
        for _, mail in ordered:
            stamp = time.asctime(mail.date.astimezone(timezone.utc).timetuple())
            mail.message.set_unixfrom(f"From {mail.envelope_from or 'MAILER-DAEMON'} {stamp}")
            box.add(mail.message)
        box.flush()
    finally:
        box.unlock()
        box.close()

    parents = {mail.message_id: mail.in_reply_to for mail in demo.mails}
    roots = {}
    for mail in demo.mails:
        root = mail.message_id
        while parents.get(root):
            root = parents[root]
        roots[mail.message_id] = root
    domains = {m.sender.email.split("@")[1] for m in demo.mails
               if m.sender is not None and not m.sender.email.endswith("@" + DEMO_INTERNAL_DOMAIN)}
    people = {m.sender.email for m in demo.mails if m.sender is not None}
    outbound = sum(1 for m in demo.mails if m.sender is not None
                   and m.sender.email == DEMO_USER_EMAIL)
    return DemoSummary(
        path=path,
        now=now,
        seed=seed,
        messages=len(demo.mails),
        threads=len(set(roots.values())),
        expected_threads=demo.threads,
        stored_threads=demo.threads - demo.joined,
        companies=len(domains),
        people=len(people),
        inbound=len(demo.mails) - outbound,
        outbound=outbound,
        scenarios=tuple(demo.scenarios),
    )
