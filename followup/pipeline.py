"""What runs after mail is stored: classify the new messages, then detect follow-ups.

The sync job, the import command and the demo all call `process_account` so that the
order (store → nlp → followups) is written down once.
"""

from __future__ import annotations

from datetime import datetime

from followup.bootstrap import Runtime


def process_account(rt: Runtime, account_id: int, now: datetime | None = None) -> dict:
    """Classify what is unclassified and run detection for the account. Returns counts.

    Filled in as the classifier (issue 5) and detection (issue 6) land.
    """
    return {"classified": 0, "tasks_opened": 0, "tasks_closed": 0}
