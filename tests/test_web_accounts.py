"""Connecting a mailbox against the real Dovecot, the account page, removing an account."""

from __future__ import annotations

import os

from sqlalchemy import func
from sqlmodel import select

from followup.db.accounts import account_password
from followup.db.models import Contact, FollowUpTask, MailAccount, Message, Thread
from tests.conftest import TEST_SECRET_KEY
from tests.test_web_helpers import *  # noqa: F401,F403  (fixtures)
from tests.test_web_helpers import add_account, add_user, db


def _form(imap_user, **overrides):
    form = {"provider": "custom", "email": "me@example.com", "login": imap_user.name,
            "password": imap_user.password, "imap_host": imap_user.host, "imap_port": str(imap_user.port),
            "security": "none", "internal_domains": "example.com", "addresses": "sales@example.com"}
    form.update(overrides)
    return form


def test_new_account_form_has_provider_presets(client, web_rt):
    add_user(web_rt)
    client.login("rep@example.com")
    page = client.get("/accounts/new").get_data(as_text=True)
    for name, host in [("Gmail", "imap.gmail.com"), ("Outlook / Microsoft 365", "outlook.office365.com"),
                       ("Fastmail", "imap.fastmail.com"), ("iCloud", "imap.mail.me.com"),
                       ("Yahoo", "imap.mail.yahoo.com"), ("Other (custom IMAP server)", "")]:
        assert name in page and f'data-host="{host}"' in page
    assert 'name="password" type="password" required autocomplete="off"' in page
    assert '<option value="fastmail" data-host' in client.get("/accounts/new?provider=fastmail").get_data(as_text=True)


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


def test_form_validation(client, web_rt):
    add_user(web_rt)
    client.login("rep@example.com")
    client.get("/accounts/new")
    response = client.post("/accounts/new", {"provider": "custom", "imap_port": "99999", "security": "bogus"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("Choose SSL/TLS, STARTTLS or none.", "Enter the IMAP server", "Enter your email address.",
                    "Enter the password"):
        assert message in page
    response = client.post("/accounts/new", {"provider": "gmail", "email": "me@gmail.com", "password": "x",
                                             "sync_since": "yesterday"})
    assert response.status_code == 400 and "must be a date" in response.get_data(as_text=True)


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


def test_account_page_shows_sync_state(client, web_rt):
    from datetime import datetime, timezone

    user = add_user(web_rt)
    account = add_account(web_rt, user, imap_host="imap.example.com", password="s3cret-imap-pass")
    with db(web_rt) as session:
        row = session.get(MailAccount, account.id)
        row.sync_status = "syncing"
        row.sync_progress = {"folder": "INBOX", "done": 40, "total": 160}
        row.last_error = "the server imap.example.com:993 rejected the login for 'rep@example.com'"
        row.last_error_at = datetime(2026, 3, 10, 6, 0, tzinfo=timezone.utc)
        row.last_sync_at = datetime(2026, 3, 9, 6, 0, tzinfo=timezone.utc)
        session.commit()
    client.login("rep@example.com")
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert '<progress max="160" value="40">25%</progress> 40 of 160 messages in INBOX' in page
    assert "syncing" in page and "rejected the login" in page and "(3 h ago)" in page
    assert "Mon 09 Mar 2026, 06:00" in page and "s3cret-imap-pass" not in page
    listing = client.get("/accounts/").get_data(as_text=True)
    assert "imap.example.com" in listing and "0 messages" in listing
    with db(web_rt) as session:
        row = session.get(MailAccount, account.id)
        row.sync_progress = {"started_at": "2026-03-10T08:59:00+00:00"}
        session.commit()
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "started_at: 2026-03-10T08:59:00+00:00" in page


def test_remove_account_with_its_data(client, web_rt, rep):
    account = rep["account"]
    client.login("rep@example.com")
    page = client.get(f"/accounts/{account.id}/delete").get_data(as_text=True)
    assert "Remove Rep@Example.Com?" in page or "Remove rep@example.com?" in page
    assert client.post(f"/accounts/{account.id}/delete", {}).status_code == 400
    response = client.post(f"/accounts/{account.id}/delete", {"confirm": "yes"})
    assert response.status_code == 302 and response.headers["Location"] == "/accounts/"
    with db(web_rt) as session:
        for model in (MailAccount, Thread, Message, FollowUpTask, Contact):
            assert session.exec(select(func.count()).select_from(model)).one() == 0, model
    assert "were removed" in client.get("/accounts/").get_data(as_text=True)
    assert client.get(f"/accounts/{account.id}").status_code == 404


def test_import_only_account_cannot_sync(client, rep):
    client.login("rep@example.com")
    client.get("/accounts/")
    client.post(f"/accounts/{rep['account'].id}/sync")
    assert "import-only" in client.get(f"/accounts/{rep['account'].id}").get_data(as_text=True)


def test_sync_now_queues_the_accounts_unique_job_once_and_a_worker_runs_it(runtime, imap_user, redis_url,
                                                                          redis_conn, app_env):
    import dataclasses

    from rq import Queue

    from followup.bootstrap import Runtime
    from followup.worker.queues import QUEUES, SYNC_QUEUE, sync_job_id
    from tests.test_jobs import fill, finish, start_worker
    from tests.test_sync_imap import make_account
    from tests.test_web_helpers import WebClient, make_app

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
    from tests.services import free_port
    from tests.test_sync_imap import make_account
    from tests.test_web_helpers import WebClient, make_app

    account_id = make_account(runtime, imap_user)
    closed = f"redis://127.0.0.1:{free_port('127.0.0.1')}/0"  # nothing listens there
    rt = Runtime(settings=dataclasses.replace(runtime.settings, redis_url=closed), engine=runtime.engine)
    client = WebClient(make_app(rt, FOLLOWUP_START_SYNC=True).test_client())
    client.login("owner@example.com", "a long password")

    response = client.post(f"/accounts/{account_id}/sync", follow_redirects=True)
    assert response.status_code == 200
    assert "job queue (FOLLOWUP_REDIS_URL) does not answer" in response.get_data(as_text=True)
