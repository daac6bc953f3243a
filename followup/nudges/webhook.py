"""The team's complaint webhook: a Slack-compatible message when a complaint task opens.

Detection records an ``opened`` (or ``reopened``) `TaskEvent` for every complaint task;
a ``webhook`` event records that the team's incoming webhook took it. A complaint is due
a notice while it is open, its team has a `Team.complaint_webhook_url`, and its latest
opening event is newer than its latest ``webhook`` event, so a complaint is announced once
per opening, whichever process gets there first.

Delivery is an HTTP POST of ``{"text": ..., "blocks": [...]}`` (Slack's incoming-webhook
format, also taken by Mattermost, Rocket.Chat and Teams' Slack-compatible connectors).
With Redis each notice is its own rq job on the ``default`` queue with `RQ_RETRY`
(exponential backoff, then a failed-job record); inline, `deliver` tries `INLINE_DELAYS`
and leaves a notice that still fails for the next pass (the sync after).
"""

from __future__ import annotations

import json
import logging
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime
from typing import Callable

from rq import Retry
from sqlalchemy import func
from sqlmodel import Session, select

from followup.bootstrap import Runtime
from followup.db.session import session_scope
from followup.domain.vocabulary import OPEN_STATUSES, TaskKind
from followup.db.models import Contact, FollowUpTask, TaskEvent, Team, Thread, User
from followup.errors import FollowupError
from followup.tasks import record_event

log = logging.getLogger(__name__)

OPENING_EVENTS = ("opened", "reopened")
WEBHOOK_EVENT = "webhook"

TIMEOUT = 10.0
"""Seconds to wait for the webhook's answer."""

INLINE_DELAYS = (1.0, 2.0, 4.0)
"""Seconds slept before each retry when jobs run inline (four attempts in all)."""

RQ_RETRY = Retry(max=5, interval=[10, 30, 90, 270, 810])
"""With Redis: five more attempts over about 20 minutes, each three times later."""


class WebhookError(FollowupError, RuntimeError):
    """The webhook did not take the message (an HTTP error status, or no connection)."""


@dataclass(frozen=True)
class ComplaintNotice:
    """One complaint to announce: the task, the opening it announces, where, and what."""

    task_id: int
    event_id: int
    url: str
    payload: dict


# ---- what to send ----------------------------------------------------------------------


