"""Connecting a mailbox (IMAP form with provider presets and a connection test), the
account page (sync status, progress, last error) and removing an account with its data.

The connection test runs with no database session open: the form's values (or the stored
account's, decrypted) are copied into `ConnectionSettings` first. A password is never put
back into a page: after a good test the form carries it sealed (encrypted with the server's
key, bound to the user, server and login, valid for 15 minutes), so Connect needs no retyping.
"""

from __future__ import annotations

import json
import logging
import threading
from dataclasses import dataclass
from datetime import date, datetime
from urllib.parse import urlsplit

from flask import Blueprint, abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import login_required
from sqlalchemy import func
from sqlmodel import select

from followup.db.accounts import AccountError, create_account
from followup.db.models import FollowUpTask, Message, Thread
from followup.db.oauth_grants import grant_of
from followup.domain.vocabulary import Security, SyncStatus
from followup.tasks import open_task_clause
from followup.secrets import SecretDecryptionError, decrypt_secret, encrypt_secret
from followup.db.users import UserError
from web import CONTENT_SECURITY_POLICY
from web.auth import signed_in_user
from web.database import get_db, get_runtime
from web.formatting import now
from web.scoping import get_user_account_or_404, user_accounts

log = logging.getLogger(__name__)

bp = Blueprint("accounts", __name__, url_prefix="/accounts")

CONNECTION_TEST_TIMEOUT = 20.0
"""Seconds a connection test from the web page may wait for the server."""

KEPT_PASSWORD_SECONDS = 15 * 60
"""How long the password of a good connection test is kept (sealed) in the form."""


@dataclass(frozen=True)
class Provider:
    key: str
    name: str
    host: str
    port: int
    security: str
    note: str = ""


PROVIDERS = {
    p.key: p
    for p in (
        Provider("gmail", "Gmail / Google Workspace", "imap.gmail.com", 993, "ssl",
                 "Use an app password (Google Account → Security → App passwords), or “Connect with Google” on Mailboxes."),
        Provider("outlook", "Outlook / Microsoft 365", "outlook.office365.com", 993, "ssl",
                 "Microsoft 365 has turned off password logins: use “Connect with Microsoft” on Mailboxes."),
        Provider("fastmail", "Fastmail", "imap.fastmail.com", 993, "ssl",
                 "Use an app password (Settings → Privacy & Security → App passwords)."),
        Provider("icloud", "iCloud Mail", "imap.mail.me.com", 993, "ssl",
                 "Use an app-specific password from appleid.apple.com; the login is your iCloud address."),
        Provider("yahoo", "Yahoo Mail", "imap.mail.yahoo.com", 993, "ssl",
                 "Use an app password (Account security → Generate app password)."),
        Provider("custom", "Other (custom IMAP server)", "", 993, "ssl", ""),
    )
}


@dataclass
class ConnectionResult:
    ok: bool
    message: str
    folders: list[str]
    synced: list[tuple[str, str]]  # (folder, role) the sync would read


def connection_result(settings) -> ConnectionResult:
    """The connection test (inbox_sync.sync.check) worded for the page."""
    from inbox_sync.imap_errors import CertificateError, ImapError
    from inbox_sync.sync.check import check_connection

    try:
        check = check_connection(settings)
    except CertificateError as exc:
        return ConnectionResult(False, f"{exc.problem}. Tick \u201cDo not verify the TLS certificate\u201d below "
                                "options only if you trust this network.", [], [])
    except ImapError as exc:
        return ConnectionResult(False, str(exc), [], [])
    return ConnectionResult(
        True, f"Connected to {check.server} as {check.login}; found {len(check.folder_names)} folders.",
        check.folder_names, [(p.name, str(p.role)) for p in check.plans],
    )


def _seal_password(settings) -> str:
    payload = json.dumps([signed_in_user().id, settings.host, settings.login, settings.password])
    return encrypt_secret(get_runtime().settings.secret_key, payload)


def _kept_password(form, host: str, login: str) -> str:
    """The password of the test this form passed, when it is still for the same user, server
    and login; else empty (the form asks for it)."""
    sealed = form.get("kept_password") or ""
    if not sealed:
        return ""
    try:
        user_id, kept_host, kept_login, password = json.loads(
            decrypt_secret(get_runtime().settings.secret_key, sealed, ttl=KEPT_PASSWORD_SECONDS))
    except (SecretDecryptionError, ValueError):
        return ""
    return password if (user_id, kept_host, kept_login) == (signed_in_user().id, host, login) else ""


