"""The data model: who uses the service, their mailboxes, the mail, and the follow-up tasks.

All datetimes are aware UTC in Python (`UTCDateTime` stores them as naive UTC). Lists and
small structures (addresses, flags, warnings, evidence) are JSON columns. Every table that
holds mail or tasks carries `account_id` so that each query can be scoped to the signed-in
user's accounts.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, BigInteger, Column, SmallInteger, Index, Text, UniqueConstraint, text, true
from sqlmodel import Field, SQLModel

from followup.db.types import UTCDateTime, utcnow
from followup.domain.vocabulary import Direction, FolderRole, Role, Security, SyncStatus, TaskStatus


def _created() -> datetime:
    return utcnow()


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    complaint_webhook_url: str | None = Field(default=None, max_length=2000)
    # Team triage: complaints go round robin over the members (else to the mailbox owner);
    # the member who got the last one, so the next goes to the one after.
    complaint_round_robin: bool = Field(default=False)
    last_assignee_id: int | None = Field(default=None)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, index=True, max_length=320)
    display_name: str = Field(default="", max_length=200)
    password_hash: str = Field(max_length=500)
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    role: str = Field(default=Role.MEMBER, max_length=20)
    api_token_hash: str | None = Field(default=None, index=True, max_length=128)
    is_active: bool = True
    # Part of every session: sign-out, a password change and disabling the user bump it, which
    # ends every session and remember-me cookie issued before.
    session_version: int = Field(default=0, sa_column_kwargs={"server_default": "0"})
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)

    # Follow-up settings, one row per user: thresholds are business days.
    timezone: str = Field(default="UTC", max_length=64)
    working_days: str = Field(default="0,1,2,3,4", max_length=20)  # Monday=0
    holiday_country: str | None = Field(default=None, max_length=10)
    awaiting_reply_days: int = 5
    needs_reply_days: int = 1
    complaint_response_days: int = 1
    max_nudges: int = 3
    dormant_days: int = 90
    # Nudge a contact with enough history when they are late by their own pace (rules.pace).
    contact_pace: bool = Field(default=True, sa_column_kwargs={"server_default": true()})
    digest_enabled: bool = True
    digest_hour: int = 8


class IgnoreRule(SQLModel, table=True):
    """A sender address or a whole domain the user never wants follow-ups for."""

    __table_args__ = (UniqueConstraint("user_id", "pattern"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    pattern: str = Field(max_length=320)  # "someone@x.com" or "x.com"


class MailAccount(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    name: str = Field(default="", max_length=200)
    # IMAP connection; imap_host is None for an import-only account.
    imap_host: str | None = Field(default=None, max_length=255)
    imap_port: int | None = None
    security: str = Field(default=Security.SSL, max_length=10)
    verify_tls: bool = True
    login: str | None = Field(default=None, max_length=320)
    auth_method: str = Field(default="password", max_length=20)  # password | oauth2
    oauth2_token_cmd: str | None = Field(default=None, sa_column=Column(Text))  # encrypted like the password
    secret_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    # The user's own addresses and aliases (lower case), and the domains that count as internal.
    addresses: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    internal_domains: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    sync_since: date | None = None
    writeback: bool = False
    writeback_keyword: str = Field(default="$FollowUp", max_length=100)
    sync_status: str = Field(default=SyncStatus.NEVER, max_length=20)
    sync_progress: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    last_sync_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    last_error_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class OAuthGrant(SQLModel, table=True):
    """An account's OAuth2 grant (issue #19): the tokens are encrypted like the IMAP password."""

    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="mailaccount.id", unique=True, ondelete="CASCADE")
    provider: str = Field(max_length=40)
    refresh_token_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    access_token_encrypted: str | None = Field(default=None, sa_column=Column(Text))
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    scope: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    refreshed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Folder(SQLModel, table=True):
    """One IMAP folder and its sync checkpoint."""

    __table_args__ = (UniqueConstraint("account_id", "name"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="mailaccount.id", index=True, ondelete="CASCADE")
    name: str = Field(max_length=500)
    role: str = Field(default=FolderRole.OTHER, max_length=20)
    uidvalidity: int | None = Field(default=None, sa_type=BigInteger)
    last_uid: int = Field(default=0, sa_type=BigInteger)
    uidnext: int | None = Field(default=None, sa_type=BigInteger)
    highestmodseq: int | None = Field(default=None, sa_type=BigInteger)
    # UIDs the database refused to store: the checkpoint moved past them so the rest syncs.
    refused_uids: list[int] = Field(default_factory=list, sa_column=Column(JSON, nullable=False, server_default="[]"))
    last_synced_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class Thread(SQLModel, table=True):
    __table_args__ = (Index("ix_thread_account_last", "account_id", "last_message_at"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="mailaccount.id", index=True, ondelete="CASCADE")
    subject: str = Field(default="", max_length=1000)  # normalised: no Re:/Fwd:/[tags]
    gm_thrid: int | None = Field(default=None, sa_type=BigInteger)
    first_message_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_message_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    message_count: int = 0
    muted: bool = False
    # Set when its messages change; detection clears it. Lets detection run incrementally.
    needs_detection: bool = Field(default=True, index=True)
    # When detection must look again although no mail came (a due date, a nudge, an expiry).
    detect_at: datetime | None = Field(default=None, sa_type=UTCDateTime, index=True)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class Message(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("account_id", "message_id_header", "content_hash"),
        Index("ix_message_thread_date", "thread_id", "sent_at"),
        Index("ix_message_account_msgid", "account_id", "message_id_header"),
        Index("ix_message_unclassified", "account_id", "classified_at"),
    )
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="mailaccount.id", ondelete="CASCADE")
    thread_id: int | None = Field(default=None, foreign_key="thread.id", ondelete="SET NULL")
    message_id_header: str = Field(max_length=1000)  # without <>; synthetic when missing
    content_hash: str = Field(max_length=64)
    gm_msgid: int | None = Field(default=None, sa_type=BigInteger)
    in_reply_to: str | None = Field(default=None, max_length=1000)
    references: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    direction: str = Field(default=Direction.INBOUND, max_length=10)
    from_addr: str = Field(default="", max_length=320, index=True)
    from_name: str = Field(default="", max_length=300)
    # The first Reply-To address: a web-form notification's prospect (domain.addresses.form_sender).
    reply_to_addr: str = Field(default="", max_length=320, sa_column_kwargs={"server_default": ""})
    to_addrs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    cc_addrs: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    subject: str = Field(default="", sa_column=Column(Text, nullable=False))
    sent_at: datetime = Field(sa_type=UTCDateTime)
    # The writer's offset from UTC in minutes, from the Date header; None: not known.
    sent_utc_offset: int | None = Field(default=None, sa_type=SmallInteger)
    body_text: str = Field(default="", sa_column=Column(Text, nullable=False))  # own new text
    quoted_text: str = Field(default="", sa_column=Column(Text, nullable=False))  # quotes, signature
    snippet: str = Field(default="", max_length=300)
    language: str | None = Field(default=None, max_length=10)  # ISO 639-1 found at ingestion; None: unknown
    attachments: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    is_auto_reply: bool = False
    is_bulk: bool = False
    is_bounce: bool = False
    is_calendar: bool = False
    is_noreply: bool = False
    parse_warnings: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    size: int = 0
    # Classifier output (nlp/): None until classified.
    label: str | None = Field(default=None, max_length=20)
    confidence: float | None = None
    needs_reply: bool | None = None
    evidence: list[dict] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    model_version: str | None = Field(default=None, max_length=50)
    classified_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # Why the classifier could not read this message (it is then stored as `other`).
    classify_error: str | None = Field(default=None, sa_column=Column(Text))
    deleted_on_server: bool = False
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class MessageLocation(SQLModel, table=True):
    """Where a stored message lives on the server: the same mail may sit in several folders."""

    __table_args__ = (UniqueConstraint("folder_id", "uidvalidity", "uid"),)
    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True, ondelete="CASCADE")
    folder_id: int = Field(foreign_key="folder.id", index=True, ondelete="CASCADE")
    uidvalidity: int = Field(sa_type=BigInteger)
    uid: int = Field(sa_type=BigInteger)
    flags: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    modseq: int | None = Field(default=None, sa_type=BigInteger)
    deleted: bool = False


