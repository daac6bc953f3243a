"""Connecting a mailbox against the real Dovecot, and "Sync now" with a real rq worker or with
the job queue down (the pages alone: tests/unit/test_web_accounts.py)."""

from __future__ import annotations

import os

from sqlalchemy import func
from sqlmodel import select

from followup.db.accounts import account_password
from followup.db.models import MailAccount, Message
from tests.rows import add_user, db
from tests.runtimes import TEST_SECRET_KEY


def _form(imap_user, **overrides):
    form = {"provider": "custom", "email": "me@example.com", "login": imap_user.name,
            "password": imap_user.password, "imap_host": imap_user.host, "imap_port": str(imap_user.port),
            "security": "none", "internal_domains": "example.com", "addresses": "sales@example.com"}
    form.update(overrides)
    return form


def test_test_connection_lists_folders(client, web_rt, imap_user):
    imap_user.create_folder("Sent")
    add_user(web_rt)
    client.login("rep@example.com")
    client.get("/accounts/new")
    response = client.post("/accounts/new", {**_form(imap_user), "action": "test"})
    page = response.get_data(as_text=True)
    assert response.status_code == 200, page
    assert f"Connected to {imap_user.host}:{imap_user.port} as {imap_user.name}" in page
    assert "<strong>INBOX</strong> (inbox)" in page and "<strong>Sent</strong> (sent)" in page
    assert imap_user.password not in page  # never echoed back
    with db(web_rt) as session:
        assert session.exec(select(func.count()).select_from(MailAccount)).one() == 0


def test_the_password_of_a_good_test_is_kept_sealed_for_connect(client, web_rt, imap_user):
    import re

    add_user(web_rt)
    client.login("rep@example.com")
    client.get("/accounts/new")
    page = client.post("/accounts/new", {**_form(imap_user), "action": "test"}).get_data(as_text=True)
    assert "The password is kept for 15 minutes" in page and imap_user.password not in page
    kept = re.search(r'name="kept_password" value="([^"]+)"', page).group(1)
    # Sealed for this server and login only: another login gets no password from it.
    other = client.post("/accounts/new", {**_form(imap_user, password="", login="someone-else"),
                                          "kept_password": kept, "action": "save"})
    assert other.status_code == 400 and "Enter the password" in other.get_data(as_text=True)
    response = client.post("/accounts/new", {**_form(imap_user, password=""), "kept_password": kept, "action": "save"})
    assert response.status_code == 302, response.get_data(as_text=True)
    with db(web_rt) as session:
        account = session.exec(select(MailAccount)).one()
        assert account_password(account, TEST_SECRET_KEY) == imap_user.password


