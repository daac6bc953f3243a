"""Rendered rows of the follow-ups list, reused for up to a minute.

The list is the page a rep reloads all day, and rendering its rows is most of its cost. A
row's HTML depends only on what the row shows (its query result, a tuple of plain values),
the user's time zone and the clock to the minute (ages are shown in minutes at the finest).
Keyed by exactly those, the cache needs no invalidation: a task, label or contact that
changed is a different key, and an unchanged row is rendered once a minute per process
instead of on every view. The per-request parts (the CSRF token, the page to come back to)
are left as slots in the cached HTML and filled in per request.
"""

from __future__ import annotations

import secrets
import threading
from collections import OrderedDict
from datetime import datetime

from flask import current_app
from markupsafe import Markup, escape


class RenderedRows:
    """A bounded LRU map from a row's key to its HTML; safe to share between threads."""

    def __init__(self, maxsize: int = 4096):
        self.maxsize = maxsize
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        # Random per process, so that no text in a mail can forge a slot.
        nonce = secrets.token_hex(8)
        self.csrf_slot = f"csrf-slot-{nonce}"
        self.back_slot = f"back-slot-{nonce}"

    def get(self, key) -> str | None:
        with self._lock:
            html = self._items.get(key)
            if html is not None:
                self._items.move_to_end(key)
            return html

    def put(self, key, html: str) -> None:
        with self._lock:
            self._items[key] = html
            self._items.move_to_end(key)
            while len(self._items) > self.maxsize:
                self._items.popitem(last=False)

    def __len__(self) -> int:
        return len(self._items)


def render_rows(rows, *, user, at: datetime, links: dict, csrf: str, back: str) -> Markup:
    """The `<li>` of each row of the list, from `tasks/_row.html`, in order."""
    cache: RenderedRows = current_app.extensions["followup_rendered_rows"]
    template = current_app.jinja_env.get_template("tasks/_row.html")
    minute = at.replace(second=0, microsecond=0)
    slotted_links = {**links, "back": cache.back_slot}
    parts = []
    for row in rows:
        key = (tuple(row), user.timezone, minute, links["act"])
        html = cache.get(key)
        if html is None:
            html = template.render(row=row, user=user, at=at, links=slotted_links, csrf=cache.csrf_slot)
            cache.put(key, html)
        parts.append(html)
    # The CSRF token is URL-safe text; the back link is escaped like any attribute value.
    page = "".join(parts).replace(cache.csrf_slot, str(escape(csrf))).replace(cache.back_slot, str(escape(back)))
    return Markup(page)


def init_app(app, maxsize: int = 4096) -> None:
    app.extensions["followup_rendered_rows"] = RenderedRows(maxsize)
