"""Detection: runs the rules of `followup.domain.rules` over an account's threads and contacts and
applies the result to `FollowUpTask` and `TaskEvent`, idempotently.

One pass, in one transaction:

1. load the threads to look at: all of the account (`full=True`), or only those whose mail
   changed (`Thread.needs_detection`) or whose time has come (`Thread.detect_at <= now`:
   a due date, a second nudge, an expiry); then their messages in one query (chunked),
   never one query per thread;
2. run the pure rules per thread (told which task keys are open, so closures are only
   worded for those); merge what the threads say about each external contact (last mail,
   first and last sale, name) into `Contact`; a name learned now re-words the open tasks
   of other threads that still called the contact by address;
3. run the contact rules (dormant customer, anniversary) for contacts with a past sale;
4. upsert tasks on their unique (account, key): open new ones, nudge, update what changed,
   close what the rules close; respect the user's word (a done, dismissed or snoozed task
   comes back only with a new trigger); assign new complaints round robin in the team;
5. clear `needs_detection` and store the next `detect_at` of each thread looked at.

Running it twice with the same `now` changes nothing the second time, and an incremental
pass leaves the tasks exactly as a full pass would (tested day after day).
After a change to settings the rules read, `request_detection` flags an account's threads.

This module runs the pass (load → rules → apply); loading lives in `detection.load`, the
writing of tasks, events and each thread's next look in `detection.apply` (`TaskApplier`).
"""

from __future__ import annotations

import time as _time
from dataclasses import asdict, dataclass, replace
from datetime import datetime
from typing import Iterable, Sequence

from sqlalchemy import select, update
from sqlmodel import Session

from followup.db.contacts import load_contacts, save_contact_activity
from followup.db.models import IgnoreRule, MailAccount, Thread, User
from followup.detection.apply import CONTACT_KINDS, TaskApplier, mark_threads
from followup.detection.load import ThreadRow, display_names, load_messages, load_threads, threads_naming, utc
from followup.detection.paces import contact_paces
from followup.domain.calendar import parse_working_days
from followup.domain.rules.contact import contact_may_have_task, detect_contact
from followup.domain.rules.thread import detect_thread
from followup.domain.rules.views import ContactActivity, ContactView, DetectionSettings, MessageView, Outcome, ThreadView
from followup.domain.vocabulary import OPEN_STATUSES
from followup.errors import FollowupError


class DetectionError(FollowupError, ValueError):
    """Detection cannot run as asked (unknown account, a naive `now`)."""


@dataclass
class DetectionReport:
    account_id: int
    full: bool
    now: datetime
    threads: int = 0
    messages: int = 0
    contacts_added: int = 0
    contacts_updated: int = 0
    opened: int = 0
    reopened: int = 0
    retriggered: int = 0
    nudged: int = 0
    updated: int = 0
    resolved: int = 0
    expired: int = 0
    dismissed: int = 0
    unsnoozed: int = 0
    seconds: float = 0.0

    @property
    def closed(self) -> int:
        return self.resolved + self.expired + self.dismissed

    @property
    def changed(self) -> int:
        return (self.opened + self.reopened + self.retriggered + self.nudged + self.updated
                + self.closed + self.unsnoozed)

    def to_dict(self) -> dict:
        data = asdict(self)
        data["now"] = self.now.isoformat()
        data["closed"] = self.closed
        data["seconds"] = round(self.seconds, 3)
        return data


def settings_for(user: User, account: MailAccount, ignore_patterns: Iterable[str] = ()) -> DetectionSettings:
    """The rules' view of a user's settings and an account's own addresses."""
    return DetectionSettings(
        timezone=user.timezone or "UTC",
        working_days=tuple(sorted(parse_working_days(user.working_days or "0,1,2,3,4"))),
        holiday_country=user.holiday_country or None,
        awaiting_reply_days=user.awaiting_reply_days,
        needs_reply_days=user.needs_reply_days,
        complaint_response_days=user.complaint_response_days,
        max_nudges=user.max_nudges,
        dormant_days=user.dormant_days,
        contact_pace=user.contact_pace,
        own_addresses=frozenset(a.lower() for a in (*account.addresses, user.email)),
        internal_domains=frozenset(d.lower().lstrip("@") for d in account.internal_domains),
        ignore_patterns=frozenset(p.strip().lower().lstrip("@") for p in ignore_patterns if p.strip()),
        watching_since=utc(account.created_at) if account.created_at else None,
    )


def request_detection(session: Session, account_id: int) -> int:
    """Flag every thread of the account for the next pass: after the user changed a setting
    the rules read (thresholds, time zone, holidays, ignore rules, addresses). Returns how many."""
    result = session.execute(update(Thread).where(Thread.account_id == account_id).values(needs_detection=True))
    return result.rowcount


