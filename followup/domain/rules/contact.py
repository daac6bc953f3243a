"""The contact rules: dormant_customer and anniversary, from a contact's sale history."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Container

from followup.domain.addresses import company_from_domain
from followup.domain.rules.policy import (
    ANNIVERSARY_GRACE,
    ANNIVERSARY_LEAD,
    PRIORITY_ANNIVERSARY,
    PRIORITY_DORMANT,
)
from followup.domain.rules.views import ContactView, DetectionSettings, Outcome, TaskProposal, domain_part
from followup.domain.rules.wording import day_text
from followup.domain.vocabulary import TaskKind, TaskStatus


# ------------------------------------------------------------------------ contact rules


def dormant_key(contact_id: int) -> str:
    return f"{TaskKind.DORMANT_CUSTOMER}:contact:{contact_id}"


def anniversary_key(contact_id: int, year: int) -> str:
    return f"{TaskKind.ANNIVERSARY}:contact:{contact_id}:{year}"


def detect_contact(contact: ContactView, settings: DetectionSettings, now: datetime,
                   open_keys: Container[str] | None = None) -> Outcome:
    """Dormant-customer and first-sale-anniversary tasks for one contact with a past sale."""
    out = Outcome(open_keys=open_keys)
    cal = settings.calendar
    key = dormant_key(contact.id)
    if (contact.first_sale_at is None or contact.first_sale_at > now
            or settings.is_ignored(contact.email) or settings.is_internal(contact.email)):
        out.close(key, TaskStatus.DISMISSED, "no past sale, or the contact is ignored")
        return out
    name = contact.name or contact.email
    company = contact.company or company_from_domain(domain_part(contact.email))
    who = f"{name} ({company})" if contact.name and company and company.lower() not in name.lower() else name

    last = contact.last_message_at or contact.last_sale_at or contact.first_sale_at
    dormant_at = last + timedelta(days=settings.dormant_days)
    if now >= dormant_at:
        out.proposals.append(TaskProposal(
            key=key, kind=TaskKind.DORMANT_CUSTOMER, due_at=dormant_at, priority=PRIORITY_DORMANT,
            reason=(f"customer since {day_text(cal.local(contact.first_sale_at))}; no mail either way since "
                    f"{day_text(cal.local(last))} (threshold {settings.dormant_days} days)"),
            nudge=(f"No contact in {settings.dormant_days}+ days — {who}, a customer since "
                   f"{cal.local(contact.first_sale_at):%b %Y}: reach out"),
            contact_email=contact.email, contact_name=contact.name, nudge_count=1,
        ))
    else:
        out.recheck(dormant_at, now)
        out.close(key, TaskStatus.RESOLVED, lambda: f"mail with {contact.email} on {day_text(cal.local(last))}")

    first = cal.local(contact.first_sale_at).date()
    today = cal.local(now).date()
    for year in (today.year - 1, today.year, today.year + 1):
        if year <= first.year:
            continue
        day = _same_day_in(first, year)
        opens = cal.at_local(day, time(0)) - ANNIVERSARY_LEAD
        due = cal.at_local(day, time(0))
        expires = due + ANNIVERSARY_GRACE
        akey = anniversary_key(contact.id, year)
        if now >= expires:
            out.close(akey, TaskStatus.EXPIRED, lambda: f"the anniversary was {day_text(day)}")
        elif now >= opens:
            years = year - first.year
            out.recheck(expires, now)
            out.proposals.append(TaskProposal(
                key=akey, kind=TaskKind.ANNIVERSARY, due_at=due, expires_at=expires,
                priority=PRIORITY_ANNIVERSARY,
                reason=f"first sale on {day_text(first)}: {years} year{'s' if years > 1 else ''} on {day_text(day)}",
                nudge=f"{years} year{'s' if years > 1 else ''} since the first sale on {day_text(first)} — say thank you to {who}",
                contact_email=contact.email, contact_name=contact.name, nudge_count=1 if now >= due else 0,
            ))
            out.recheck(due, now)
        else:
            out.recheck(opens, now)
    return out


def contact_may_have_task(contact: ContactView, settings: DetectionSettings, now: datetime) -> bool:
    """A cheap pre-check for `detect_contact`: False when it can only answer "nothing to open"
    (not dormant, no anniversary window around `now`), so an incremental pass skips it."""
    if contact.first_sale_at is None or contact.first_sale_at > now:
        return False
    last = contact.last_message_at or contact.last_sale_at or contact.first_sale_at
    if now >= last + timedelta(days=settings.dormant_days):
        return True
    first = contact.first_sale_at.date()
    for year in (now.year - 1, now.year, now.year + 1):
        if year > first.year:
            day = datetime.combine(_same_day_in(first, year), time(0), tzinfo=now.tzinfo)
            # a day of slack either side for the user's time zone
            if day - ANNIVERSARY_LEAD - timedelta(days=1) <= now < day + ANNIVERSARY_GRACE + timedelta(days=1):
                return True
    return False


def _same_day_in(day: date, year: int) -> date:
    try:
        return day.replace(year=year)
    except ValueError:  # 29 February
        return date(year, 2, 28)
