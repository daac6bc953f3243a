"""The JSON API under /api/v1, described in `web/openapi.yaml`.

Authentication is a per-user bearer token only (Settings → API token), never the session
cookie, which is why this blueprint alone is exempt from CSRF. The same scoping rules as
the pages apply: ids that are not yours are 404.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

from flask import Blueprint, abort, g, jsonify, request, send_file, url_for
from sqlmodel import select

from followup.db.models import FollowUpTask, MailAccount, User
from followup.domain.vocabulary import Label, TaskKind
from followup.db.users import hash_api_token
from followup.errors import FollowupError
from followup.drafting import save_task_draft
from followup.drafts import DraftError, draft_languages, load_draft
from inbox_sync.imap_errors import ImapError
from web.database import get_db, get_runtime
from web.formatting import now
from web.scoping import get_user_task_or_404, user_accounts, visible_task_clause
from web.task_actions import TaskActionError, apply_action
from web.tasks import fetch_list, list_query

bp = Blueprint("api", __name__, url_prefix="/api/v1")

MAX_LIMIT = 200
STATUS_ACTIONS = {"done": "done", "dismissed": "dismiss", "snoozed": "snooze", "open": "reopen"}


class ApiError(FollowupError):
    """A request the API refuses: the HTTP status and a JSON body naming the problem."""

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(message)
        self.status, self.error, self.message = status, error, message


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError):
    response = jsonify({"error": exc.error, "message": exc.message})
    response.status_code = exc.status
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="followup"'
    return response


SPEC_PATH = Path(__file__).with_name("openapi.yaml")
PUBLIC_ENDPOINTS = {"api.openapi"}


@bp.get("/openapi.yaml")
def openapi():
    """The API's description, for clients and code generators; it holds no data."""
    return send_file(SPEC_PATH, mimetype="application/yaml", max_age=0)


@bp.before_request
def _authenticate():
    if request.endpoint in PUBLIC_ENDPOINTS:
        return
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized", "send the header 'Authorization: Bearer <token>' (Settings → API token)")
    user = get_db().exec(
        select(User).where(User.api_token_hash == hash_api_token(token.strip()))
    ).first()
    if user is None or not user.is_active:
        raise ApiError(401, "unauthorized", "the API token is not valid")
    g.api_user = user


@bp.after_request
def _no_store(response):
    response.headers["Cache-Control"] = "no-store"
    return response


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(timezone.utc).isoformat().replace("+00:00", "Z") if value else None


def _task_json(row) -> dict:
    return {
        "id": row.id,
        "kind": row.kind,
        "status": row.status,
        "nudge": row.nudge,
        "reason": row.reason,
        "priority": row.priority,
        "due_at": _iso(row.due_at),
        "snooze_until": _iso(row.snooze_until),
        "closed_at": _iso(row.closed_at),
        "account_id": row.account_id,
        "thread_id": row.thread_id,
        "assignee_id": row.assignee_id,
        "subject": row.subject or "",
        "label": row.label,
        "contact": {
            "email": row.contact_email or row.from_addr or None,
            "name": row.contact_name or row.from_name or None,
            "company": row.company or None,
        },
        "last_message_at": _iso(row.sent_at if isinstance(row.sent_at, datetime) else None),
        # From FOLLOWUP_BASE_URL, never from the request's Host header (which the client chooses).
        "url": get_runtime().settings.base_url + url_for("threads.show", thread_id=row.thread_id)
        if row.thread_id else None,
    }


def _account_json(account: MailAccount) -> dict:
    # Never the secret, nor the token command (it may hold a credential).
    return {
        "id": account.id,
        "name": account.name,
        "addresses": list(account.addresses),
        "imap_host": account.imap_host,
        "imap_port": account.imap_port,
        "security": account.security,
        "login": account.login,
        "auth_method": account.auth_method,
        "sync_status": account.sync_status,
        "last_sync_at": _iso(account.last_sync_at),
        "last_error": account.last_error,
        "writeback": account.writeback,
    }


def _choice(name: str, allowed: set[str]) -> str:
    value = request.args.get(name, "")
    if value and value not in allowed:
        raise ApiError(400, "bad_request", f"{name} must be one of: {', '.join(sorted(allowed))}")
    return value


