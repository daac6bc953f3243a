"""The daily digest's content: a pure function of the user, their due tasks and `now`.

The follow-ups due by the end of the user's local day, grouped by kind, the group with the
most urgent follow-up first and, inside a group, most urgent first (priority, then due
date). Each line has the nudge sentence, the thread's subject and a link to the task in
the web UI. The text part is plain text; in the HTML part every value is escaped (the
nudges and subjects come from other people's mail). No I/O here: the sending lives in
`followup.nudges.digest_mail`.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Sequence
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from followup.domain import date_display
from followup.domain.bidi import show_bidi_controls
from followup.domain.vocabulary import TaskKind

KIND_TITLES = {
    TaskKind.COMPLAINT: "Complaints that need an owner",
    TaskKind.NEEDS_REPLY: "Waiting for your answer",
    TaskKind.AWAITING_REPLY: "No reply yet",
    TaskKind.POST_SALE_CHECKIN: "Ask how it went",
    TaskKind.DORMANT_CUSTOMER: "Customers gone quiet",
    TaskKind.ANNIVERSARY: "Anniversaries",
    TaskKind.BOUNCED: "Mail that bounced",
    TaskKind.PROMISE: "Promises due",
}


@dataclass(frozen=True)
class DigestTask:
    """A task as the digest shows it (built from `followup.tasks.TaskRow`)."""

    id: int
    kind: str
    priority: int
    due_at: datetime
    nudge: str
    subject: str
    contact: str  # "Name <email>" or the address, or ""


@dataclass(frozen=True)
class DigestGroup:
    kind: str
    title: str
    tasks: tuple[DigestTask, ...]


@dataclass(frozen=True)
class Digest:
    to: str
    day: date
    subject: str
    text: str
    html: str
    groups: tuple[DigestGroup, ...]
    signin_needed: tuple[str, ...] = ()  # mailboxes whose OAuth2 sign-in the provider refused

    @property
    def task_count(self) -> int:
        return sum(len(g.tasks) for g in self.groups)


def zone(name: str | None) -> ZoneInfo:
    try:
        return ZoneInfo(name or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def local_day(now: datetime, timezone: str | None) -> date:
    """The user's calendar day at `now` (the key of `DigestSent`)."""
    return now.astimezone(zone(timezone)).date()


def end_of_local_day(now: datetime, timezone: str | None) -> datetime:
    tz = zone(timezone)
    tomorrow = now.astimezone(tz).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time(0), tzinfo=tz)


def is_due(task: DigestTask, now: datetime, timezone: str | None) -> bool:
    """Due by the end of the user's local day: the morning digest lists what today brings."""
    return task.due_at < end_of_local_day(now, timezone)


def urgency(task: DigestTask) -> tuple:
    return (-task.priority, task.due_at, task.id)


def group_tasks(tasks: Sequence[DigestTask]) -> tuple[DigestGroup, ...]:
    by_kind: dict[str, list[DigestTask]] = {}
    for task in sorted(tasks, key=urgency):
        by_kind.setdefault(task.kind, []).append(task)
    groups = [DigestGroup(kind, KIND_TITLES.get(kind, kind.replace("_", " ").capitalize()), tuple(items))
              for kind, items in by_kind.items()]
    groups.sort(key=lambda g: urgency(g.tasks[0]))
    return tuple(groups)


def task_link(base_url: str, task_id: int) -> str:
    return f"{base_url.rstrip('/')}/tasks/{task_id}"


