"""The web app as the tests drive it: the app factory with the tests' clock, the app on a
real loopback HTTP server, and a client that does what a browser does with the CSRF token."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from followup.bootstrap import Runtime
from followup.db.models import User
from followup.db.users import issue_api_token
from tests.rows import NOW, PASSWORD, db

CSRF_FIELD = re.compile(r'name="csrf_token" value="([^"]+)"')


def make_app(rt: Runtime, **config):
    from web import create_app

    return create_app(rt, {"TESTING": True, "FOLLOWUP_NOW": NOW, "FOLLOWUP_START_SYNC": False, **config})


@contextmanager
def serving(app) -> Iterator[str]:
    """The app on a real HTTP server on a free loopback port, for as long as the block runs: its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join()


class WebClient:
    """The Flask test client plus what a browser does: carry the CSRF token of the page."""

    def __init__(self, client) -> None:
        self.client = client
        self.token: str | None = None

    def get(self, url, **kw):
        response = self.client.get(url, **kw)
        match = CSRF_FIELD.search(response.get_data(as_text=True))
        if match:
            self.token = match.group(1)
        return response

    def post(self, url, data=None, *, csrf=True, **kw):
        data = dict(data or {})
        if csrf:
            if self.token is None:
                self.get("/login")
            data.setdefault("csrf_token", self.token)
        return self.client.post(url, data=data, **kw)

    def login(self, email, password=PASSWORD):
        self.get("/login")
        response = self.post("/login", {"email": email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        # As a browser does: the page after sign-in carries the new session's CSRF token.
        self.get(response.headers["Location"])
        return response


def sign_in(client: WebClient, email: str, password: str, address: str = "127.0.0.1"):
    """Post the sign-in form as if from `address` (the rate limits count per address)."""
    return client.post("/login", {"email": email, "password": password},
                       environ_overrides={"REMOTE_ADDR": address})


def bearer(rt, user_id) -> dict:
    """The Authorization header of a fresh API token of the user."""
    with db(rt) as session:
        token = issue_api_token(session.get(User, user_id))
        session.commit()
    return {"Authorization": f"Bearer {token}"}
