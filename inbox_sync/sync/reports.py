"""The sync's options, reports and errors, and the defaults it runs with.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

from followup.errors import FollowupError


DEFAULT_BATCH_SIZE = 500
"""UIDs per FETCH and per checkpoint commit."""

DEFAULT_MAX_MESSAGE_BYTES = 5 * 1024 * 1024
"""Messages larger than this are not downloaded whole: header and first text part only."""

DEFAULT_WINDOW_DAYS = 90
"""How far back the first sync reaches when the account has no `sync_since`."""

DEFAULT_MAX_ATTEMPTS = 6
"""Connection attempts in a row (without a checkpoint in between) before the sync fails."""

DEFAULT_BACKOFF = 0.5
"""Seconds before the first reconnect; doubled each time up to `MAX_BACKOFF`."""

MAX_BACKOFF = 30.0
"""Longest wait between two reconnects."""

PARALLEL_PARSE_MIN = 1000
"""New messages in one folder from which MIME parsing moves to a helper process (the second
core) while this process fetches and stores."""

TRUNCATED_HEADER = "X-Followup-Truncated"
"""Header added to a large message of which only the first text part was downloaded."""


class SyncError(FollowupError):
    """Root of the sync's own errors (connection errors are `ImapError`s)."""


class SyncAlreadyRunning(SyncError):
    """Another sync of the same account holds its lock."""


class NotSyncable(SyncError):
    """The account cannot be synced (no IMAP server, unknown id)."""


@dataclass(frozen=True)
class SyncOptions:
    batch_size: int = DEFAULT_BATCH_SIZE
    max_message_bytes: int = DEFAULT_MAX_MESSAGE_BYTES
    window_days: int = DEFAULT_WINDOW_DAYS
    max_attempts: int = DEFAULT_MAX_ATTEMPTS
    backoff: float = DEFAULT_BACKOFF
    timeout: float = 60.0
    lock_dir: Path | None = None
    prefetch: bool = True
    parallel_parse_min: int = PARALLEL_PARSE_MIN  # 0: never parse in a helper process


@dataclass
class FolderReport:
    name: str
    role: str
    uidvalidity: int | None = None
    uidvalidity_changed: bool = False
    unchanged: bool = False
    fetched: int = 0
    created: int = 0
    locations_added: int = 0
    truncated: int = 0
    parsed_in_helper: int = 0
    flags_updated: int = 0
    marked_deleted: int = 0
    refused: list[int] = field(default_factory=list)  # UIDs the database refused to store
    refusal_errors: list[str] = field(default_factory=list)  # "FOLDER UID n: why", one a UID


@dataclass
class SyncReport:
    account_id: int
    folders: list[FolderReport] = field(default_factory=list)
    connections: int = 0
    retries: int = 0
    commands: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    pipeline: dict | None = None

    @property
    def fetched(self) -> int:
        return sum(f.fetched for f in self.folders)

    @property
    def created(self) -> int:
        return sum(f.created for f in self.folders)

    @property
    def marked_deleted(self) -> int:
        return sum(f.marked_deleted for f in self.folders)

    @property
    def refused_count(self) -> int:
        return sum(len(f.refused) for f in self.folders)

    @property
    def fetch_commands(self) -> int:
        return self.commands.get("FETCH", 0)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.update(fetched=self.fetched, created=self.created, marked_deleted=self.marked_deleted,
                    refused=self.refused_count, fetch_commands=self.fetch_commands)
        return data