def slack_escape(text: str) -> str:
    """Slack's mrkdwn needs only &, < and > escaped; the rest is shown as typed."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def complaint_payload(*, task_id: int, subject: str, contact: str, nudge: str, reason: str,
                      assignee: str | None, due_at: datetime, link: str) -> dict:
    """The Slack incoming-webhook message for a new complaint (pure)."""
    subject = subject or "(no subject)"
    who = contact or "a customer"
    owner = assignee or "nobody yet"
    text = f"New complaint from {who}: {subject}"
    details = [f"*Owner:* {slack_escape(owner)}", f"*First response due:* {due_at:%Y-%m-%d %H:%M} UTC"]
    blocks = [
        {"type": "header", "text": {"type": "plain_text", "text": "New complaint", "emoji": False}},
        {"type": "section", "text": {"type": "mrkdwn",
                                     "text": f"*{slack_escape(subject)}*\nfrom {slack_escape(who)}"}},
        {"type": "section", "text": {"type": "mrkdwn", "text": slack_escape(nudge or reason or text)}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "  ·  ".join(details)}]},
        {"type": "actions", "elements": [{
            "type": "button", "text": {"type": "plain_text", "text": "Open in followup"},
            "url": link, "action_id": f"open-task-{task_id}",
        }]},
    ]
    return {"text": slack_escape(text), "blocks": blocks}


def pending_notices(session: Session, base_url: str, *, account_id: int | None = None,
                    task_id: int | None = None) -> list[ComplaintNotice]:
    """Open complaints of teams with a webhook whose latest opening was not announced yet."""
    query = (
        select(FollowUpTask, Team.complaint_webhook_url)
        .join(Team, Team.id == FollowUpTask.team_id)
        .where(FollowUpTask.kind == TaskKind.COMPLAINT, FollowUpTask.status.in_(OPEN_STATUSES),
               Team.complaint_webhook_url.is_not(None), Team.complaint_webhook_url != "")
    )
    if account_id is not None:
        query = query.where(FollowUpTask.account_id == account_id)
    if task_id is not None:
        query = query.where(FollowUpTask.id == task_id)
    tasks = {task.id: (task, url) for task, url in session.exec(query)}
    if not tasks:
        return []
    opened: dict[int, int] = {}  # task id → id of its latest opening event
    posted: dict[int, int] = {}  # task id → id of its latest webhook event
    for chunk in _chunks(sorted(tasks)):
        for tid, event, last_id in session.exec(
            select(TaskEvent.task_id, TaskEvent.event, func.max(TaskEvent.id))
            .where(TaskEvent.task_id.in_(chunk), TaskEvent.event.in_((*OPENING_EVENTS, WEBHOOK_EVENT)))
            .group_by(TaskEvent.task_id, TaskEvent.event)
        ):
            seen = posted if event == WEBHOOK_EVENT else opened
            seen[tid] = max(last_id, seen.get(tid, 0))
    notices = []
    for tid, (task, url) in sorted(tasks.items()):
        opening = opened.get(tid)
        if opening is None or posted.get(tid, 0) > opening:
            continue
        notices.append(ComplaintNotice(tid, opening, url, _payload_for(session, task, base_url)))
    return notices


def _payload_for(session: Session, task: FollowUpTask, base_url: str) -> dict:
    subject = session.exec(select(Thread.subject).where(Thread.id == task.thread_id)).first() if task.thread_id else ""
    contact = session.get(Contact, task.contact_id) if task.contact_id else None
    assignee = session.get(User, task.assignee_id) if task.assignee_id else None
    who = ""
    if contact is not None:
        who = f"{contact.name} <{contact.email}>" if contact.name else contact.email
        if contact.company:
            who += f" ({contact.company})"
    return complaint_payload(
        task_id=task.id, subject=subject or "", contact=who, nudge=task.nudge, reason=task.reason,
        assignee=(assignee.display_name or assignee.email) if assignee else None,
        due_at=task.due_at, link=f"{base_url}/tasks/{task.id}",
    )


# ---- sending ---------------------------------------------------------------------------


def post_json(url: str, payload: dict, timeout: float = TIMEOUT) -> int:
    """POST the payload as JSON; the HTTP status, or `WebhookError` unless it is 2xx."""
    body = json.dumps(payload).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "User-Agent": "followup-webhook/1"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        raise WebhookError(f"the webhook answered HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise WebhookError(f"the webhook could not be reached: {reason}") from None


def record_delivery(session: Session, notice: ComplaintNotice, at: datetime | None = None) -> None:
    task = session.get(FollowUpTask, notice.task_id)
    if task is not None:
        record_event(session, task, WEBHOOK_EVENT, detail="posted to the team's complaint webhook", at=at)


def deliver(rt: Runtime, notice: ComplaintNotice, *, delays=INLINE_DELAYS,
            sleep: Callable[[float], None] = time.sleep) -> int:
    """POST with retries (inline mode); record the delivery. Raises the last `WebhookError`."""
    for attempt in range(len(delays) + 1):
        try:
            status = post_json(notice.url, notice.payload)
            break
        except WebhookError as exc:
            if attempt == len(delays):
                raise
            log.warning("complaint webhook for task %s: %s; retrying in %.0f s", notice.task_id, exc,
                        delays[attempt])
            sleep(delays[attempt])
    with session_scope(rt.engine) as session:
        record_delivery(session, notice)
    return status


def notify_complaints(rt: Runtime, account_id: int, *, delays=INLINE_DELAYS,
                      sleep: Callable[[float], None] = time.sleep) -> dict:
    """Announce the account's new complaints now (inline mode).

    A notice that still fails after its retries is logged and left pending: the next pass
    (after the next sync) tries it again. The sync that ran before is not failed for it.
    """
    with session_scope(rt.engine) as session:
        notices = pending_notices(session, rt.settings.base_url, account_id=account_id)
    sent, failed = [], []
    for notice in notices:
        try:
            deliver(rt, notice, delays=delays, sleep=sleep)
            sent.append(notice.task_id)
        except WebhookError as exc:
            log.error("complaint webhook for task %s failed: %s", notice.task_id, exc)
            failed.append(notice.task_id)
    return {"sent": sent, "failed": failed}


def _chunks(items: list, size: int = 500):
    for i in range(0, len(items), size):
        yield items[i:i + size]