def _int_arg(name: str, default: int, low: int, high: int) -> int:
    raw = request.args.get(name)
    if raw is None or raw == "":
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise ApiError(400, "bad_request", f"{name} must be a whole number from {low} to {high}")
    return int(raw)


@bp.get("/tasks")
def list_tasks():
    user = g.api_user
    status = _choice("status", {"open", "upcoming", "snoozed", "closed", "all"}) or "open"
    filters = {
        "kind": _choice("kind", {k.value for k in TaskKind}),
        "label": _choice("label", {l.value for l in Label}),
        "account": _int_arg("account_id", 0, 1, 2**62) or None,
        "age": "",
        "view": status,
    }
    limit = _int_arg("limit", 50, 1, MAX_LIMIT)
    offset = _int_arg("offset", 0, 0, 10**9)
    rows = fetch_list(get_db(), user, filters, now(), limit=limit + 1, offset=offset)
    more = len(rows) > limit
    return jsonify({
        "tasks": [_task_json(r) for r in rows[:limit]],
        "next_offset": offset + limit if more else None,
    })


def _one(task_id: int):
    user = g.api_user
    get_user_task_or_404(get_db(), user, task_id)
    query = list_query(user, {"kind": "", "label": "", "account": None, "age": "", "view": "all"}, now(),
                       scope=visible_task_clause(user))
    row = get_db().exec(query.where(FollowUpTask.id == task_id)).first()
    if row is None:
        abort(404)
    return row


@bp.get("/tasks/<id:task_id>")
def get_task(task_id: int):
    return jsonify(_task_json(_one(task_id)))


@bp.patch("/tasks/<id:task_id>")
def update_task(task_id: int):
    user = g.api_user
    db = get_db()
    task = get_user_task_or_404(db, user, task_id)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise ApiError(400, "bad_request", "send a JSON object such as {\"status\": \"done\"}")
    status = body.get("status")
    if not isinstance(status, str) or status not in STATUS_ACTIONS:
        raise ApiError(400, "bad_request", f"status must be one of: {', '.join(STATUS_ACTIONS)}")
    until = None
    at = now()
    if status == "snoozed":
        raw = body.get("snooze_until")
        try:
            until = datetime.fromisoformat(str(raw).replace("Z", "+00:00")) if raw else None
        except ValueError:
            until = None
        if until is None or until.tzinfo is None:
            raise ApiError(400, "bad_request", "snooze_until must be an ISO 8601 date-time with a time zone")
    try:
        apply_action(db, task, STATUS_ACTIONS[status], user, until=until, at=at)
        db.commit()
    except TaskActionError as exc:
        db.rollback()
        raise ApiError(409, "conflict", str(exc)) from None
    return jsonify(_task_json(_one(task_id)))


@bp.post("/tasks/<id:task_id>/draft")
def draft_task(task_id: int):
    """The task's drafted follow-up; with {"save": true} also put into the account's Drafts."""
    user = g.api_user
    db = get_db()
    task = get_user_task_or_404(db, user, task_id)
    body = request.get_json(silent=True)
    body = {} if body is None and not request.get_data() else body
    if not isinstance(body, dict) or not isinstance(body.get("save", False), bool):
        raise ApiError(400, "bad_request", "send a JSON object such as {\"save\": true}")
    language = body.get("language")
    if language is not None and language not in draft_languages():
        raise ApiError(400, "bad_request", f"language must be one of: {', '.join(draft_languages())}")
    draft = load_draft(db, task, language=language)
    saved = None
    if body.get("save"):
        account = db.get(MailAccount, task.account_id)
        if account.user_id != user.id:
            raise ApiError(403, "forbidden", "only the mailbox's owner can save into its Drafts")
        db.rollback()  # no transaction stays open while the IMAP server works
        try:
            saved = save_task_draft(get_runtime(), draft, user, now()).to_json()
        except DraftError as exc:
            raise ApiError(409, "conflict", str(exc)) from None
        except ImapError as exc:
            raise ApiError(502, "mail_server_error", str(exc)) from None
    return jsonify({"draft": draft.to_json(), "saved": saved})


@bp.get("/accounts")
def list_accounts():
    accounts = get_db().exec(user_accounts(g.api_user)).all()
    return jsonify({"accounts": [_account_json(a) for a in accounts]})

