"""Background jobs on rq: the queues, job ids, retries, and the cross-machine sync lock.

One queue per kind of work so that a slow first sync never delays classification or a
digest: `sync` (IMAP), `nlp` (classify + detect), `default` (digests, write-back, ticks).
A job id is deterministic (`sync-account-7`), so enqueuing an account already waiting or
running is a no-op; the Redis lock in `sync_account_job` keeps two workers on different
machines from syncing the same account even if a job is retried while an old run lingers.
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Callable, Iterator

from redis import Redis
from rq import Queue, Retry, get_current_job
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

from followup.bootstrap import bootstrap
from followups.settings import Settings

SYNC_QUEUE = "sync"
NLP_QUEUE = "nlp"
DEFAULT_QUEUE = "default"
QUEUES = (SYNC_QUEUE, NLP_QUEUE, DEFAULT_QUEUE)

SYNC_TIMEOUT = 60 * 60
"""A first sync of a large mailbox may take long; past this the job is failed, not hung."""

PROCESS_TIMEOUT = 30 * 60
DEFAULT_TIMEOUT = 10 * 60

DEFAULT_RETRY = Retry(max=3, interval=[30, 120, 600])
"""Exponential-ish backoff: a server restart or a flaky network gets three more chances."""

LOCK_TTL = 60
"""Seconds the sync lock lives without a refresh: a dead holder frees it within a minute."""

PENDING_STATUSES = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


class SyncLockHeld(RuntimeError):
    """Another worker is syncing this account right now; rq retries the job later."""


def connect(settings: Settings) -> Redis:
    if settings.redis_url is None:
        raise RuntimeError("FOLLOWUP_REDIS_URL is not set: jobs run inline")
    return Redis.from_url(settings.redis_url)


def sync_job_id(account_id: int) -> str:
    return f"sync-account-{account_id}"


def process_job_id(account_id: int) -> str:
    return f"process-account-{account_id}"


def enqueue_unique(
    conn: Redis, queue_name: str, func: Callable, job_id: str, *args,
    retry: Retry | None = DEFAULT_RETRY, timeout: int = DEFAULT_TIMEOUT,
) -> Job | None:
    """Enqueue unless a job with this id is already waiting or running (then None).

    rq's `unique` refuses any existing id, finished ones too; a finished or failed run
    must not block the next round, so it is deleted and the job enqueued again.
    """
    queue = Queue(queue_name, connection=conn)
    for _attempt in range(2):
        try:
            return queue.enqueue(func, *args, job_id=job_id, unique=True, retry=retry,
                                 job_timeout=timeout, result_ttl=3600, failure_ttl=7 * 86400)
        except DuplicateJobError:
            try:
                existing = Job.fetch(job_id, connection=conn)
            except NoSuchJobError:
                continue
            if existing.get_status() in PENDING_STATUSES:
                return None
            existing.delete()
    return None


def enqueue_sync(conn: Redis, account_id: int, retry: Retry | None = DEFAULT_RETRY) -> Job | None:
    return enqueue_unique(conn, SYNC_QUEUE, sync_account_job, sync_job_id(account_id),
                          account_id, retry=retry, timeout=SYNC_TIMEOUT)


def enqueue_process(conn: Redis, account_id: int) -> Job | None:
    return enqueue_unique(conn, NLP_QUEUE, process_account_job, process_job_id(account_id),
                          account_id, timeout=PROCESS_TIMEOUT)


def writeback_job_id(account_id: int) -> str:
    return f"writeback-account-{account_id}"


def digest_job_id(user_id: int, day) -> str:
    return f"digest-user-{user_id}-{day}"


def enqueue_writeback(conn: Redis, account_id: int) -> Job | None:
    return enqueue_unique(conn, DEFAULT_QUEUE, writeback_account_job, writeback_job_id(account_id), account_id)


def enqueue_digest(conn: Redis, user_id: int, day) -> Job | None:
    from followup.digest_mail import send_digest_job

    return enqueue_unique(conn, DEFAULT_QUEUE, send_digest_job, digest_job_id(user_id, day), user_id)


# ---- job functions (run by `followup worker`) ---------------------------------------------

def sync_account_job(account_id: int) -> dict:
    """Sync one account under the cross-machine lock, then queue classify + detect."""
    from followup.jobs import sync_account  # imported here: the worker forks per job

    rt = bootstrap()
    conn = connect(rt.settings)
    job = get_current_job()
    owner = job.id if job else sync_job_id(account_id)
    with redis_lock(conn, f"followup:lock:sync:{account_id}", owner):
        report = sync_account(account_id, runtime=rt, process=False)
    enqueue_process(conn, account_id)
    return report.to_dict()


def process_account_job(account_id: int) -> dict:
    """Classify + detect, then queue the nudges: write-back and new complaints' webhooks."""
    from followup.pipeline import process_account
    from followup.webhooks import enqueue_complaint_notices
    from inbox_sync.writeback import writeback_wanted

    rt = bootstrap()
    result = process_account(rt, account_id)
    conn = connect(rt.settings)
    if writeback_wanted(rt.engine, account_id):
        enqueue_writeback(conn, account_id)
    enqueue_complaint_notices(conn, rt, account_id)
    return result


def writeback_account_job(account_id: int) -> dict:
    """Write-back under the same cross-machine lock as the sync (it must not read flags meanwhile)."""
    from followup.jobs import writeback

    rt = bootstrap()
    job = get_current_job()
    owner = job.id if job else writeback_job_id(account_id)
    with redis_lock(connect(rt.settings), f"followup:lock:sync:{account_id}", owner):
        return writeback(account_id, runtime=rt).to_dict()


# ---- the lock ------------------------------------------------------------------------------

_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0"
_REFRESH = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0"


@contextmanager
def redis_lock(conn: Redis, key: str, owner: str, ttl: int = LOCK_TTL) -> Iterator[None]:
    """Held while the block runs, refreshed every ttl/3 seconds.

    The owner is the rq job id: a retry of the same job (its first run died) may take the
    lock over, since rq only retries a job whose previous execution is gone.
    """
    if not conn.set(key, owner, nx=True, ex=ttl):
        if conn.get(key) != owner.encode():
            raise SyncLockHeld(f"{key} is held by {conn.get(key)!r}")
        conn.set(key, owner, xx=True, ex=ttl)
    stop = threading.Event()

    def refresh() -> None:
        while not stop.wait(ttl / 3):
            conn.eval(_REFRESH, 1, key, owner, ttl * 1000)

    refresher = threading.Thread(target=refresh, daemon=True, name=f"refresh {key}")
    refresher.start()
    try:
        yield
    finally:
        stop.set()
        refresher.join()
        conn.eval(_RELEASE, 1, key, owner)
