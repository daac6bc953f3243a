"""The team's complaint webhook against a local HTTP server: the Slack-compatible payload,
once per opening, a retry after a 500 (inline and as an rq job), an unreachable URL."""

from __future__ import annotations

import dataclasses
import json
import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from rq import Queue, Retry, SimpleWorker
from sqlmodel import select

import followup.nudges.webhook as webhooks
from followup.bootstrap import Runtime
from followup.db.models import FollowUpTask, TaskEvent, Team
from followup.db.session import session_scope
from followup.detection.service import detect_account
from followup.nudges.webhook import WebhookError, notify_complaints
from followup.worker.queues import enqueue_complaint_notices
from tests.rows import NOW, add_account, add_thread, add_user

BASE = "https://followup.example.com"


class Hook:
    """A local incoming webhook: answers with the next status of `statuses` (then 200)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.requests.append({"path": self.path, "type": self.headers["Content-Type"],
                                      "json": json.loads(body)})
                status = hook.statuses.pop(0) if hook.statuses else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"server error")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/services/T0/B0/xyz"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def hook():
    h = Hook()
    yield h
    h.close()


@pytest.fixture
def hook_rt(runtime, monkeypatch) -> Runtime:
    monkeypatch.setenv("FOLLOWUP_BASE_URL", BASE)
    return Runtime(settings=dataclasses.replace(runtime.settings, base_url=BASE), engine=runtime.engine)


def complaint_team(rt, url):
    """A team (lead + member) with a webhook, and a complaint detected in the member's mail."""
    lead = add_user(rt, "lead@example.com", team="Support", lead=True, name="Lea Lead")
    member = add_user(rt, "rep@example.com", team="Support", name="Rita Rep")
    with session_scope(rt.engine) as session:
        team = session.get(Team, lead.team_id)
        team.complaint_webhook_url = url
    account = add_account(rt, member)
    thread, _ = add_thread(rt, account, "Broken <legs> & late delivery", messages=[{
        "direction": "inbound", "from_addr": "bea@customer.example", "from_name": "Bea <Buyer>",
        "to_addrs": ["rep@example.com"], "sent_at": NOW - timedelta(hours=2), "label": "complaint",
        "confidence": 0.93, "needs_reply": True, "classified_at": NOW,
        "body_text": "The chairs arrived broken and two weeks late. I want a refund.",
    }])
    with session_scope(rt.engine) as session:
        report = detect_account(session, account.id, NOW)
    assert report.opened >= 1
    with session_scope(rt.engine) as session:
        task = session.exec(select(FollowUpTask).where(FollowUpTask.kind == "complaint")).one()
    return account, task


def webhook_events(rt, task_id):
    with session_scope(rt.engine) as session:
        return session.exec(select(TaskEvent).where(TaskEvent.task_id == task_id, TaskEvent.event == "webhook")).all()


def test_a_new_complaint_is_posted_once_as_slack_json(hook_rt, hook):
    account, task = complaint_team(hook_rt, hook.url)

    result = notify_complaints(hook_rt, account.id)

    assert result == {"sent": [task.id], "failed": []}
    assert len(hook.requests) == 1
    request = hook.requests[0]
    assert request["path"] == "/services/T0/B0/xyz" and request["type"].startswith("application/json")
    payload = request["json"]
    assert set(payload) == {"text", "blocks"}
    assert payload["text"] == "New complaint from Bea &lt;Buyer&gt; &lt;bea@customer.example&gt; (Customer): " \
                              "Broken &lt;legs&gt; &amp; late delivery"
    kinds = [b["type"] for b in payload["blocks"]]
    assert kinds == ["header", "section", "section", "context", "actions"]
    assert "*Broken &lt;legs&gt; &amp; late delivery*" in payload["blocks"][1]["text"]["text"]
    assert payload["blocks"][4]["elements"][0]["url"] == f"{BASE}/tasks/{task.id}"
    assert "*Owner:*" in payload["blocks"][3]["elements"][0]["text"]
    assert len(webhook_events(hook_rt, task.id)) == 1

    # Announced once: the next pass (the next sync) posts nothing.
    assert notify_complaints(hook_rt, account.id) == {"sent": [], "failed": []}
    assert len(hook.requests) == 1


def test_the_webhook_is_retried_after_a_500(hook_rt, hook):
    account, task = complaint_team(hook_rt, hook.url)
    hook.statuses = [500]
    slept = []

    result = notify_complaints(hook_rt, account.id, sleep=slept.append)

    assert result["sent"] == [task.id] and slept == [1.0]
    assert len(hook.requests) == 2 and hook.requests[0]["json"] == hook.requests[1]["json"]

    # Down for good: logged, left pending, and the next pass delivers it.
    _, other = complaint_team_second(hook_rt, account)
    hook.statuses = [500, 502, 503, 500]
    failed = notify_complaints(hook_rt, account.id, sleep=slept.append)
    assert failed == {"sent": [], "failed": [other.id]} and slept[1:] == [1.0, 2.0, 4.0]
    assert webhook_events(hook_rt, other.id) == []
    assert notify_complaints(hook_rt, account.id, sleep=slept.append) == {"sent": [other.id], "failed": []}


def complaint_team_second(rt, account):
    add_thread(rt, account, "Scratched table", messages=[{
        "direction": "inbound", "from_addr": "cy@customer.example", "to_addrs": ["rep@example.com"],
        "sent_at": NOW - timedelta(hours=1), "label": "complaint", "confidence": 0.9, "needs_reply": True,
        "classified_at": NOW, "body_text": "The table is scratched. This is unacceptable, I want a replacement.",
    }])
    with session_scope(rt.engine) as session:
        detect_account(session, account.id, NOW)
    with session_scope(rt.engine) as session:
        task = session.exec(select(FollowUpTask).where(FollowUpTask.kind == "complaint")
                            .order_by(FollowUpTask.id.desc())).first()
    return account, task


def test_as_an_rq_job_a_500_is_retried_by_rq(hook_rt, hook, redis_conn, redis_url, monkeypatch):
    monkeypatch.setenv("FOLLOWUP_REDIS_URL", redis_url)
    monkeypatch.setattr(webhooks, "RQ_RETRY", Retry(max=2))  # no interval: retried at once
    account, task = complaint_team(hook_rt, hook.url)
    hook.statuses = [500]

    queued = enqueue_complaint_notices(redis_conn, hook_rt, account.id)
    assert len(queued) == 1 and enqueue_complaint_notices(redis_conn, hook_rt, account.id) == []
    SimpleWorker([Queue("default", connection=redis_conn)], connection=redis_conn).work(burst=True)

    assert len(hook.requests) == 2
    assert len(webhook_events(hook_rt, task.id)) == 1
    assert enqueue_complaint_notices(redis_conn, hook_rt, account.id) == []


def test_unreachable_webhook_is_a_webhook_error():
    with pytest.raises(WebhookError):
        webhooks.post_json("http://127.0.0.1:9/hook", {"text": "x"}, timeout=2)
