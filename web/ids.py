"""Database ids and page numbers from URLs and query strings: a number no row can have is
404, never an OverflowError from the database driver (a 500)."""

from __future__ import annotations

from flask import abort
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import NotFound
from werkzeug.routing import IntegerConverter

from followup.db.session import MAX_ROW_ID

MAX_PAGE = 10**7
"""No list has this many pages; a larger number cannot even be turned into an offset."""


class RowIdConverter(IntegerConverter):
    """`<id:task_id>`: a whole number from 1 to MAX_ROW_ID, else 404."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if not 1 <= number <= MAX_ROW_ID:
            # NotFound, not ValidationError: with the latter Werkzeug answers 405 when a
            # route for another method has the same path (GET and POST /tasks/N).
            raise NotFound()
        return number


def ascii_digits(raw: str) -> bool:
    """Whether `raw` is a whole number in ASCII digits: str.isdigit() also accepts "²" and "١",
    which int() then refuses or reads."""
    return raw.isascii() and raw.isdigit()


def whole_number(values: MultiDict, name: str, default: int | None = None, *, high: int = MAX_ROW_ID) -> int | None:
    """`values[name]` as a whole number: the default when absent or not one, 404 above `high`."""
    raw = values.get(name, "")
    if not ascii_digits(raw):
        return default
    # The length first: int() refuses strings of thousands of digits.
    if len(raw) > len(str(high)) or int(raw) > high:
        abort(404)
    return int(raw)


def init_app(app) -> None:
    app.url_map.converters["id"] = RowIdConverter
