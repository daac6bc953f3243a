"""The demo mailbox end to end: import, classify, detect; the tasks match its scenarios.

Uses the shipped classifier, so a label it gets wrong can cost a scenario: the test allows
one miss in each direction and prints the whole comparison when it fails.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone

import pytest

from followup.bootstrap import Runtime
from followup.pipeline import process_account
from followup.db.accounts import create_account
from followup.db.session import make_engine, session_scope, upgrade
from followup.demo import DEMO_INTERNAL_DOMAIN, DEMO_USER_EMAIL, write_demo_mbox
from followup.detection.service import detect_account
from followup.tasks import list_open_tasks
from followup.config import load_settings
from followup.db.users import create_user
from inbox_sync.importer import import_mailbox

pytestmark = pytest.mark.slow


@pytest.mark.parametrize("now", [
    datetime(2026, 3, 11, 10, tzinfo=timezone.utc),  # a Wednesday morning
    datetime(2026, 11, 23, 18, tzinfo=timezone.utc),  # a Monday evening
])
def test_the_demo_mailbox_gives_the_tasks_its_scenarios_expect(tmp_path, now):
    settings = load_settings({"FOLLOWUP_DATA_DIR": str(tmp_path), "FOLLOWUP_SECRET_KEY": "k" * 32})
    engine = make_engine(f"sqlite:///{tmp_path / 'demo.db'}")
    upgrade(engine)
    rt = Runtime(settings=settings, engine=engine)
    with session_scope(engine) as session:
        user = create_user(session, DEMO_USER_EMAIL, "a good password")
        account_id = create_account(session, settings.secret_key, user=user, addresses=[DEMO_USER_EMAIL],
                                    internal_domains=[DEMO_INTERNAL_DOMAIN]).id
    summary = write_demo_mbox(tmp_path / "demo.mbox", now)
    import_mailbox(engine, account_id, summary.path)
    process_account(rt, account_id, now)
    with session_scope(engine) as session:
        tasks = list_open_tasks(session, now)
        # Check-ins whose window opens later are the scenarios' "upcoming", not open.
        tasks += [replace(t, kind="upcoming") for t in list_open_tasks(session, now, upcoming=True)]
        # A full pass over the same mail agrees with the incremental one.
        assert detect_account(session, account_id, now, full=True).changed == 0

    missed, extra, lines = [], [], []
    for scenario in summary.scenarios:
        contact = scenario.contact.lower() if scenario.contact else None
        mine = [t for t in tasks if t.contact == contact
                and (t.thread_id is None or _same_subject(t.subject, scenario.subject))]
        kinds = sorted({t.kind for t in mine})
        expected = scenario.expected_task
        if expected and expected not in kinds:
            missed.append(scenario)
        if not expected and [t for t in mine if t.thread_id is not None]:
            extra.append(scenario)
        lines.append(f"{scenario.kind:<55} expected {expected!s:<18} got {kinds} — {scenario.note}")
    report = "\n".join(lines)
    assert len(missed) <= 1, f"missed tasks:\n{report}"
    assert len(extra) <= 1, f"tasks the demo does not expect:\n{report}"
    # Nothing outside the scenarios: every open task belongs to a described thread or contact.
    described = {s.contact.lower() for s in summary.scenarios if s.contact}
    assert {t.contact for t in tasks} <= described, [t.nudge for t in tasks if t.contact not in described]


def _same_subject(a: str, b: str) -> bool:
    a, b = a.lower().strip(), b.lower().strip()
    return a in b or b in a
