"""`Contact` rows, one per external address of an account, and their two writers: ingestion
records whom the mail was with (name, last message), detection merges what the threads say
(first and last sale, names). A new contact's company is `company_from_domain` in both.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, select, update
from sqlalchemy.engine import Connection
from sqlmodel import Session

from followup.db.bulk import chunks, insert_and_read_ids, insert_many
from followup.db.models import Contact
from followup.domain.addresses import company_from_domain
from followup.domain.rules.views import ContactActivity, ContactView


def record_correspondents(connection: Connection, account_id: int,
                          seen: dict[str, tuple[str, datetime, str]]) -> set[int]:
    """Insert or refresh the contacts of new mail: address → (display name, last message,
    company as they wrote it, else the domain's guess). A company someone wrote is never
    replaced by the domain's guess. Returns the ids of the rows updated (the caller's session
    must reload them)."""
    if not seen:
        return set()
    table = Contact.__table__
    existing = {}
    for chunk in chunks(sorted(seen)):
        for row in connection.execute(
            select(table.c.id, table.c.email, table.c.name, table.c.company, table.c.last_message_at).where(
                table.c.account_id == account_id, table.c.email.in_(chunk))
        ):
            existing[row.email] = row
    inserts, updates = [], []
    for addr, (name, last, company) in seen.items():
        row = existing.get(addr)
        if row is None:
            inserts.append({"account_id": account_id, "email": addr, "name": name[:300],
                            "company": company[:300], "last_message_at": last})
            continue
        better = company and company != row.company and (
            not row.company or row.company == company_from_domain(addr))
        if better or (name and not row.name) or row.last_message_at is None or last > row.last_message_at:
            updates.append({"cid": row.id, "name": row.name or name[:300],
                            "company": (company if better else row.company or "")[:300],
                            "last": _max(row.last_message_at, last)})
    insert_many(connection, table, inserts, ignore_conflicts=True)
    if updates:
        connection.execute(
            update(table).where(table.c.id == bindparam("cid")).values(
                name=bindparam("name"), company=bindparam("company"), last_message_at=bindparam("last")),
            updates)
    return {u["cid"] for u in updates}


def load_contacts(session: Session, account_id: int, emails: set[str] | None) -> dict[str, ContactView]:
    """All contacts of the account, or those with these addresses plus every past customer."""
    base = select(Contact.id, Contact.email, Contact.name, Contact.company, Contact.first_sale_at,
                  Contact.last_sale_at, Contact.last_message_at).where(Contact.account_id == account_id)
    if emails is None:
        queries = [base]
    else:
        queries = [base.where(Contact.first_sale_at.is_not(None))]
        queries += [base.where(Contact.email.in_(chunk)) for chunk in chunks(sorted(emails))]
    contacts = {}
    connection = session.connection()
    for query in queries:
        for row in connection.execute(query):
            contacts[row.email] = ContactView(*row)
    return contacts


@dataclass
class SavedContacts:
    contacts: dict[str, ContactView]
    renamed: set[str]  # the addresses whose name was learned just now
    added: int
    updated: int


def save_contact_activity(session: Session, account_id: int, contacts: dict[str, ContactView],
                          activity: dict[str, ContactActivity], full: bool) -> SavedContacts:
    """Merge what detection read in the threads (sales, names, last mail) into `Contact` rows;
    a full pass recomputes them."""
    inserts, updates, renamed = [], [], set()
    for email, seen in activity.items():
        if len(email) > 320:
            continue
        known = contacts.get(email)
        if known is None:
            inserts.append(dict(account_id=account_id, email=email, name=seen.name[:300],
                                company=company_from_domain(email),
                                first_sale_at=seen.first_sale_at, last_sale_at=seen.last_sale_at,
                                last_message_at=seen.last_message_at))
            continue
        merged = ContactActivity(email, known.name or seen.name[:300])
        if full:
            merged.first_sale_at, merged.last_sale_at = seen.first_sale_at, seen.last_sale_at
            merged.last_message_at = seen.last_message_at
        else:
            merged.merge(ContactActivity(email, "", known.last_message_at, known.first_sale_at, known.last_sale_at))
            merged.merge(seen)
        new = ContactView(known.id, email, merged.name, known.company, merged.first_sale_at,
                          merged.last_sale_at, merged.last_message_at)
        if new != known:
            if new.name and not known.name:
                renamed.add(email)
            contacts[email] = new
            updates.append(dict(id=known.id, name=new.name, first_sale_at=new.first_sale_at,
                                last_sale_at=new.last_sale_at, last_message_at=new.last_message_at))
    new_ids = insert_and_read_ids(session.connection(), Contact.__table__, inserts, key=("email",),
                                  scope={"account_id": account_id})
    for values, new_id in zip(inserts, new_ids):
        contacts[values["email"]] = ContactView(
            new_id, values["email"], values["name"], values["company"], values["first_sale_at"],
            values["last_sale_at"], values["last_message_at"])
    if updates:
        session.execute(update(Contact), updates)
    return SavedContacts(contacts, renamed, len(inserts), len(updates))


def _max(a, b):
    return b if a is None else a if b is None else max(a, b)