class ThreadKey(SQLModel, table=True):
    """A Message-ID the account has seen, stored or only referenced, and its thread.

    JWZ threading's id table, persisted (written by inbox_sync.store): a reply arriving
    before its parent, or a message linking two threads, finds the thread through it.
    """

    __table_args__ = (UniqueConstraint("account_id", "msgid"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="mailaccount.id", ondelete="CASCADE")
    msgid: str = Field(max_length=1000)  # without <>
    thread_id: int = Field(foreign_key="thread.id", index=True, ondelete="CASCADE")


class Contact(SQLModel, table=True):
    """An external person the account corresponds with."""

    __table_args__ = (UniqueConstraint("account_id", "email"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="mailaccount.id", index=True, ondelete="CASCADE")
    email: str = Field(max_length=320)
    name: str = Field(default="", max_length=300)
    company: str = Field(default="", max_length=300)
    first_sale_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_sale_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    last_message_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class FollowUpTask(SQLModel, table=True):
    __table_args__ = (
        # One task per (account, key): detection upserts on it, so running it twice changes nothing.
        UniqueConstraint("account_id", "key"),
        Index("ix_task_owner_status_due", "user_id", "status", "due_at"),
        # The follow-ups page: a user's open tasks in list order (most urgent first), and
        # the counts per kind in the navigation, each read from one index (migration 0004).
        Index("ix_task_owner_list", "user_id", "status", text("priority DESC"), "due_at", "id"),
        Index("ix_task_owner_kind", "user_id", "status", "kind", "assignee_id"),
        Index("ix_task_assignee_status", "assignee_id", "status"),
        Index("ix_task_thread", "thread_id"),
    )
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="mailaccount.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")  # owner of the account
    team_id: int | None = Field(default=None, foreign_key="team.id", index=True)
    thread_id: int | None = Field(default=None, foreign_key="thread.id", ondelete="CASCADE")
    contact_id: int | None = Field(default=None, foreign_key="contact.id", ondelete="SET NULL")
    trigger_message_id: int | None = Field(
        default=None, foreign_key="message.id", ondelete="SET NULL"
    )
    key: str = Field(max_length=200)  # e.g. "awaiting_reply:thread:42"
    kind: str = Field(max_length=30)
    status: str = Field(default=TaskStatus.OPEN, max_length=20)
    due_at: datetime = Field(sa_type=UTCDateTime)
    expires_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    priority: int = 0  # higher is more urgent
    assignee_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    reason: str = Field(default="", sa_column=Column(Text, nullable=False))
    nudge: str = Field(default="", sa_column=Column(Text, nullable=False))
    snooze_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    nudge_count: int = 0
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    closed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)


