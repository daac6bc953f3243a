"""The follow-ups list (the default page) and the actions on a task.

The list shows the signed-in user's open follow-ups, most urgent first (priority, then due
date), one page at a time. Each row's actions (done, snooze, dismiss, mute) post a plain
form; with htmx the same form posts in the background and the row leaves the list.
"""

from __future__ import annotations

from datetime import timedelta
from functools import lru_cache
from urllib.parse import parse_qs, urlsplit

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from flask_wtf.csrf import generate_csrf
from sqlalchemy import bindparam, func, or_, union_all
from sqlmodel import select

from followup.db.models import Contact, FollowUpTask, Message, Thread
from followup.domain.due_groups import DUE_GROUP_TITLES, group_by_due
from followup.domain.vocabulary import Label, TaskKind, TaskStatus
from followup.db.types import UTCDateTime
from followup.tasks import started_clause, upcoming_task_clause, open_task_clause
from followup.undo import UNDOABLE, step_before
from web.auth import _safe_next, signed_in_user
from web.database import get_db
from web.formatting import local_time, now, snooze_until
from web.ids import MAX_PAGE, whole_number
from web import view_cache
from web.view_cache import render_rows
from web.scoping import get_user_task_or_404, mine_clause, user_accounts
from web.task_actions import TaskActionError, apply_action
from web.snooze import request_languages, user_calendar
from web.undo import flash_undo, undo_token

bp = Blueprint("tasks", __name__)

AGE_CHOICES = {"2": 2, "7": 7, "30": 30}
VIEW_CHOICES = ("open", "upcoming", "snoozed", "closed")  # and "all" for the API
CLOSED_STATUSES = (TaskStatus.DONE, TaskStatus.DISMISSED, TaskStatus.RESOLVED, TaskStatus.EXPIRED)


def open_counts() -> dict[str, int]:
    """Open follow-ups on the signed-in user's list, per kind (see `web.view_cache`)."""
    if "open_counts" not in g:
        g.open_counts = view_cache.counts(signed_in_user().id, _count_open)
    return g.open_counts


def _count_open() -> dict[str, int]:
    counts: dict[str, int] = {}
    params = {"uid": signed_in_user().id, "at": now()}
    # Core execution: the statement selects plain columns, the ORM layer would add nothing.
    for kind, count in get_db().connection().execute(_open_counts_statement(), params).all():
        counts[kind] = counts.get(kind, 0) + count
    return counts


def open_parts(user_id, at) -> list:
    """The user's open list (`mine_clause` and `open_task_clause`) as three disjoint queries on
    the task table, each answerable from an index: their own open tasks not handed to
    someone else (ix_task_owner_list / ix_task_owner_kind), those handed to them from
    another mailbox (ix_task_assignee_status), and their snoozed tasks whose date has come.
    `user_id` and `at` are values or bind parameters."""
    not_handed = or_(FollowUpTask.assignee_id.is_(None), FollowUpTask.assignee_id == user_id)
    base = select(FollowUpTask.id)
    return [
        base.where(FollowUpTask.user_id == user_id, FollowUpTask.status == TaskStatus.OPEN, not_handed,
                   started_clause(at)),
        base.where(FollowUpTask.assignee_id == user_id, FollowUpTask.user_id != user_id, open_task_clause(at)),
        base.where(FollowUpTask.user_id == user_id, FollowUpTask.status == TaskStatus.SNOOZED,
                   FollowUpTask.snooze_until <= at, not_handed, started_clause(at)),
    ]


# The two queries of every page view are built once per process with bind parameters:
# building a statement costs more than running it on an index.
def _bound_at():
    return bindparam("at", type_=UTCDateTime())


@lru_cache(maxsize=1)
def _open_counts_statement():
    parts = [part.with_only_columns(FollowUpTask.kind, func.count()).group_by(FollowUpTask.kind)
             for part in open_parts(bindparam("uid"), _bound_at())]
    return union_all(*parts)


@lru_cache(maxsize=4)
def _open_page_statement(by_kind: bool, by_account: bool):
    ids = _open_page_ids(bindparam("uid"), _bound_at(), by_kind, by_account)
    return _details(_sent_at(), ids, "open")


def fetch_list(session, user, filters: dict, at, *, limit: int, offset: int = 0, scope=None) -> list:
    """One page of `list_query`'s rows; the default open list runs a prepared statement."""
    if filters["view"] == "open" and scope is None and not filters["label"] and not filters["age"]:
        params = {"uid": user.id, "at": at, "lim": limit, "off": offset, "cut": offset + limit}
        if filters["kind"]:
            params["kind"] = filters["kind"]
        if filters["account"]:
            params["account"] = filters["account"]
        statement = _open_page_statement(bool(filters["kind"]), bool(filters["account"]))
        return session.connection().execute(statement, params).all()
    return session.exec(list_query(user, filters, at, scope, limit=limit, offset=offset)).all()


def _sent_at():
    return func.coalesce(Message.sent_at, Thread.last_message_at, FollowUpTask.created_at)


