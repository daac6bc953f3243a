"""The thread view: messages in order, quotes folded, evidence marked; relabel and mute."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlmodel import select

from followup.db.models import LabelFeedback, Message, Thread
from followup.domain.vocabulary import TaskStatus
from tests.rows import NOW, add_thread, db
from web.highlight import evidence_spans, highlight


def test_thread_shows_messages_in_order_with_label_and_evidence(client, rep):
    client.login("rep@example.com")
    page = client.get(f"/threads/{rep['thread'].id}").get_data(as_text=True)
    first, second = rep["messages"]
    assert page.index(f'id="message-{first.id}"') < page.index(f'id="message-{second.id}"')
    # The mail the follow-up is about leads, marked; the rest of the thread folds below it in order.
    assert 'class="message inbound trigger"' in page and "the mail this follow-up is about" in page
    folded = re.search(r'<details class="other-messages">.*?</details>\s*\n', page, re.S).group(0)
    assert "The other 1 message of the thread, in order" in folded and 'class="message outbound"' in folded
    assert ">Received<" in page and ">Sent<" in page
    assert 'class="badge label label-inquiry">inquiry' in page and "confidence 91%" in page
    assert "asks for an answer" in page
    assert ('Hello, <mark class="evidence" data-kind="request" title="request">could you</mark> send me a '
            '<mark class="evidence" data-kind="price" title="price">price</mark> for 500 chairs?') in page
    # Quotes are folded away.
    quoted = re.search(r'<details class="quoted">.*?</details>', page, re.S).group(0)
    assert "&gt; Hello, could you send me a price" in quoted
    assert "No reply in 5 days" in page  # the follow-up on this thread, with its actions
    assert f'action="/tasks/{rep["task"].id}"' in page


def test_relabel_stores_feedback(client, web_rt, rep):
    client.login("rep@example.com")
    message = rep["messages"][0]
    client.get(f"/threads/{rep['thread'].id}")
    response = client.post(f"/threads/messages/{message.id}/label", {"label": "complaint"})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/threads/{rep['thread'].id}#message-{message.id}"
    with db(web_rt) as session:
        feedback = session.exec(select(LabelFeedback)).one()
        assert (feedback.message_id, feedback.user_id, feedback.label) == (message.id, rep["user"].id, "complaint")
        relabelled = session.get(Message, message.id)  # takes effect at once, without the model's confidence
        assert (relabelled.label, relabelled.confidence) == ("complaint", None)
    page = client.get(f"/threads/{rep['thread'].id}").get_data(as_text=True)
    assert "you said: complaint" in page and "the classifier learns from it" in page
    assert client.post(f"/threads/messages/{message.id}/label", {"label": "spam"}).status_code == 400
    assert client.post("/threads/messages/999999/label", {"label": "sale"}).status_code == 404


def test_mute_thread(client, web_rt, rep):
    client.login("rep@example.com")
    client.get(f"/threads/{rep['thread'].id}")
    response = client.post(f"/threads/{rep['thread'].id}/mute")
    assert response.status_code == 302
    with db(web_rt) as session:
        assert session.get(Thread, rep["thread"].id).muted
    page = client.get(f"/threads/{rep['thread'].id}").get_data(as_text=True)
    assert ">muted<" in page and "Mute this thread" not in page
    from followup.db.models import FollowUpTask

    with db(web_rt) as session:
        assert session.get(FollowUpTask, rep["task"].id).status == TaskStatus.DISMISSED


def test_unclassified_messages_and_missing_thread(client, web_rt, rep):
    thread, _ = add_thread(web_rt, rep["account"], "Plain", messages=[
        {"body_text": "Just text", "sent_at": NOW - timedelta(hours=3),
         "attachments": [{"filename": "offer.pdf"}], "parse_warnings": ["bad charset"]}])
    client.login("rep@example.com")
    page = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert "not classified yet" in page and "offer.pdf" in page and "bad charset" in page
    assert client.get("/threads/999999").status_code == 404


def test_a_message_the_classifier_failed_on_says_so(client, web_rt, rep, monkeypatch):
    from followup.pipeline import process_account
    from nlp import load_classifier

    # The model reads only the first BODY_CHARS of a body; spaCy's limit lowered below that
    # makes a real classifier failure (E088) for this message.
    monkeypatch.setattr(load_classifier().nlp, "max_length", 600)
    thread, (message,) = add_thread(web_rt, rep["account"], "Server log", messages=[
        {"body_text": "log line\n" * 100, "sent_at": NOW - timedelta(hours=3)}])
    process_account(web_rt, rep["account"].id, NOW)
    client.login("rep@example.com")
    page = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    shown = re.search(rf'id="message-{message.id}".*?</p>', page, re.S).group(0)
    assert 'label-other">other' in shown
    assert "could not be classified: ValueError: [E088] Text of length" in shown
    assert "confidence" not in shown


def test_highlight_escapes_and_tolerates_bad_offsets():
    text = "a <b> could you & price"
    evidence = [
        {"kind": "request", "text": "could you", "start": 0, "end": 3},  # wrong offsets: found by text
        {"kind": "price", "text": "price", "start": 18, "end": 23},
        {"kind": "x", "text": "missing", "start": 0, "end": 0},  # not in the text: left out
        {"kind": "overlap", "text": "could", "start": 6, "end": 11},  # inside an earlier span
        {"kind": "subject:order_number", "text": "a", "start": 0, "end": 1},  # belongs to the subject
        "garbage",
    ]
    html = str(highlight(text, evidence))
    assert html == ('a &lt;b&gt; <mark class="evidence" data-kind="request" title="request">could you</mark>'
                    ' &amp; <mark class="evidence" data-kind="price" title="price">price</mark>')
    assert [s.kind for s in evidence_spans("a b", evidence, subject=True)] == ["order_number"]
    hostile = [{"kind": '"><script>alert(1)</script>', "text": "a", "start": 0, "end": 1}]
    assert "<script>" not in str(highlight("a", hostile))
    assert str(highlight(None, None)) == ""


def test_unmute_thread_brings_it_back_to_detection(client, web_rt, rep):
    client.login("rep@example.com")
    client.get(f"/threads/{rep['thread'].id}")
    client.post(f"/threads/{rep['thread'].id}/mute")
    page = client.get(f"/threads/{rep['thread'].id}").get_data(as_text=True)
    assert "Unmute this thread" in page
    response = client.post(f"/threads/{rep['thread'].id}/unmute")
    assert response.status_code == 302
    with db(web_rt) as session:
        thread = session.get(Thread, rep["thread"].id)
        assert not thread.muted and thread.needs_detection
    page = client.get(f"/threads/{rep['thread'].id}").get_data(as_text=True)
    assert ">muted<" not in page and "Mute this thread" in page and "Thread unmuted" in page
    assert client.post(f"/threads/{rep['thread'].id}/unmute", csrf=False).status_code == 400


def test_another_user_cannot_unmute(client, web_rt, rep):
    from tests.rows import add_user

    add_user(web_rt, "other@example.com")
    client.login("other@example.com")
    client.get("/")
    assert client.post(f"/threads/{rep['thread'].id}/unmute").status_code == 404


def test_an_evidence_phrase_inside_a_longer_one_is_counted_once():
    from web.highlight import distinct_evidence

    evidence = [{"kind": "request", "text": "Please advise", "start": 0, "end": 13},
                {"kind": "request", "text": "Please", "start": 0, "end": 6},
                {"kind": "price", "text": "price", "start": 30, "end": 35},
                {"kind": "subject:price", "text": "price", "start": 4, "end": 9},
                {"kind": "price", "text": "price", "start": 30, "end": 35}]
    assert [(e["kind"], e["text"]) for e in distinct_evidence(evidence)] == [
        ("request", "Please advise"), ("price", "price"), ("subject:price", "price")]
    # Without offsets, a phrase contained in a longer one of the same place still counts once.
    assert [e["text"] for e in distinct_evidence([{"kind": "request", "text": "please"},
                                                  {"kind": "request", "text": "Please advise"}])] == ["Please advise"]


def test_mail_not_in_english_shows_its_language(client, web_rt, rep):
    thread, _ = add_thread(web_rt, rep["account"], "Reklamation", messages=[
        {"body_text": "Die Lieferung ist beschädigt angekommen.", "language": "de", "sent_at": NOW - timedelta(hours=3)},
        {"body_text": "Sorry to hear that, we will send a new one.", "language": "en",
         "sent_at": NOW - timedelta(hours=2)}])
    client.login("rep@example.com")
    page = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert page.count('class="badge language"') == 1
    assert '<span class="badge language" title="written in de">DE</span>' in page


def test_a_dated_promise_is_marked_in_the_mail(client, web_rt, rep):
    thread, _ = add_thread(web_rt, rep["account"], "Drawings", [dict(
        direction="outbound", from_addr="rep@example.com", from_name="Rep",
        body_text="Thanks. I'll send you the drawings on Friday, with the quote.")])
    client.login("rep@example.com")
    page = client.get(f"/threads/{thread.id}").get_data(as_text=True)
    assert ('Thanks. <mark class="evidence" data-kind="promise" title="promise">I&#39;ll send you the drawings '
            'on Friday</mark>, with the quote.') in page
    assert "Why: 1 evidence phrase" in page
