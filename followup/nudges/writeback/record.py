"""Record (DB): the marks added and removed; the stored flags follow what was written."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import select

from followup.db.models import KeywordMark, MessageLocation
from followup.nudges.writeback.keyword import FLAGGED, VIA_KEYWORD
from followup.nudges.writeback.plan import Plan, Stored


def record(session, account_id: int, plan: Plan, done: Stored, now: datetime) -> None:
    if plan.forget:
        session.execute(delete(KeywordMark).where(KeywordMark.id.in_(plan.forget)))
    touched = done.added | {location_id for location_id, _ in done.removed}
    locations = {loc.id: loc for loc in session.exec(
        select(MessageLocation).where(MessageLocation.id.in_(touched)))} if touched else {}
    for entries in plan.add.values():
        for task_id, loc in entries:
            if loc.location_id in done.added:
                location = locations[loc.location_id]
                session.add(KeywordMark(account_id=account_id, task_id=task_id, location_id=loc.location_id,
                                        keyword=plan.keyword, via=done.via, flagged=FLAGGED in location.flags,
                                        set_at=now))
    if done.via == VIA_KEYWORD:  # Gmail labels are not flags: the stored flags stay the server's
        for location_id, keyword in done.removed:
            location = locations[location_id]
            location.flags = [f for f in location.flags if f != keyword]
        for location_id in done.added:
            location = locations[location_id]
            if plan.keyword not in location.flags:
                location.flags = sorted({*location.flags, plan.keyword})