@bp.app_context_processor
def _nav_counts():
    if current_user.is_authenticated and not request.path.startswith(("/api/", "/static/")):
        return {"nav_counts": open_counts, "nav_active_kind": _active_kind}
    return {"nav_counts": None, "nav_active_kind": None}


def _active_kind() -> str | None:
    """The kind the open list is filtered by ("" for all), None off the open list. After an
    action (htmx redraws the counts) it is the kind of the list the action came from."""
    if request.endpoint == "tasks.index":
        args = request.args
    elif request.endpoint == "tasks.act":
        args = url_decode_query(request.form.get("next", ""))
    else:
        return None
    if args.get("view", "open") != "open":
        return None
    kind = args.get("kind", "")
    return kind if kind in {k.value for k in TaskKind} else ""


def url_decode_query(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}


def _filters() -> dict:
    args = request.args
    filters = {
        "kind": args.get("kind") if args.get("kind") in {k.value for k in TaskKind} else "",
        "label": args.get("label") if args.get("label") in {l.value for l in Label} else "",
        "account": whole_number(args, "account"),
        "age": args.get("age") if args.get("age") in AGE_CHOICES else "",
        "view": args.get("view") if args.get("view") in VIEW_CHOICES else "open",
    }
    page = whole_number(args, "page", 1, high=MAX_PAGE)
    filters["page"] = page if page and page > 0 else 1
    return filters


def _order(view: str):
    if view == "open":  # most urgent first
        return (FollowUpTask.priority.desc(), FollowUpTask.due_at, FollowUpTask.id)
    if view == "upcoming":  # the soonest first
        return (FollowUpTask.due_at, FollowUpTask.id)
    if view == "snoozed":
        return (FollowUpTask.snooze_until, FollowUpTask.id)
    if view == "closed":
        return (FollowUpTask.closed_at.desc(), FollowUpTask.id.desc())
    return (FollowUpTask.id,)


def list_query(user, filters: dict, at, scope=None, *, limit: int | None = None, offset: int = 0):
    """The rows of the list: each task with what its row shows (thread subject, trigger
    message's label and sender, contact), in the list's order. `scope` is the condition on
    tasks (default: the user's own list, `mine_clause`).

    With `limit`, the page is chosen first from the task table alone (joining the message
    only when a filter needs it) and only that page is joined for display: a user with
    10,000 open tasks costs one sort of narrow rows, not 10,000 joins.
    """
    view = filters["view"]
    sent_at = _sent_at()
    ids = select(FollowUpTask.id).where(mine_clause(user) if scope is None else scope)
    if view == "open":
        ids = ids.where(open_task_clause(at))
    elif view == "upcoming":
        ids = ids.where(upcoming_task_clause(at))
    elif view == "snoozed":
        ids = ids.where(FollowUpTask.status == TaskStatus.SNOOZED, FollowUpTask.snooze_until > at)
    elif view == "closed":
        ids = ids.where(FollowUpTask.status.in_(CLOSED_STATUSES))
    if filters["kind"]:
        ids = ids.where(FollowUpTask.kind == filters["kind"])
    if filters["account"]:
        ids = ids.where(FollowUpTask.account_id == filters["account"])
    if filters["label"] or filters["age"]:
        ids = ids.outerjoin(Message, Message.id == FollowUpTask.trigger_message_id).outerjoin(
            Thread, Thread.id == FollowUpTask.thread_id)
        if filters["label"]:
            ids = ids.where(Message.label == filters["label"])
        if filters["age"]:
            ids = ids.where(sent_at <= at - timedelta(days=AGE_CHOICES[filters["age"]]))
    if limit is not None:
        ids = ids.order_by(*_order(view)).limit(limit).offset(offset)
    return _details(sent_at, ids, view)


def _open_page_ids(user_id, at, by_kind: bool, by_account: bool):
    """One page of the open list: each of `open_parts` ordered and cut to offset + limit
    rows (an index walk that stops early), then merged and cut again. Bind parameters:
    `lim`, `off`, `cut` (= off + lim), and `kind`, `account` when filtered by them."""
    parts = []
    for part in open_parts(user_id, at):
        part = part.add_columns(FollowUpTask.priority, FollowUpTask.due_at)
        if by_kind:
            part = part.where(FollowUpTask.kind == bindparam("kind"))
        if by_account:
            part = part.where(FollowUpTask.account_id == bindparam("account"))
        parts.append(select(part.order_by(*_order("open")).limit(bindparam("cut")).subquery()))
    merged = union_all(*parts).subquery()
    return (
        select(merged.c.id)
        .order_by(merged.c.priority.desc(), merged.c.due_at, merged.c.id)
        .limit(bindparam("lim")).offset(bindparam("off"))
    )