def _form_settings(form):
    """`ConnectionSettings` from the form, or a list of what is wrong with it."""
    from inbox_sync.imap_connection import ConnectionSettings

    errors = []
    provider = PROVIDERS.get(form.get("provider", "custom"), PROVIDERS["custom"])
    host = (form.get("imap_host") or provider.host).strip()
    security = form.get("security") or provider.security
    if provider.key != "custom":
        host, security = provider.host, provider.security
    if security not in {s.value for s in Security}:
        errors.append("Choose SSL/TLS, STARTTLS or none.")
    port_text = (form.get("imap_port") or "").strip()
    if provider.key != "custom" or not port_text:
        port = provider.port if security == "ssl" else 143
    elif port_text.isdigit() and 0 < int(port_text) < 65536:
        port = int(port_text)
    else:
        port = 0
        errors.append("The port must be a number between 1 and 65535.")
    if not host:
        errors.append("Enter the IMAP server's host name.")
    email = (form.get("email") or "").strip()
    login = (form.get("login") or "").strip() or email
    if not login:
        errors.append("Enter your email address.")
    password = form.get("password") or _kept_password(form, host, login)
    if not password:
        errors.append("Enter the password (or app password) for the mailbox.")
    if errors:
        return None, errors
    return ConnectionSettings(
        host=host, port=port, security=security, verify_tls=not form.get("insecure"),
        login=login, password=password, timeout=CONNECTION_TEST_TIMEOUT,
    ), []


@bp.route("/")
@login_required
def index():
    user = signed_in_user()
    db = get_db()
    accounts = db.exec(user_accounts(user)).all()
    counts = dict(
        db.exec(
            select(Message.account_id, func.count())
            .where(Message.account_id.in_([a.id for a in accounts]))
            .group_by(Message.account_id)
        ).all()
    ) if accounts else {}
    providers = current_app.config["FOLLOWUP_OAUTH_PROVIDERS"].values()
    response = make_response(render_template("accounts/index.html", accounts=accounts, counts=counts,
                                             oauth_providers=providers))
    # "Connect with …" posts here and is redirected to the provider: the browser applies
    # form-action to that redirect too, so this page allows exactly the providers' origins.
    origins = sorted({_origin(p.authorize_url) for p in providers if p.configured})
    if origins:
        response.headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY.replace(
            "form-action 'self'", "form-action 'self' " + " ".join(origins))
    return response


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


@bp.route("/new", methods=["GET", "POST"])
@login_required
def new():
    user = signed_in_user()
    form = request.form if request.method == "POST" else {"provider": request.args.get("provider", "gmail")}
    errors: list[str] = []
    result = None
    status = 200
    if request.method == "POST":
        action = request.form.get("action", "save")
        settings, errors = _form_settings(request.form)
        since = None
        if request.form.get("sync_since"):
            try:
                since = date.fromisoformat(request.form["sync_since"])
            except ValueError:
                errors.append("The start date must be a date (YYYY-MM-DD).")
        if not errors:
            get_db().close()  # no transaction stays open across the network I/O below
            result = connection_result(settings)
            if action == "save" and result.ok:
                db = get_db()
                user = db.merge(user)
                try:
                    extra = [a for a in request.form.get("addresses", "").replace(",", " ").split() if a]
                    email = (request.form.get("email") or settings.login).strip()
                    account = create_account(
                        db, get_runtime().settings.secret_key, user=user,
                        addresses=[email, *extra] if "@" in email else extra,
                        imap_host=settings.host, imap_port=settings.port, security=settings.security,
                        verify_tls=settings.verify_tls, login=settings.login, password=settings.password,
                        internal_domains=request.form.get("internal_domains", "").replace(",", " ").split(),
                        sync_since=since, name=request.form.get("name", "").strip(),
                    )
                    db.commit()
                except (AccountError, UserError) as exc:
                    db.rollback()
                    errors.append(str(exc).capitalize() + ".")
                else:
                    log.info("account %s connected for user %s", account.id, user.id)
                    flash("Mailbox connected. The first sync starts now; this page shows its progress.")
                    _start_sync(account.id)
                    return redirect(url_for("accounts.show", account_id=account.id))
            if not result.ok:
                status = 400
        else:
            status = 400
    kept = _seal_password(settings) if result is not None and result.ok else ""
    return render_template(
        "accounts/new.html", form=form, errors=errors, result=result, providers=PROVIDERS.values(),
        securities=[s.value for s in Security], kept_password=kept,
    ), status


SYNC_STARTED, SYNC_ALREADY_QUEUED, SYNC_OFF, SYNC_QUEUE_DOWN = "started", "already_queued", "off", "queue_down"


def _start_sync(account_id: int) -> str:
    """Start a sync of the account: the account's unique rq job when Redis is configured
    (as `followup sync` queues it: sync queue, account lock), else a thread of this process
    (the embedded, one-machine setup)."""
    if not current_app.config.get("FOLLOWUP_START_SYNC", True):
        return SYNC_OFF
    rt = get_runtime()
    if rt.settings.redis_url:
        from redis.exceptions import RedisError

        from followup.worker.queues import connect, enqueue_sync

        try:
            return SYNC_STARTED if enqueue_sync(connect(rt.settings), account_id) else SYNC_ALREADY_QUEUED
        except RedisError as exc:
            log.warning("sync of account %s not queued: Redis: %s", account_id, exc)
            return SYNC_QUEUE_DOWN
    from followup.worker.jobs import sync_account

    def run() -> None:
        try:
            sync_account(account_id, runtime=rt)
        except Exception as exc:  # stored on the account by the sync; logged here too
            log.warning("sync of account %s failed: %s", account_id, exc)

    threading.Thread(target=run, name=f"sync-{account_id}", daemon=True).start()
    return SYNC_STARTED


