"""One database session per request, opened on first use and closed at teardown.

Views that change data call `get_db().commit()` themselves; anything left uncommitted when
the request ends is rolled back.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlmodel import Session

from followup.bootstrap import Runtime


def get_runtime() -> Runtime:
    return current_app.extensions["followup_runtime"]


def get_db() -> Session:
    if "db" not in g:
        g.db = Session(get_runtime().engine, expire_on_commit=False)
    return g.db


def close_db(exc: BaseException | None = None) -> None:
    session = g.pop("db", None)
    if session is not None:
        try:
            session.rollback()
        finally:
            session.close()


def init_app(app: Flask) -> None:
    app.teardown_appcontext(close_db)