def detect_account(session: Session, account_id: int, now: datetime, full: bool = False) -> DetectionReport:
    """Run detection for one account at `now`; see the module docstring."""
    if now.tzinfo is None:
        raise DetectionError("now must be an aware datetime")
    started = _time.perf_counter()
    account = session.get(MailAccount, account_id)
    if account is None:
        raise DetectionError(f"no account {account_id}")
    user = session.get(User, account.user_id)
    patterns = session.execute(select(IgnoreRule.pattern).where(IgnoreRule.user_id == user.id)).scalars().all()
    settings = settings_for(user, account, patterns)
    settings.calendar  # noqa: B018  (a bad time zone or holiday country fails here, before any work)
    report = DetectionReport(account_id=account_id, full=full, now=now)

    threads = load_threads(session, account_id, now, full)
    messages = load_messages(session, account_id, [t.id for t in threads], full)
    report.threads = len(threads)
    report.messages = sum(len(m) for m in messages.values())

    def load_more(ids: Sequence[int]) -> dict[int, list[MessageView]]:
        return load_messages(session, account_id, ids, False)

    paces = contact_paces(session, account_id, messages, settings, full, load_more)

    addresses = {a for views in messages.values() for m in views
                 for a in (m.from_addr, *m.to_addrs, *m.cc_addrs)}
    contacts = load_contacts(session, account_id, None if full else addresses)
    # Names seen in the mail being looked at, so that a first pass and a later one word the
    # nudges alike ("Dana Wu (Acme)", not "dana@acme.com" before the contact row existed).
    names = display_names(messages)
    named = dict(contacts)
    for email, name in names.items():
        known = named.get(email)
        if known is None:
            named[email] = ContactView(0, email, name)
        elif not known.name:
            named[email] = replace(known, name=name)

    applier = TaskApplier(session, account, user, now, report)
    applier.load([row.id for row in threads], full)
    open_keys = applier.open_keys()  # closures matter only for these

    outcomes: list[tuple[ThreadRow, Outcome]] = []
    activity: dict[str, ContactActivity] = {}
    for row in threads:
        view = ThreadView(id=row.id, subject=row.subject or "", messages=tuple(messages.get(row.id, ())),
                          muted=bool(row.muted))
        outcome = detect_thread(view, settings, now, named, open_keys, paces)
        outcomes.append((row, outcome))
        for email, seen in outcome.activity.items():
            known = activity.get(email)
            if known is None:
                activity[email] = seen
            else:
                known.merge(seen)

    for email, seen in activity.items():
        seen.name = names.get(email, seen.name)
    saved = save_contact_activity(session, account_id, contacts, activity, full)
    contacts, renamed = saved.contacts, saved.renamed
    report.contacts_added, report.contacts_updated = saved.added, saved.updated
    applier.contact_ids = {email: c.id for email, c in contacts.items()}
    if renamed and not full:
        # A name learned in this pass: re-word the open tasks elsewhere that still call the
        # contact by address, so an incremental pass words nudges as a full pass would.
        ids = threads_naming(session, account_id, [contacts[e].id for e in renamed], {r.id for r in threads})
        if ids:
            applier.load(ids, False)
            open_keys = applier.open_keys()
            named.update((email, contacts[email]) for email in renamed)
            extra = load_messages(session, account_id, ids, False)
            paces.update(contact_paces(session, account_id, extra, settings, False, load_more))
            for row in load_threads(session, account_id, now, False, ids=ids):
                view = ThreadView(id=row.id, subject=row.subject or "", messages=tuple(extra.get(row.id, ())),
                                  muted=bool(row.muted))
                outcomes.append((row, detect_thread(view, settings, now, named, open_keys, paces)))
    # Contact rules: every past customer in a full pass; else those whose mail changed, who
    # have an open contact task, or who may be due (dormant, an anniversary window).
    open_keys = open_keys | applier.load_sibling_contact_tasks()
    with_tasks = {t.contact_id for t in applier.tasks.values()
                  if t.kind in CONTACT_KINDS and t.status in OPEN_STATUSES}
    contact_outcomes = [
        detect_contact(c, settings, now, open_keys) for c in contacts.values()
        if c.first_sale_at is not None and (
            full or c.email in activity or c.id in with_tasks or contact_may_have_task(c, settings, now))
    ]

    for _, outcome in outcomes:
        applier.apply(outcome)
    for outcome in contact_outcomes:
        applier.apply(outcome)
    applier.wake_snoozed()
    applier.flush()

    mark_threads(session, outcomes)
    report.seconds = _time.perf_counter() - started
    return report
