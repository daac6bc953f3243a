"""The connection test of `followup account test` and of the web's Mailboxes page: log in, list
the folders and say which ones a sync would read. Nothing is changed anywhere.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from inbox_sync.folders import FolderPlan, plan_folders
from inbox_sync.imap_connection import ConnectionSettings, ImapConnection, connect
from inbox_sync.imap_errors import translate_errors
from sqlalchemy.engine import Engine
from typing import Callable

from followup.db.models import MailAccount
from followup.db.session import session_scope
from inbox_sync.sync.reports import NotSyncable


@dataclass
class ConnectionCheck:
    """What one login found."""
    server: str
    login: str
    capabilities: list[str]
    folder_names: list[str]        # every folder the server lists
    plans: list[FolderPlan]        # the folders a sync would read
    messages: dict[str, int]       # per planned folder, when counted
    seconds: float


def check_connection(settings: ConnectionSettings, *, count_messages: bool = False,
                     connect_fn: Callable[[ConnectionSettings], ImapConnection] = connect) -> ConnectionCheck:
    """Log in, list and plan the folders (and count their messages); raises ImapError."""
    started = time.monotonic()
    messages: dict[str, int] = {}
    with connect_fn(settings) as connection:
        capabilities = sorted(connection.capabilities)
        listing = connection.list_folders()
        plans = plan_folders(listing, gmail=connection.is_gmail)
        for plan in plans if count_messages else ():
            with translate_errors(settings, f"STATUS {plan.name}"):
                status = connection.client.folder_status(plan.name, ["MESSAGES"])
            messages[plan.name] = int(status.get(b"MESSAGES", 0))
    names = sorted(name.decode("utf-8", "replace") if isinstance(name, bytes) else str(name)
                   for _flags, _delim, name in listing)
    return ConnectionCheck(settings.where, settings.login, capabilities, names, plans, messages,
                           time.monotonic() - started)


# ---- `followup account test` -----------------------------------------------------------


@dataclass
class AccountCheck:
    account_id: int
    server: str
    capabilities: list[str]
    folders: list[dict]
    seconds: float

    def to_dict(self) -> dict:
        return asdict(self)


def check_account(engine: Engine, account_id: int, *, secret_key: str, timeout: float = 30.0,
                  connect_fn: Callable[[ConnectionSettings], ImapConnection] = connect) -> AccountCheck:
    """Check a stored account's connection, counting the messages of each folder to sync."""
    with session_scope(engine) as session:
        account = session.get(MailAccount, account_id)
        if account is None:
            raise NotSyncable(f"no account {account_id}")
        if not account.imap_host:
            raise NotSyncable(f"account {account_id} is import-only (no IMAP server)")
        settings = ConnectionSettings.for_account(account, secret_key, timeout=timeout)
    check = check_connection(settings, count_messages=True, connect_fn=connect_fn)
    folders = [{"name": plan.name, "role": str(plan.role), "messages": check.messages[plan.name]}
               for plan in check.plans]
    return AccountCheck(account_id, check.server, check.capabilities, folders, check.seconds)
