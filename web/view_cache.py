"""What the follow-ups page reuses between views: its rendered rows and the counts per kind.

The list is the page a rep reloads all day. Rendering its rows and counting a long list by
kind are most of its cost, and neither needs to be redone on every view.

Rows: a row's HTML depends only on what the row shows (its query result, a tuple of plain values),
the user's time zone and language and the clock to the minute (ages are shown in minutes at the finest).
Keyed by exactly those, the cache needs no invalidation: a task, label or contact that
changed is a different key, and an unchanged row is rendered once a minute per process
instead of on every view. The per-request parts (the CSRF token, the page to come back to)
are left as slots in the cached HTML and filled in per request.

Counts: counting 10,000 open tasks by kind costs more than the rest of the page. The
counts of a user are kept for `COUNTS_TTL` seconds per browser session and recounted at
once after anything the user does in it (every POST, PUT, PATCH or DELETE stamps the
session), so the user's own changes always show; a change made elsewhere (a sync, a
teammate) is in the list at once and in the counts within the TTL.
"""

from __future__ import annotations

import secrets
import threading
import time
from collections import OrderedDict
from datetime import datetime
from typing import Callable

from flask import Flask, current_app, request, session
from markupsafe import Markup, escape

from web.formatting import display_language

COUNTS_TTL = 30.0  # seconds
SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
CHANGE_STAMP = "changed"  # the session key stamped by every change the user makes


class LRU:
    """A bounded map that forgets the least recently used entry; safe to share between threads."""

    def __init__(self, maxsize: int):
        self.maxsize = maxsize
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)


class ViewCache:
    def __init__(self, rows: int = 4096, users: int = 1024):
        self.rows = LRU(rows)
        self.counts = LRU(users)
        self.insights = LRU(users)
        # Random per process, so that no text in a mail can forge a slot.
        nonce = secrets.token_hex(8)
        self.csrf_slot = f"csrf-slot-{nonce}"
        self.back_slot = f"back-slot-{nonce}"


def _cache() -> ViewCache:
    return current_app.extensions["followup_view_cache"]


def render_rows(rows, *, user, at: datetime, links: dict, csrf: str, back: str) -> Markup:
    """The `<li>` of each row of the list, from `tasks/_row.html`, in order."""
    cache = _cache()
    template = current_app.jinja_env.get_template("tasks/_row.html")
    minute = at.replace(second=0, microsecond=0)
    language = display_language()
    slotted_links = {**links, "back": cache.back_slot}
    parts = []
    for row in rows:
        key = (tuple(row), user.timezone, language, minute, links["act"])
        html = cache.rows.get(key)
        if html is None:
            html = template.render(row=row, user=user, at=at, links=slotted_links, csrf=cache.csrf_slot)
            cache.rows.put(key, html)
        parts.append(html)
    # The CSRF token is URL-safe text; the back link is escaped like any attribute value.
    page = "".join(parts).replace(cache.csrf_slot, str(escape(csrf))).replace(cache.back_slot, str(escape(back)))
    return Markup(page)


def counts(user_id: int, count: Callable[[], dict[str, int]]) -> dict[str, int]:
    """The user's open counts per kind: `count()`'s result, reused as the module says."""
    return _kept(_cache().counts, user_id, count)


def insights(user_id: int, compute: Callable, fresh: bool):
    """The lead's page's figures: computed afresh for the page (`fresh`), and reused by the four
    chart images the page loads right after it (within the TTL, in the same browser session),
    so that one view computes them once and the charts show the page's numbers."""
    return _kept(_cache().insights, user_id, compute, fresh)


def _kept(store: LRU, user_id: int, compute: Callable, fresh: bool = False):
    """`compute()`'s result for the user's browser session, reused for `FOLLOWUP_COUNTS_TTL`
    seconds until the user changes something (`CHANGE_STAMP`); `fresh` computes it anew."""
    key = (user_id, session.get(CHANGE_STAMP))
    kept = None if fresh else store.get(key)
    if kept is not None and time.monotonic() - kept[0] < current_app.config["FOLLOWUP_COUNTS_TTL"]:
        return kept[1]
    result = compute()
    store.put(key, (time.monotonic(), result))
    return result


def _stamp_changes() -> None:
    if request.method not in SAFE_METHODS and not request.path.startswith("/api/"):
        session[CHANGE_STAMP] = time.time_ns()


def init_app(app: Flask) -> None:
    app.extensions["followup_view_cache"] = ViewCache()
    app.config.setdefault("FOLLOWUP_COUNTS_TTL", COUNTS_TTL)
    app.before_request(_stamp_changes)
