"""Which accounts are due for a sync: the interval, and revoked logins (and OAuth2 grants) skipped."""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

from followup.domain.vocabulary import SyncStatus
from followup.worker.schedule import AccountClock, due_syncs

FOLLOWUP = str(Path(sys.executable).with_name("followup"))


def test_due_syncs_follow_the_interval_and_skip_revoked_logins():
    now = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.timezone.utc)
    every = dt.timedelta(minutes=5)
    clocks = [
        AccountClock(1, True, SyncStatus.NEVER, None),
        AccountClock(2, True, SyncStatus.OK, now - dt.timedelta(minutes=4, seconds=59)),
        AccountClock(3, True, SyncStatus.OK, now - dt.timedelta(minutes=5)),
        AccountClock(4, True, SyncStatus.AUTH_FAILED, now - dt.timedelta(hours=5)),
        AccountClock(5, False, SyncStatus.NEVER, None),  # import-only
        AccountClock(6, True, SyncStatus.ERROR, now - dt.timedelta(minutes=30)),
        AccountClock(7, True, SyncStatus.NEEDS_SIGNIN, now - dt.timedelta(hours=5)),  # OAuth2 invalid_grant
    ]
    assert due_syncs(clocks, now, every) == [1, 3, 6]
