"""Background jobs with real Redis and real `followup worker` processes."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import signal
import subprocess
import time
from pathlib import Path

import pytest
from rq import Queue, Retry
from rq.job import Job
from rq.registry import FinishedJobRegistry, StartedJobRegistry
from sqlmodel import select

from followup.db.models import MailAccount, Message
from followup.db.session import session_scope
from followup.domain.vocabulary import SyncStatus
from followup.worker.queues import SYNC_QUEUE, enqueue_sync, sync_job_id
from followup.worker.schedule import tick
from tests.integration.cli_process import FOLLOWUP
from tests.integration.mailboxes import count, fill, make_account
from tests.integration.workers import finish, start_worker

@pytest.fixture
def worker_env(app_env, redis_url, redis_conn, monkeypatch) -> dict[str, str]:
    monkeypatch.setenv("FOLLOWUP_REDIS_URL", redis_url)
    return {**os.environ, **app_env, "FOLLOWUP_REDIS_URL": redis_url}


def kill_with_children(pid: int) -> None:
    """SIGKILL a worker and everything under it (rq puts the work horse in a process group of
    its own, and the sync may run a parse helper): as if the machine running them died."""
    victims, frontier = [], [pid]
    while frontier:
        parent = frontier.pop()
        victims.append(parent)
        frontier += [int(p.name) for p in Path("/proc").iterdir()
                     if p.name.isdigit() and _parent_pid(p) == parent]
    for victim in victims:
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass


def _parent_pid(proc: Path) -> int | None:
    try:
        return int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


def other_user(dovecot):
    from tests.services.fixtures import ImapUser

    user = ImapUser(f"jobs-{secrets.token_hex(4)}", secrets.token_urlsafe(10), dovecot)
    dovecot.add_user(user.name, user.password)
    return user


def test_a_worker_process_runs_an_enqueued_sync(runtime, imap_user, worker_env, redis_conn):
    fill(imap_user, 5)
    account_id = make_account(runtime, imap_user)
    assert enqueue_sync(redis_conn, account_id) is not None
    assert enqueue_sync(redis_conn, account_id) is None  # already waiting: not queued twice

    finish(start_worker(worker_env, "--burst"))

    assert count(runtime, Message, Message.account_id == account_id) == 5
    assert Job.fetch(sync_job_id(account_id), connection=redis_conn).get_status() == "finished"
    with session_scope(runtime.engine) as session:
        account = session.get(MailAccount, account_id)
        assert account.sync_status == SyncStatus.OK and account.last_sync_at is not None


def test_two_workers_sync_ten_accounts_once_each(runtime, dovecot, worker_env, redis_conn):
    accounts = []
    for n in range(10):
        user = other_user(dovecot)
        fill(user, 3, prefix=f"a{n}-")
        accounts.append(make_account(runtime, user, email=f"owner{n}@example.com"))
    for account_id in accounts * 2:  # a second round while the first is queued adds nothing
        enqueue_sync(redis_conn, account_id)
    assert Queue(SYNC_QUEUE, connection=redis_conn).count == 10

    workers = [start_worker(worker_env, "--burst"), start_worker(worker_env, "--burst")]
    outputs = [finish(w) for w in workers]

    finished = FinishedJobRegistry(SYNC_QUEUE, connection=redis_conn).get_job_ids()
    assert sorted(finished) == sorted(sync_job_id(a) for a in accounts), "\n".join(outputs)
    assert sorted(finished) == sorted(sync_job_id(a) for a in accounts)
    ran = sum(o.count("sync-account-") for o in outputs)
    assert ran >= 10
    for account_id in accounts:
        assert count(runtime, Message, Message.account_id == account_id) == 3
    with session_scope(runtime.engine) as session:
        ids = session.exec(select(Message.message_id_header)).all()
    assert len(ids) == len(set(ids)) == 30


def test_a_worker_killed_mid_sync_is_retried_and_the_result_is_complete(
    runtime, imap_user, worker_env, redis_conn
):
    fill(imap_user, 3000)
    account_id = make_account(runtime, imap_user)
    enqueue_sync(redis_conn, account_id, retry=Retry(max=2))

    first = start_worker(worker_env)
    deadline = time.monotonic() + 90
    while count(runtime, Message, Message.account_id == account_id) == 0:
        assert time.monotonic() < deadline, "the first worker never started storing"
        time.sleep(0.05)
    kill_with_children(first.pid)  # the worker and its work horse, as if the machine died
    first.wait(timeout=30)
    first.stdout.close()
    stored_before = count(runtime, Message, Message.account_id == account_id)
    assert 0 < stored_before < 3000

    # rq notices a dead worker when its job's heartbeat expires (a minute or more);
    # cleaning the registry as of an hour from now is what the next worker would do then.
    StartedJobRegistry(SYNC_QUEUE, connection=redis_conn).cleanup(timestamp=time.time() + 3600)
    assert Queue(SYNC_QUEUE, connection=redis_conn).count == 1

    finish(start_worker(worker_env, "--burst"), timeout=180)

    with session_scope(runtime.engine) as session:
        ids = session.exec(select(Message.message_id_header).where(Message.account_id == account_id)).all()
    assert len(ids) == len(set(ids)) == 3000


def test_the_scheduler_tick_enqueues_due_syncs_once(runtime, imap_user, worker_env, redis_conn):
    fresh = make_account(runtime, imap_user, email="a@example.com")
    recent = make_account(runtime, imap_user, email="b@example.com")
    now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
    with session_scope(runtime.engine) as session:
        account = session.get(MailAccount, recent)
        account.last_sync_at, account.sync_status = now - dt.timedelta(minutes=2), SyncStatus.OK

    first = tick(now=now.isoformat(), sync_every_minutes=5)
    assert (first["due_syncs"], first["enqueued_syncs"]) == ([fresh], [fresh])
    again = tick(now=now.isoformat(), sync_every_minutes=5)  # a second scheduler firing
    assert (again["due_syncs"], again["enqueued_syncs"]) == ([fresh], [])
    later = tick(now=(now + dt.timedelta(minutes=3)).isoformat(), sync_every_minutes=5)
    assert later["due_syncs"] == [fresh, recent]
    assert Queue(SYNC_QUEUE, connection=redis_conn).job_ids == [sync_job_id(fresh), sync_job_id(recent)]


def test_the_cron_scheduler_registers_the_tick_every_minute(redis_conn):
    from followup.cli.jobs import build_cron

    [job] = build_cron(redis_conn, sync_every_minutes=10).get_jobs()
    assert job.func is tick and job.interval == 60 and job.kwargs == {"sync_every_minutes": 10}


def test_without_redis_the_inline_timer_syncs_due_accounts_in_process(runtime, imap_user):
    from followup.worker.schedule import InlineTimer

    fill(imap_user, 4)
    account_id = make_account(runtime, imap_user)
    timer = InlineTimer(runtime, every=dt.timedelta(minutes=5))
    now = dt.datetime.now(dt.timezone.utc)
    assert timer.run_once(now) == [account_id]
    assert count(runtime, Message, Message.account_id == account_id) == 4
    assert timer.run_once(now + dt.timedelta(minutes=1)) == []  # synced a minute ago
    assert timer.run_once(now + dt.timedelta(minutes=6)) == [account_id]


def test_an_inline_sync_that_fails_logs_one_line_naming_the_account_and_the_error(runtime, imap_user, caplog):
    from followup.worker.schedule import InlineTimer

    account_id = make_account(runtime, imap_user, password="not-the-password")
    timer = InlineTimer(runtime, every=dt.timedelta(minutes=5))
    with caplog.at_level("WARNING"):
        assert timer.run_once(dt.datetime.now(dt.timezone.utc)) == [account_id]
    failures = [r for r in caplog.records if "failed" in r.getMessage()]
    assert len(failures) == 1 and failures[0].exc_info is None
    assert failures[0].getMessage().startswith(f"inline sync of account {account_id} failed: ")
    assert "\n" not in failures[0].getMessage()
    with session_scope(runtime.engine) as session:
        assert session.get(MailAccount, account_id).sync_status == SyncStatus.AUTH_FAILED


def test_health_endpoint_checks_the_database(runtime):
    from web import create_app

    response = create_app(runtime).test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_sync_all_enqueues_when_redis_is_set(runtime, imap_user, worker_env, redis_conn):
    import json

    first = make_account(runtime, imap_user, email="a@example.com")
    second = make_account(runtime, imap_user, email="b@example.com")
    result = subprocess.run([FOLLOWUP, "sync", "--all", "--json"], env=worker_env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {"queued": [first, second], "already_queued": []}
    assert Queue(SYNC_QUEUE, connection=redis_conn).job_ids == [sync_job_id(first), sync_job_id(second)]
    assert count(runtime, Message) == 0  # nothing ran inline


def test_a_write_back_the_server_refuses_does_not_fail_the_sync(runtime, imap_user):
    # Dovecot refuses keywords over 50 characters (mail_max_keyword_length); ours allow 100.
    # Before, the ImapError of the write-back made the whole sync job fail after the mail was in.
    from followup.worker.jobs import sync_account
    from tests.integration.mailboxes import append_quote_request, server_flags, set_writeback

    append_quote_request(imap_user)
    account_id = make_account(runtime, imap_user)
    set_writeback(runtime, account_id, keyword="FollowUp" + "x" * 52)

    report = sync_account(account_id, runtime=runtime)

    assert count(runtime, Message, Message.account_id == account_id) == 1
    assert report.pipeline["detection"]["opened"] >= 1
    assert "STORE" in report.pipeline["nudges"]["writeback"]["error"]
    with session_scope(runtime.engine) as session:
        account = session.get(MailAccount, account_id)
        assert account.sync_status == SyncStatus.OK and account.last_sync_at is not None
        assert account.last_error.startswith("write-back: ") and "STORE" in account.last_error
    assert all(len(flag) < 50 for flags in server_flags(imap_user, "INBOX").values() for flag in flags)
