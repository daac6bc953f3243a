"""The account pages without a mail server: the form's provider presets and validation, the
sync state, removing an account with its data, an import-only account that cannot sync."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import select

from followup.db.models import Contact, FollowUpTask, MailAccount, Message, Thread
from tests.rows import add_account, add_user, db


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
    assert '<progress max="160" value="40">25%</progress> Syncing INBOX: 40 of 160' in page
    assert "syncing" in page and "rejected the login" in page and ">3 hours ago</time>)" in page
    assert "Mon, Mar 9, 2026, 6:00\u202fAM" in page and "s3cret-imap-pass" not in page
    listing = client.get("/accounts/").get_data(as_text=True)
    assert "imap.example.com" in listing and "0 messages" in listing
    with db(web_rt) as session:
        row = session.get(MailAccount, account.id)
        row.sync_progress = {"folder": "Sent", "done": 1200, "total": 11000}
        session.commit()
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "Syncing Sent: 1,200 of 11,000" in page
    with db(web_rt) as session:
        row = session.get(MailAccount, account.id)
        row.sync_progress = {"started_at": "2026-03-10T08:59:00+00:00"}
        session.commit()
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "Syncing: reading the folder list (started" in page and "started_at" not in page
    with db(web_rt) as session:  # the sync failed: its error replaces the progress
        row = session.get(MailAccount, account.id)
        row.sync_status = "error"
        session.commit()
    page = client.get(f"/accounts/{account.id}").get_data(as_text=True)
    assert "Syncing" not in page and "rejected the login" in page


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
