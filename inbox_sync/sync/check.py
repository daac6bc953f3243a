"""`followup account test` and the web's connection test: log in, list what would be synced.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from inbox_sync.folders import discover_folders
from inbox_sync.imap_connection import ConnectionSettings, ImapConnection, connect, translate_errors
from sqlalchemy.engine import Engine
from typing import Callable

from followup.db.models import MailAccount
from followup.db.session import session_scope
from inbox_sync.sync.reports import NotSyncable


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
    """Log in, read the capabilities and plan the folders; change nothing anywhere."""
    with session_scope(engine) as session:
        account = session.get(MailAccount, account_id)
        if account is None:
            raise NotSyncable(f"no account {account_id}")
        if not account.imap_host:
            raise NotSyncable(f"account {account_id} is import-only (no IMAP server)")
        settings = ConnectionSettings.for_account(account, secret_key, timeout=timeout)
    started = time.monotonic()
    with connect_fn(settings) as connection:
        capabilities = sorted(connection.capabilities)
        folders = []
        for plan in discover_folders(connection):
            with translate_errors(settings, f"STATUS {plan.name}"):
                status = connection.client.folder_status(plan.name, ["MESSAGES"])
            folders.append({"name": plan.name, "role": str(plan.role),
                            "messages": int(status.get(b"MESSAGES", 0))})
    return AccountCheck(account_id, settings.where, capabilities, folders, time.monotonic() - started)
