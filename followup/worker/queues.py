"""Background jobs on rq: the queues, job ids, retries and the `enqueue_*` functions.

One queue per kind of work so that a slow first sync never delays classification or a
digest: `sync` (IMAP), `nlp` (classify + detect), `default` (digests, write-back, ticks).
A job id is deterministic (`sync-account-7`), so enqueuing an account already waiting or
running is a no-op; the Redis lock (`followup.worker.lock`) keeps two workers on different
machines from syncing the same account even if a job is retried while an old run lingers.

Jobs are enqueued by their dotted name (rq imports `followup.worker.jobs` in the worker),
so this module does not import the job functions, and they may import it.
"""

from __future__ import annotations

from redis import Redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job, JobStatus

from followup.bootstrap import Runtime
from followup.config import Settings
from followup.db.session import session_scope
from followup.nudges import webhook

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

JOBS_MODULE = "followup.worker.jobs"

PENDING_STATUSES = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def connect(settings: Settings) -> Redis:
    if settings.redis_url is None:
        raise RuntimeError("FOLLOWUP_REDIS_URL is not set: jobs run inline")
    return Redis.from_url(settings.redis_url)


def sync_job_id(account_id: int) -> str:
    return f"sync-account-{account_id}"


def process_job_id(account_id: int) -> str:
    return f"process-account-{account_id}"


def enqueue_unique(
    conn: Redis, queue_name: str, func: str, job_id: str, *args,
    retry: Retry | None = DEFAULT_RETRY, timeout: int = DEFAULT_TIMEOUT,
) -> Job | None:
    """Enqueue the job function named `func` (in `followup.worker.jobs`) unless a job with
    this id is already waiting or running (then None).

    rq's `unique` refuses any existing id, finished ones too; a finished or failed run
    must not block the next round, so it is deleted and the job enqueued again.
    """
    queue = Queue(queue_name, connection=conn)
    for _attempt in range(2):
        try:
            return queue.enqueue(f"{JOBS_MODULE}.{func}", *args, job_id=job_id, unique=True, retry=retry,
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
    return enqueue_unique(conn, SYNC_QUEUE, "sync_account_job", sync_job_id(account_id),
                          account_id, retry=retry, timeout=SYNC_TIMEOUT)


def enqueue_process(conn: Redis, account_id: int) -> Job | None:
    return enqueue_unique(conn, NLP_QUEUE, "process_account_job", process_job_id(account_id),
                          account_id, timeout=PROCESS_TIMEOUT)


def writeback_job_id(account_id: int) -> str:
    return f"writeback-account-{account_id}"


def digest_job_id(user_id: int, day) -> str:
    return f"digest-user-{user_id}-{day}"


def enqueue_writeback(conn: Redis, account_id: int) -> Job | None:
    return enqueue_unique(conn, DEFAULT_QUEUE, "writeback_account_job", writeback_job_id(account_id), account_id)


def enqueue_digest(conn: Redis, user_id: int, day) -> Job | None:
    return enqueue_unique(conn, DEFAULT_QUEUE, "send_digest_job", digest_job_id(user_id, day), user_id)


def webhook_job_id(notice: webhook.ComplaintNotice) -> str:
    return f"webhook-task-{notice.task_id}-{notice.event_id}"


def enqueue_complaint_notices(conn: Redis, rt: Runtime, account_id: int) -> list[str]:
    """Queue one job per pending notice (ids are unique per opening: queued once)."""
    with session_scope(rt.engine) as session:
        notices = webhook.pending_notices(session, rt.settings.base_url, account_id=account_id)
    queued = []
    for notice in notices:
        job = enqueue_unique(conn, DEFAULT_QUEUE, "complaint_webhook_job", webhook_job_id(notice),
                             notice.task_id, notice.event_id, retry=webhook.RQ_RETRY, timeout=60)
        if job is not None:
            queued.append(job.id)
    return queued