def _details(sent_at, ids, view: str):
    """What the rows of the tasks chosen by `ids` show, in the list's order."""
    return (
        select(
            FollowUpTask.id, FollowUpTask.kind, FollowUpTask.status, FollowUpTask.due_at,
            FollowUpTask.priority, FollowUpTask.nudge, FollowUpTask.reason, FollowUpTask.thread_id,
            FollowUpTask.snooze_until, FollowUpTask.assignee_id, FollowUpTask.closed_at,
            FollowUpTask.account_id,
            Thread.subject, Message.label, Message.from_name, Message.from_addr, Message.snippet,
            Contact.name.label("contact_name"), Contact.email.label("contact_email"),
            Contact.company, sent_at.label("sent_at"),
        )
        .select_from(FollowUpTask)
        .outerjoin(Thread, Thread.id == FollowUpTask.thread_id)
        .outerjoin(Message, Message.id == FollowUpTask.trigger_message_id)
        .outerjoin(Contact, Contact.id == FollowUpTask.contact_id)
        .where(FollowUpTask.id.in_(ids))
        .order_by(*_order(view))
    )


@bp.route("/")
@login_required
def index():
    user = signed_in_user()
    filters = _filters()
    per_page = int(current_app.config["TASKS_PER_PAGE"])
    at = now()
    rows = fetch_list(get_db(), user, filters, at, limit=per_page + 1, offset=(filters["page"] - 1) * per_page)
    has_next = len(rows) > per_page
    accounts = get_db().exec(user_accounts(user)).all()
    links = {"thread": url_for("threads.show", thread_id=0)[:-1], "act": url_for("tasks.act", task_id=0)[:-1]}
    csrf, back = generate_csrf(), request.full_path
    # The open list in groups by due (overdue, today, this week, upcoming), each keeping the
    # list's order (most urgent first); snoozed and closed follow-ups are one group.
    shown = rows[:per_page]
    parts = group_by_due(shown, at, user.timezone) if filters["view"] == "open" else [(None, shown)]
    groups = [(group.value if group else "all", DUE_GROUP_TITLES[group] if group else "",
               render_rows(items, user=user, at=at, links=links, csrf=csrf, back=back))
              for group, items in parts if items]
    return render_template(
        "tasks/index.html", rows=shown, groups=groups, filters=filters, has_next=has_next,
        accounts=accounts,
        kinds=list(TaskKind), labels=list(Label), ages=AGE_CHOICES, user=user,
        page_args=_page_args(filters),
    )


def _page_args(filters: dict) -> dict:
    return {k: v for k, v in filters.items() if v and k != "page" and not (k == "view" and v == "open")}


def _is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


@bp.route("/tasks/<id:task_id>", methods=["POST"])
@login_required
def act(task_id: int):
    """One action on one task: `action` is done, snooze_tomorrow, snooze_next_week,
    snooze_date (with `on_date`), snooze_phrase (with `when`: "in 3 days"), dismiss, mute, reopen (a closed task) or wake (a snoozed one).
    The first five come back with an Undo button (web.undo)."""
    user = signed_in_user()
    db = get_db()
    task = get_user_task_or_404(db, user, task_id)
    action = request.form.get("action", "")
    at = now()
    until = None
    step = None
    try:
        if action.startswith("snooze_"):
            until = snooze_until(action.removeprefix("snooze_"), user.timezone, at, request.form.get("on_date"),
                                 phrase=request.form.get("when"), languages=request_languages(),
                                 calendar=user_calendar(user))
            action = "snooze"
        if action in UNDOABLE:
            step = step_before(action, task, at, thread_id=task.thread_id if action == "mute" else None)
        apply_action(db, task, action, user, until=until, at=at)
        db.commit()
    except (TaskActionError, ValueError) as exc:
        db.rollback()
        message = str(exc)
        if _is_htmx():  # the row stays; the message goes to the status area
            body = render_template("tasks/_message.html", message=message, error=True)
            return body, 200, {"HX-Retarget": "#messages", "HX-Reswap": "innerHTML"}
        flash(message[:1].upper() + message[1:] + ".", "error")
        return redirect(_safe_next(request.form.get("next")))
    message = _done_message(action, until, user)
    back = _safe_next(request.form.get("next"))
    if _is_htmx():
        g.pop("open_counts", None)
        return render_template("tasks/_acted.html", message=message, next=back,
                               undo_token=undo_token(step) if step else None)
    if step:
        flash_undo(message, step)
    else:
        flash(message)
    return redirect(back)


def _done_message(action: str, until, user) -> str:
    return {
        "done": "Marked as done.",
        "dismiss": "Dismissed; noted that no follow-up was needed.",
        "mute": "Thread muted; it will not bring follow-ups any more.",
        "snooze": f"Snoozed until {local_time(until, user.timezone)}." if until else "Snoozed.",
        "reopen": "Reopened: it is back on your list.",
        "wake": "Woken: it is back on your list now.",
    }[action]


@bp.route("/tasks/<id:task_id>", methods=["GET"])
@login_required
def show(task_id: int):
    """A task has no page of its own: its thread is where it is read."""
    task = get_user_task_or_404(get_db(), signed_in_user(), task_id)
    if task.thread_id is None:
        abort(404)
    return redirect(url_for("threads.show", thread_id=task.thread_id, _anchor=f"task-{task.id}"))

