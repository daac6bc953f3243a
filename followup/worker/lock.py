"""The cross-machine sync lock: one Redis key per account, held while a sync or write-back runs."""

from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Iterator

from redis import Redis

from followup.errors import FollowupError

LOCK_TTL = 60
"""Seconds the sync lock lives without a refresh: a dead holder frees it within a minute."""


class SyncLockHeld(FollowupError, RuntimeError):
    """Another worker is syncing this account right now; rq retries the job later."""


def sync_lock_key(account_id: int) -> str:
    return f"followup:lock:sync:{account_id}"


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
