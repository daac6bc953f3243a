"""Settings: thresholds, working week, zone, holidays, ignore list, digest, write-back, API token."""

from __future__ import annotations

from sqlmodel import select

from followup.db.models import IgnoreRule, MailAccount, User
from followup.db.users import hash_api_token
from tests.rows import PASSWORD, add_account, add_user, db
from tests.web_client import WebClient

VALID = {"awaiting_reply_days": "4", "needs_reply_days": "2", "complaint_response_days": "1",
         "dormant_days": "120", "max_nudges": "2", "working_days": ["0", "1", "2", "3"],
         "timezone": "Europe/Paris", "holiday_country": "FR", "digest_enabled": "1", "digest_hour": "7",
         "contact_pace": "1", "ignore": "News@Letters.example\n@noise.example\n\nnoise.example\nother.example"}


def test_settings_page_shows_current_values(client, web_rt):
    add_user(web_rt)
    client.login("rep@example.com")
    page = client.get("/settings/").get_data(as_text=True)
    assert 'name="awaiting_reply_days" type="number" min="1" max="60" required value="5"' in page
    assert '<option selected>UTC</option>' in page and '<option>Europe/Berlin</option>' in page
    assert '<option>DE</option>' in page and 'value="4" checked>' in page and 'value="5">' in page
    assert "No API token yet." in page


def test_save_settings(client, web_rt):
    user = add_user(web_rt)
    client.login("rep@example.com")
    client.get("/settings/")
    response = client.post("/settings/", VALID)
    assert response.status_code == 302
    with db(web_rt) as session:
        row = session.get(User, user.id)
        assert (row.awaiting_reply_days, row.needs_reply_days, row.complaint_response_days,
                row.dormant_days, row.max_nudges) == (4, 2, 1, 120, 2)
        assert (row.working_days, row.timezone, row.holiday_country) == ("0,1,2,3", "Europe/Paris", "FR")
        assert row.digest_enabled and row.digest_hour == 7
        rules = session.exec(select(IgnoreRule.pattern).where(IgnoreRule.user_id == user.id)).all()
        assert sorted(rules) == ["news@letters.example", "noise.example", "other.example"]
    page = client.get("/settings/").get_data(as_text=True)
    assert "Settings saved." in page and "news@letters.example\nnoise.example\nother.example" in page
    # Digest off, no holidays, ignore list emptied.
    client.post("/settings/", {**VALID, "digest_enabled": "", "holiday_country": "", "ignore": ""})
    with db(web_rt) as session:
        row = session.get(User, user.id)
        assert not row.digest_enabled and row.holiday_country is None
        assert not session.exec(select(IgnoreRule)).all()


def test_each_contacts_own_pace_is_on_until_the_user_turns_it_off(client, web_rt):
    user = add_user(web_rt)
    client.login("rep@example.com")
    page = client.get("/settings/").get_data(as_text=True)
    assert 'name="contact_pace" value="1" aria-describedby="contact-pace-hint" checked>' in page
    client.post("/settings/", {**VALID, "contact_pace": ""})
    with db(web_rt) as session:
        assert session.get(User, user.id).contact_pace is False
    page = client.get("/settings/").get_data(as_text=True)
    assert 'name="contact_pace" value="1" aria-describedby="contact-pace-hint" >' in page


def test_invalid_settings_are_refused_with_reasons(client, web_rt):
    user = add_user(web_rt)
    client.login("rep@example.com")
    client.get("/settings/")
    bad = {**VALID, "awaiting_reply_days": "0", "dormant_days": "x", "working_days": [], "timezone": "Mars/Base",
           "holiday_country": "ZZ", "digest_hour": "25", "ignore": "not an address\nfoo"}
    response = client.post("/settings/", bad)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    for message in ("must be a whole number from 1 to 60", "must be a whole number from 14 to 3650",
                    "Choose at least one working day.", "Choose a time zone", "Choose a holiday country",
                    "The digest hour must be from 0 to 23.", "“not an address” is neither", "“foo” is neither"):
        assert message in page, message
    with db(web_rt) as session:
        assert session.get(User, user.id).awaiting_reply_days == 5


def test_numbers_in_other_scripts_are_refused_not_a_server_error(client, web_rt):
    user = add_user(web_rt)
    client.login("rep@example.com")
    client.get("/settings/")
    # "²".isdigit() is true but int("²") fails; "١" (Arabic-Indic one) and "+3" are no number here either.
    for field, value, message in (("digest_hour", "²", "The digest hour must be from 0 to 23."),
                                  ("digest_hour", " 7", "The digest hour must be from 0 to 23."),
                                  ("max_nudges", "³", "must be a whole number from 1 to 20"),
                                  ("dormant_days", "١٠٠", "must be a whole number from 14 to 3650"),
                                  ("awaiting_reply_days", "+3", "must be a whole number from 1 to 60")):
        response = client.post("/settings/", {**VALID, field: value})
        assert response.status_code == 400, (field, value)
        assert message in response.get_data(as_text=True), (field, value)
    with db(web_rt) as session:
        row = session.get(User, user.id)
        assert (row.digest_hour, row.max_nudges, row.dormant_days) == (8, 3, 90)


def _change_password(client, current, new, again=None):
    client.get("/settings/")
    return client.post("/settings/password", {"current_password": current, "new_password": new,
                                              "new_password2": new if again is None else again})


def test_change_password_reports_each_mistake_in_the_form(client, web_rt):
    add_user(web_rt)
    client.login("rep@example.com")
    for current, new, again, message in (
        ("wrong password", "a brand new password", None, "The current password is wrong."),
        (PASSWORD, "a brand new password", "another new password", "The two new passwords differ."),
        (PASSWORD, "password", None, "too easy to guess"),
        (PASSWORD, "12345678", None, "too easy to guess"),
        (PASSWORD, "        ", None, "too easy to guess"),
    ):
        response = _change_password(client, current, new, again)
        page = response.get_data(as_text=True)
        assert response.status_code == 400 and message in page, message
        assert 'id="change-password"' in page and 'name="current_password"' in page
    client.post("/logout")
    client.login("rep@example.com")  # the old password still works