def build_digest(*, to: str, name: str, timezone: str | None, tasks: Sequence[DigestTask],
                 base_url: str, now: datetime, signin_needed: Sequence[str] = ()) -> Digest | None:
    """The digest for these tasks, or None when none is due and no mailbox needs a new sign-in
    (no mail is sent then). A mailbox in *signin_needed* stopped syncing: the digest says so first,
    since its follow-ups are going stale."""
    due = [t for t in tasks if is_due(t, now, timezone)]
    signin = tuple(signin_needed)
    if not due and not signin:
        return None
    tz = zone(timezone)
    day = now.astimezone(tz).date()
    groups = group_tasks(due)
    count = len(due)
    subject = f"{count} follow-up{'s' if count != 1 else ''} for {date_display.day(now, timezone)}"
    if not due:
        subject = f"Sign in again: {signin[0]}" + (f" and {len(signin) - 1} more" if len(signin) > 1 else "")
    return Digest(to=to, day=day, subject=subject, groups=groups, signin_needed=signin,
                  text=_text(name, groups, base_url, now, tz, signin),
                  html=_html(name, subject, groups, base_url, now, tz, signin))


def _when(task: DigestTask, now: datetime, tz: ZoneInfo) -> str:
    if task.due_at <= now:
        days = (now - task.due_at).days
        return "overdue" if days < 1 else f"overdue by {days} day{'s' if days != 1 else ''}"
    return f"due {date_display.time_of_day(task.due_at, tz.key)}"


def _line(text: str) -> str:
    # One line (a subject with a newline stays on its line), bidi controls shown, not obeyed.
    return show_bidi_controls(" ".join(str(text).split()))


SIGNIN_TEXT = "stopped syncing: its provider needs you to sign in again"


def _text(name: str, groups, base_url: str, now: datetime, tz: ZoneInfo, signin: Sequence[str] = ()) -> str:
    out = [f"Good morning{', ' + _line(name) if name else ''}.", ""]
    for mailbox in signin:
        out.append(f"! {_line(mailbox)} {SIGNIN_TEXT}: {base_url.rstrip('/')}/accounts/")
    if signin:
        out.append("")
    if groups:
        out += ["Here is whom to follow up with today.", ""]
    for group in groups:
        out.append(f"{group.title} ({len(group.tasks)})")
        out.append("-" * len(out[-1]))
        for task in group.tasks:
            out.append(f"* {_line(task.nudge) or _line(task.subject)}")
            detail = [f"“{_line(task.subject)}”" if task.subject else "", _line(task.contact), _when(task, now, tz)]
            out.append("  " + " · ".join(d for d in detail if d))
            out.append(f"  {task_link(base_url, task.id)}")
        out.append("")
    out.append(f"All follow-ups: {base_url.rstrip('/')}/")
    out.append("You get this mail because the daily digest is on in your settings "
               f"({base_url.rstrip('/')}/settings/).")
    return "\n".join(out) + "\n"


def _html(name: str, subject: str, groups, base_url: str, now: datetime, tz: ZoneInfo,
          signin: Sequence[str] = ()) -> str:
    e = html.escape
    parts = [
        "<!DOCTYPE html>",
        f'<html><head><meta charset="utf-8"><title>{e(subject)}</title></head>',
        '<body style="font-family: sans-serif; line-height: 1.4">',
        f"<p>Good morning{', ' + e(_line(name)) if name else ''}.</p>",
    ]
    for mailbox in signin:
        parts.append(f'<p><strong>{e(_line(mailbox))}</strong> {e(SIGNIN_TEXT)}: '
                     f'<a href="{e(base_url.rstrip("/"))}/accounts/">Mailboxes</a></p>')
    if groups:
        parts.append("<p>Here is whom to follow up with today.</p>")
    for group in groups:
        parts.append(f"<h2>{e(group.title)} ({len(group.tasks)})</h2>")
        parts.append("<ul>")
        for task in group.tasks:
            detail = [f"“{e(_line(task.subject))}”" if task.subject else "", e(_line(task.contact)),
                      e(_when(task, now, tz))]
            parts.append(
                f'<li><a href="{e(task_link(base_url, task.id))}">{e(_line(task.nudge) or _line(task.subject))}</a>'
                f'<br><small>{" · ".join(d for d in detail if d)}</small></li>'
            )
        parts.append("</ul>")
    base = e(base_url.rstrip("/"))
    parts.append(f'<p><a href="{base}/">All follow-ups</a> · <a href="{base}/settings/">Digest settings</a></p>')
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
