"""The complaint webhook without a server: the Slack payload's escaping, and the team lead
setting the webhook in settings."""

from __future__ import annotations

from sqlmodel import select

from followup.db.models import Team, User
from followup.nudges.webhook import complaint_payload
from tests.rows import NOW, add_user, db

BASE = "https://followup.example.com"


def test_payload_escapes_for_slack():
    payload = complaint_payload(task_id=7, subject="", contact="", nudge="<!channel> & co", reason="",
                                assignee=None, due_at=NOW, link=f"{BASE}/tasks/7")
    assert payload["text"] == "New complaint from a customer: (no subject)"
    assert payload["blocks"][2]["text"]["text"] == "&lt;!channel&gt; &amp; co"
    assert "nobody yet" in payload["blocks"][3]["elements"][0]["text"]


def test_the_team_lead_sets_the_webhook_in_settings(client, web_rt):
    lead = add_user(web_rt, "lead@example.com", team="Support", lead=True)
    add_user(web_rt, "rep@example.com", team="Support")
    client.login("lead@example.com")
    page = client.get("/settings/").get_data(as_text=True)
    assert 'name="complaint_webhook_url"' in page

    bad = client.post("/settings/team", {"complaint_webhook_url": "javascript:alert(1)"})
    assert bad.status_code == 400 and "must be an http(s) URL" in bad.get_data(as_text=True)
    ok = client.post("/settings/team", {"complaint_webhook_url": "https://hooks.slack.com/services/T/B/x"})
    assert ok.status_code == 302
    with db(web_rt) as session:
        assert session.get(Team, lead.team_id).complaint_webhook_url == "https://hooks.slack.com/services/T/B/x"
    assert 'value="https://hooks.slack.com/services/T/B/x"' in client.get("/settings/").get_data(as_text=True)

    # A member sees no such field and cannot set it.
    client.post("/logout")
    client.login("rep@example.com")
    assert 'name="complaint_webhook_url"' not in client.get("/settings/").get_data(as_text=True)
    assert client.post("/settings/team", {"complaint_webhook_url": "https://evil.example/"}).status_code == 403
    with db(web_rt) as session:
        assert session.exec(select(User).where(User.email == "rep@example.com")).one().role == "member"
        assert session.get(Team, lead.team_id).complaint_webhook_url == "https://hooks.slack.com/services/T/B/x"


def test_the_team_lead_turns_team_triage_on_and_off(client, web_rt):
    lead = add_user(web_rt, "lead@example.com", team="Support", lead=True)
    add_user(web_rt, "rep@example.com", team="Support")
    client.login("lead@example.com")
    page = client.get("/settings/").get_data(as_text=True)
    assert 'name="complaint_round_robin"' in page and "checked" not in page.split("triage-title")[1].split("</form>")[0]
    on = client.post("/settings/team/triage", {"complaint_round_robin": "1"})
    assert on.status_code == 302
    with db(web_rt) as session:
        assert session.get(Team, lead.team_id).complaint_round_robin is True
    assert "Team triage on" in client.get("/settings/").get_data(as_text=True)
    client.post("/settings/team/triage", {})
    with db(web_rt) as session:
        assert session.get(Team, lead.team_id).complaint_round_robin is False

    client.post("/logout")
    client.login("rep@example.com")
    assert client.post("/settings/team/triage", {"complaint_round_robin": "1"}).status_code == 403
    with db(web_rt) as session:
        assert session.get(Team, lead.team_id).complaint_round_robin is False