def test_change_password_keeps_this_session_and_ends_the_others(app, client, web_rt):
    add_user(web_rt)
    elsewhere = WebClient(app.test_client())
    elsewhere.login("rep@example.com")
    client.login("rep@example.com")
    response = _change_password(client, PASSWORD, "a brand new password")
    assert response.status_code == 302
    assert "Password changed" in client.get("/settings/").get_data(as_text=True)
    assert elsewhere.get("/").status_code == 302
    client.post("/logout")
    client.get("/login")
    assert client.post("/login", {"email": "rep@example.com", "password": PASSWORD}).status_code == 401
    client.login("rep@example.com", "a brand new password")


def test_change_password_needs_the_csrf_token(client, web_rt):
    add_user(web_rt)
    client.login("rep@example.com")
    response = client.post("/settings/password", {"current_password": PASSWORD, "new_password": "a brand new password",
                                                  "new_password2": "a brand new password"}, csrf=False)
    assert response.status_code == 400 and "Form expired" in response.get_data(as_text=True)


def test_writeback_switch(client, web_rt):
    user = add_user(web_rt)
    imap = add_account(web_rt, user, address="a@example.com", imap_host="imap.example.com", password="pw")
    local = add_account(web_rt, user, address="b@example.com")
    client.login("rep@example.com")
    page = client.get("/settings/").get_data(as_text=True)
    assert f'value="{local.id}" disabled aria-describedby' in page and f'value="{imap.id}">' in page
    assert "is import-only (no IMAP server), so nothing can be marked in it" in page
    client.post("/settings/writeback", {"writeback": [str(imap.id)]})
    with db(web_rt) as session:
        assert session.get(MailAccount, imap.id).writeback
    client.post("/settings/writeback", {})
    with db(web_rt) as session:
        assert not session.get(MailAccount, imap.id).writeback


def test_api_token_is_shown_once_and_only_its_hash_is_kept(client, web_rt):
    user = add_user(web_rt)
    client.login("rep@example.com")
    client.get("/settings/")
    response = client.post("/settings/token")
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    token = page.split('<code id="api-token">')[1].split("</code>")[0]
    assert token.startswith("fu_")
    with db(web_rt) as session:
        assert session.get(User, user.id).api_token_hash == hash_api_token(token)
    again = client.get("/settings/").get_data(as_text=True)
    assert token not in again and "You have an API token." in again
    assert client.client.get("/api/v1/accounts", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    client.post("/settings/token/revoke")
    with db(web_rt) as session:
        assert session.get(User, user.id).api_token_hash is None
    assert client.client.get("/api/v1/accounts", headers={"Authorization": f"Bearer {token}"}).status_code == 401


def test_saving_settings_makes_detection_look_at_every_thread_again(client, web_rt):
    from followup.db.models import Thread
    from tests.rows import add_thread

    user = add_user(web_rt)
    account = add_account(web_rt, user)
    thread, *_ = add_thread(web_rt, account)
    with db(web_rt) as session:
        session.get(Thread, thread.id).needs_detection = False
        session.commit()
    client.login("rep@example.com")
    client.get("/settings/")
    assert client.post("/settings/", VALID).status_code == 302
    with db(web_rt) as session:
        assert session.get(Thread, thread.id).needs_detection


def test_settings_say_when_the_digest_cannot_be_sent(web_rt, tmp_path):
    import dataclasses

    from followup.bootstrap import Runtime
    from tests.web_client import make_app

    user = add_user(web_rt)
    with db(web_rt) as session:
        session.get(User, user.id).digest_enabled = True
        session.commit()
    client = WebClient(make_app(web_rt).test_client())
    client.login("rep@example.com")
    page = client.get("/settings/").get_data(as_text=True)
    assert "no digest can be sent although it is on" in page and "FOLLOWUP_SMTP_URL" in page
    with_smtp = Runtime(dataclasses.replace(web_rt.settings, smtp_url="smtp://127.0.0.1:2525"), web_rt.engine)
    client = WebClient(make_app(with_smtp).test_client())
    client.login("rep@example.com")
    assert "no digest can be sent" not in client.get("/settings/").get_data(as_text=True)


def test_recalculate_now_runs_detection_with_the_saved_settings(client, web_rt):
    from datetime import datetime, timedelta, timezone

    from followup.db.models import FollowUpTask
    from tests.rows import add_thread

    user = add_user(web_rt)
    account = add_account(web_rt, user)
    sent = datetime.now(timezone.utc) - timedelta(days=12)
    add_thread(web_rt, account, "Our offer", [dict(
        sent_at=sent, direction="outbound", from_addr="rep@example.com", from_name="Rep",
        to_addrs=["buyer@customer.example"], body_text="Here is our offer. Could you confirm by Friday?",
        label="other", classified_at=sent)])
    client.login("rep@example.com")
    client.get("/settings/")
    assert client.post("/settings/", VALID).status_code == 302
    with db(web_rt) as session:
        assert session.exec(select(FollowUpTask)).all() == []  # saved: applies from the next run
    response = client.post("/settings/recalculate", {})
    assert response.status_code == 302
    page = client.get("/settings/").get_data(as_text=True)
    assert "Recalculated 1 mailbox: 1 follow-up opened, 0 closed." in page
    with db(web_rt) as session:
        [task] = session.exec(select(FollowUpTask)).all()
        assert task.kind == "awaiting_reply" and "business days" in task.nudge