class TaskEvent(SQLModel, table=True):
    """What happened to a task and who did it: the history shown in the UI."""

    id: int | None = Field(default=None, primary_key=True)
    task_id: int = Field(foreign_key="followuptask.id", index=True, ondelete="CASCADE")
    at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    event: str = Field(max_length=30)  # opened, nudged, snoozed, done, dismissed, resolved, ...
    actor_id: int | None = Field(default=None, foreign_key="user.id", ondelete="SET NULL")
    detail: str = Field(default="", sa_column=Column(Text, nullable=False))


class LabelFeedback(SQLModel, table=True):
    """A user's correction of the classifier: a relabel, or "no follow-up was needed"."""

    id: int | None = Field(default=None, primary_key=True)
    message_id: int = Field(foreign_key="message.id", index=True, ondelete="CASCADE")
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    label: str | None = Field(default=None, max_length=20)
    needs_reply: bool | None = None
    created_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class DigestSent(SQLModel, table=True):
    """One row per user and local day: the unique key keeps two schedulers from sending twice."""

    __table_args__ = (UniqueConstraint("user_id", "day"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", ondelete="CASCADE")
    day: date
    sent_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
    task_count: int = 0


class KeywordMark(SQLModel, table=True):
    """A keyword (or Gmail label) the write-back put on a message for a task.

    The row remembers what the service wrote into the user's mailbox: a sync that finds
    the keyword gone from the location's flags, or its \\Flagged state changed since the
    keyword was set, means the user acted in their mail client (followup.nudges.writeback).
    """

    __table_args__ = (UniqueConstraint("task_id", "location_id"),)
    id: int | None = Field(default=None, primary_key=True)
    account_id: int = Field(foreign_key="mailaccount.id", index=True, ondelete="CASCADE")
    task_id: int = Field(foreign_key="followuptask.id", index=True, ondelete="CASCADE")
    location_id: int = Field(foreign_key="messagelocation.id", index=True, ondelete="CASCADE")
    keyword: str = Field(max_length=100)
    via: str = Field(default="keyword", max_length=10)  # keyword | label (Gmail X-GM-LABELS)
    flagged: bool = False  # \Flagged when the keyword was set
    set_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)


class DraftText(SQLModel, table=True):
    """A user's own wording of the drafted follow-up for one kind in one language (Settings →
    Draft texts); without a row the package's text (followup/draft_texts/) is used."""

    __table_args__ = (UniqueConstraint("user_id", "language", "kind"),)
    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="user.id", index=True, ondelete="CASCADE")
    language: str = Field(max_length=10)
    kind: str = Field(max_length=30)
    text: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=_created, sa_type=UTCDateTime)