def test_wrong_password_and_unreachable_server_say_what_is_wrong(client, web_rt, imap_user):
    add_user(web_rt)
    client.login("rep@example.com")
    client.get("/accounts/new")
    response = client.post("/accounts/new", {**_form(imap_user, password="wrong-password"), "action": "save"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "rejected the login for" in page
    assert "wrong-password" not in page
    response = client.post("/accounts/new", {**_form(imap_user, imap_port="1"), "action": "test"})
    assert response.status_code == 400 and "refused the connection" in response.get_data(as_text=True)
    response = client.post("/accounts/new", {**_form(imap_user, imap_host="mail.example.com"), "action": "test"})
    assert response.status_code == 400 and "only allowed to a loopback address" in response.get_data(as_text=True)
    with db(web_rt) as session:
        assert session.exec(select(func.count()).select_from(MailAccount)).one() == 0


def test_an_unverified_certificate_names_the_forms_checkbox_not_a_command_line_flag(
        client, web_rt, imap_user, dovecot, monkeypatch):
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    add_user(web_rt)
    client.login("rep@example.com")
    client.get("/accounts/new")
    form = _form(imap_user, imap_host="localhost", imap_port=str(dovecot.ssl_port), security="ssl")
    page = client.post("/accounts/new", {**form, "action": "test"}).get_data(as_text=True)
    assert "could not be verified" in page and "Do not verify the TLS certificate\u201d below" in page
    assert "--insecure" not in page
    page = client.post("/accounts/new", {**form, "insecure": "1", "action": "test"}).get_data(as_text=True)
    assert "Connected to localhost" in page


def test_connect_saves_the_account_with_an_encrypted_password(client, web_rt, imap_user):
    user = add_user(web_rt)
    client.login("rep@example.com")
    client.get("/accounts/new")
    response = client.post("/accounts/new", {**_form(imap_user, name="Work", sync_since="2026-01-01"), "action": "save"})
    assert response.status_code == 302
    with db(web_rt) as session:
        account = session.exec(select(MailAccount)).one()
        assert account.user_id == user.id and account.name == "Work"
        assert account.addresses == ["me@example.com", "sales@example.com"]
        assert account.internal_domains == ["example.com"] and str(account.sync_since) == "2026-01-01"
        assert imap_user.password not in (account.secret_encrypted or "")
        assert account_password(account, TEST_SECRET_KEY) == imap_user.password
    assert response.headers["Location"] == f"/accounts/{account.id}"
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "Mailbox connected." in page and imap_user.password not in page
    assert account.secret_encrypted not in page
    # Test the stored connection again from the account page.
    response = client.post(f"/accounts/{account.id}/test")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Connected to" in page and "INBOX (inbox)" in page
    # Sync is switched off in the tests: the page says so instead of pretending.
    client.post(f"/accounts/{account.id}/sync")
    assert "switched off" in client.get(f"/accounts/{account.id}").get_data(as_text=True)


def test_sync_now_queues_the_accounts_unique_job_once_and_a_worker_runs_it(runtime, imap_user, redis_url,
                                                                          redis_conn, app_env):
    import dataclasses

    from rq import Queue

    from followup.bootstrap import Runtime
    from followup.worker.queues import QUEUES, SYNC_QUEUE, sync_job_id
    from tests.integration.mailboxes import fill, make_account
    from tests.integration.workers import finish, start_worker
    from tests.web_client import WebClient, make_app

    fill(imap_user, 3)
    account_id = make_account(runtime, imap_user)
    rt = Runtime(settings=dataclasses.replace(runtime.settings, redis_url=redis_url), engine=runtime.engine)
    client = WebClient(make_app(rt, FOLLOWUP_START_SYNC=True).test_client())
    client.login("owner@example.com", "a long password")

    first = client.post(f"/accounts/{account_id}/sync", follow_redirects=True)
    second = client.post(f"/accounts/{account_id}/sync", follow_redirects=True)
    assert "Sync started" in first.get_data(as_text=True)
    assert "already queued or running" in second.get_data(as_text=True)
    assert Queue(SYNC_QUEUE, connection=redis_conn).job_ids == [sync_job_id(account_id)]
    assert [name for name in QUEUES if name != SYNC_QUEUE and Queue(name, connection=redis_conn).job_ids] == []

    finish(start_worker({**os.environ, **app_env, "FOLLOWUP_REDIS_URL": redis_url}, "--burst"))
    with db(runtime) as session:
        assert session.exec(select(func.count()).select_from(Message)
                            .where(Message.account_id == account_id)).one() == 3


def test_sync_now_with_the_job_queue_down_says_so(runtime, imap_user):
    import dataclasses

    from followup.bootstrap import Runtime
    from tests.integration.mailboxes import make_account
    from tests.services import free_port
    from tests.web_client import WebClient, make_app

    account_id = make_account(runtime, imap_user)
    closed = f"redis://127.0.0.1:{free_port('127.0.0.1')}/0"  # nothing listens there
    rt = Runtime(settings=dataclasses.replace(runtime.settings, redis_url=closed), engine=runtime.engine)
    client = WebClient(make_app(rt, FOLLOWUP_START_SYNC=True).test_client())
    client.login("owner@example.com", "a long password")

    response = client.post(f"/accounts/{account_id}/sync", follow_redirects=True)
    assert response.status_code == 200
    assert "job queue (FOLLOWUP_REDIS_URL) does not answer" in response.get_data(as_text=True)
