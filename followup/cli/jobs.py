"""`followup worker` and `followup scheduler`: background work on rq and Redis."""

from __future__ import annotations

import click
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue, Worker
from rq.cron import CronScheduler

from followup.cli.context import runtime
from followup.worker.queues import DEFAULT_QUEUE, QUEUES, connect
from followup.worker.schedule import TICK_SECONDS, tick
from followup.config import masked_url


def _redis() -> Redis:
    rt = runtime()
    if rt.settings.redis_url is None:
        raise click.ClickException(
            "FOLLOWUP_REDIS_URL is not set: without Redis, jobs run inline in `followup serve`"
        )
    # rq forks a process per job: pooled connections must not be shared across the fork.
    rt.engine.dispose()
    conn = connect(rt.settings)
    try:
        conn.ping()
    except RedisError as exc:
        raise click.ClickException(
            f"FOLLOWUP_REDIS_URL: cannot reach {masked_url(rt.settings.redis_url)}: {exc}"
        ) from None
    return conn


@click.command("worker")
@click.option("--queue", "queues", multiple=True, type=click.Choice(QUEUES),
              help="Queues to work on (repeat; default: all, sync first).")
@click.option("--burst", is_flag=True, help="Exit once the queues are empty.")
def worker_command(queues: tuple[str, ...], burst: bool) -> None:
    """Run an rq worker for follow-up jobs."""
    conn = _redis()
    import followup.worker.jobs  # noqa: F401  (imported once here, not again in every forked job)

    worker = Worker([Queue(name, connection=conn) for name in queues or QUEUES], connection=conn)
    # with_scheduler: retries with a backoff interval wait in rq's scheduled registry.
    worker.work(burst=burst, with_scheduler=True, logging_level="INFO")


def build_cron(conn: Redis, sync_every_minutes: float) -> CronScheduler:
    cron = CronScheduler(connection=conn, name="followup-scheduler")
    cron.register(tick, queue_name=DEFAULT_QUEUE, interval=TICK_SECONDS,
                  kwargs={"sync_every_minutes": sync_every_minutes}, job_timeout=300)
    return cron


@click.command("scheduler")
@click.option("--sync-every", type=click.FloatRange(min=1), default=5, show_default=True,
              help="Minutes between two syncs of an account.")
def scheduler_command(sync_every: float) -> None:
    """Enqueue each account's sync every N minutes (and what follows it)."""
    build_cron(_redis(), sync_every).start()
