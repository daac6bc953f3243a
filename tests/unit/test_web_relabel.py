"""A relabel takes effect at once: the label changes, detection reruns for the thread, and
Undo puts both back."""

from __future__ import annotations

import re

from sqlmodel import select

from followup.db.session import session_scope
from followup.detection.service import detect_account
from followup.db.models import FollowUpTask, Message
from followup.domain.vocabulary import TaskKind, TaskStatus
from tests.rows import NOW, add_account, add_thread, add_user, db


def complaint_tasks(rt, thread_id) -> list[tuple[str, str]]:
    with db(rt) as session:
        return [(t.kind, t.status) for t in session.exec(
            select(FollowUpTask).where(FollowUpTask.thread_id == thread_id, FollowUpTask.kind == TaskKind.COMPLAINT))]


def test_relabelling_a_complaint_as_other_closes_its_task_and_undo_brings_it_back(client, web_rt):
    user = add_user(web_rt, "rep@example.com", name="Rita Rep")
    account = add_account(web_rt, user)
    thread, [message] = add_thread(web_rt, account, subject="Broken lamp", messages=[{
        "direction": "inbound", "from_addr": "kim@customer.example", "from_name": "Kim Kale", "to_addrs": [user.email],
        "label": "complaint", "confidence": 0.9, "needs_reply": False,
        "body_text": "The lamp from order #48213 arrived damaged. This is unacceptable."}])
    with session_scope(web_rt.engine) as session:
        detect_account(session, account.id, NOW)
    assert complaint_tasks(web_rt, thread.id) == [("complaint", "open")]
    client.login("rep@example.com")
    page = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "label-complaint" in page and "confidence 90%" in page

    relabelled = client.post(f"/threads/messages/{message.id}/label", {"label": "other"})
    page = client.get(relabelled.headers["Location"]).get_data(as_text=True)

    assert complaint_tasks(web_rt, thread.id) == [("complaint", TaskStatus.RESOLVED)]
    assert "label-complaint" not in page and "confidence 90%" not in page
    assert "label-other" in page and "you said: other" in page

    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    client.post("/undo", {"token": token, "next": f"/threads/{thread.id}"})
    with db(web_rt) as session:
        back = session.get(Message, message.id)
        assert (back.label, back.confidence) == ("complaint", 0.9)
    assert complaint_tasks(web_rt, thread.id)[0][1] == "open"