@bp.route("/<id:account_id>")
@login_required
def show(account_id: int):
    user = signed_in_user()
    db = get_db()
    account = get_user_account_or_404(db, user, account_id)
    stats = {
        "threads": db.exec(select(func.count()).select_from(Thread).where(Thread.account_id == account.id)).one(),
        "messages": db.exec(select(func.count()).select_from(Message).where(Message.account_id == account.id)).one(),
        "open_tasks": db.exec(
            select(func.count()).select_from(FollowUpTask)
            .where(FollowUpTask.account_id == account.id, open_task_clause(now()))
        ).one(),
    }
    grant = grant_of(db, account.id)
    provider = current_app.config["FOLLOWUP_OAUTH_PROVIDERS"].get(grant.provider) if grant else None
    return render_template("accounts/show.html", account=account, stats=stats,
                           progress=_progress(account),
                           oauth_label=(provider.label if provider else grant.provider) if grant else None)


def _progress(account) -> dict | None:
    """What the sync is doing, from its progress record ({"folder", "done", "total"} while a
    folder syncs, {"started_at"} before, see inbox_sync.sync): "Syncing Sent: 1,200 of 11,000".
    None when it is not syncing, or when an error is what there is to say."""
    progress = account.sync_progress
    if account.sync_status != SyncStatus.SYNCING or not isinstance(progress, dict) or not progress:
        return None
    done = progress.get("done", progress.get("fetched"))
    total = progress.get("total")
    if isinstance(done, int) and isinstance(total, int) and total > 0:
        folder = str(progress.get("folder") or "mail")
        return {"done": done, "total": total, "percent": min(100, round(100 * done / total)),
                "text": f"Syncing {folder}: {done:,} of {total:,}"}
    try:
        started = datetime.fromisoformat(str(progress.get("started_at")))
    except ValueError:
        return None
    return {"started": started, "text": "Syncing: reading the folder list"}


@bp.route("/<id:account_id>/test", methods=["POST"])
@login_required
def test(account_id: int):
    """Test the stored account's connection again."""
    from inbox_sync.imap_connection import ConnectionSettings
    from inbox_sync.imap_errors import ImapError

    user = signed_in_user()
    db = get_db()
    account = get_user_account_or_404(db, user, account_id)
    try:
        settings = ConnectionSettings.for_account(account, get_runtime().settings.secret_key,
                                                  timeout=CONNECTION_TEST_TIMEOUT)
    except (SecretDecryptionError, ImapError) as exc:
        flash(str(exc), "error")
        return redirect(url_for("accounts.show", account_id=account.id))
    db.commit()  # an OAuth2 access token refreshed for this login is kept (the old refresh token may be spent)
    db.close()
    result = connection_result(settings)
    if result.ok:
        flash(result.message + " Synced: " + ", ".join(f"{n} ({r})" for n, r in result.synced) + ".")
    else:
        flash(result.message, "error")
    return redirect(url_for("accounts.show", account_id=account_id))


@bp.route("/<id:account_id>/sync", methods=["POST"])
@login_required
def sync_now(account_id: int):
    account = get_user_account_or_404(get_db(), signed_in_user(), account_id)
    if not account.imap_host:
        flash("This account is import-only: use `followup import` to add mail.", "error")
        return redirect(url_for("accounts.show", account_id=account.id))
    started = _start_sync(account.id)
    if started == SYNC_STARTED:
        flash("Sync started; reload this page to see its progress.")
    elif started == SYNC_ALREADY_QUEUED:
        flash("A sync of this account is already queued or running; reload this page to see its progress.")
    elif started == SYNC_QUEUE_DOWN:
        flash("The job queue (FOLLOWUP_REDIS_URL) does not answer, so the sync was not started; "
              "try again in a minute.", "error")
    else:
        flash("Syncing from the web is switched off here; run `followup sync`.", "error")
    return redirect(url_for("accounts.show", account_id=account.id))


@bp.route("/<id:account_id>/delete", methods=["GET", "POST"])
@login_required
def delete(account_id: int):
    user = signed_in_user()
    db = get_db()
    account = get_user_account_or_404(db, user, account_id)
    if request.method == "GET":
        return render_template("accounts/delete.html", account=account)
    if request.form.get("confirm") != "yes":
        abort(400, description="Tick the box to confirm the removal.")
    name = account.name
    # The schema cascades from the account to its folders, threads, messages, contacts and tasks.
    db.delete(account)
    db.commit()
    log.info("account %s removed by user %s", account_id, user.id)
    flash(f"{name} and all its mail and follow-ups were removed.")
    return redirect(url_for("accounts.index"))
