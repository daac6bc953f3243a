"""store → nlp → followups: what `process_account` leaves in the database."""

from datetime import datetime, timedelta, timezone

from sqlmodel import select

from followup.pipeline import process_account
from followup.db.accounts import create_account
from followup.db.session import session_scope
from followup.db.models import FollowUpTask, Message, Thread
from followup.db.users import create_user

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)  # a Monday


def add_message(session, account_id, subject, body, sent_at, sender="dana@acme.example"):
    thread = Thread(account_id=account_id, subject=subject)
    session.add(thread)
    session.flush()
    session.add(Message(account_id=account_id, thread_id=thread.id, message_id_header=f"{subject}@acme",
                        content_hash=subject, from_addr=sender, from_name="Dana Wu",
                        to_addrs=["rep@example.com"], subject=subject, body_text=body, sent_at=sent_at))


def rep_account_with_a_quote_request(session, runtime) -> int:
    user = create_user(session, "rep@example.com", "a long password")
    account_id = create_account(session, runtime.settings.secret_key, user=user,
                                addresses=["rep@example.com"], internal_domains=["example.com"]).id
    add_message(session, account_id, "Quote for 200 units",
                "Hello,\n\nCould you send me a price for 200 units of the TX-200 printer?\n",
                NOW - timedelta(days=4))
    return account_id


def test_new_messages_are_labelled_with_evidence_and_become_tasks(runtime):
    with session_scope(runtime.engine) as session:
        account_id = rep_account_with_a_quote_request(session, runtime)
        add_message(session, account_id, "Order 4471 arrived broken",
                    "The printer from order #4471 arrived broken. I want a refund.\n", NOW - timedelta(days=3))

    result = process_account(runtime, account_id, NOW)
    assert result.classified == 2

    with session_scope(runtime.engine) as session:
        labels = {m.subject: m for m in session.exec(select(Message))}
        quote, broken = labels["Quote for 200 units"], labels["Order 4471 arrived broken"]
        assert (quote.label, quote.needs_reply) == ("inquiry", True)
        assert broken.label == "complaint"
        assert quote.classified_at is not None and quote.model_version
        assert any(e["text"] in quote.body_text for e in quote.evidence)
        kinds = sorted(t.kind for t in session.exec(select(FollowUpTask)))
    assert kinds == ["complaint", "needs_reply"]
    assert process_account(runtime, account_id, NOW).classified == 0  # nothing new: nothing done


def test_a_message_the_classifier_fails_on_is_stored_as_other_and_the_rest_goes_on(runtime, monkeypatch):
    # A text longer than spaCy reads (nlp.max_length) fails nlp.pipe for the whole batch;
    # before, the account's mail stayed unclassified and every later pass failed the same way.
    # The model reads only the first BODY_CHARS of a body, so spaCy's limit is lowered below
    # that here to make the one failing message.
    from nlp import load_classifier

    monkeypatch.setattr(load_classifier().nlp, "max_length", 600)
    with session_scope(runtime.engine) as session:
        account_id = rep_account_with_a_quote_request(session, runtime)
        add_message(session, account_id, "Server log", "log line\n" * 100, NOW - timedelta(days=4))
        add_message(session, account_id, "Order 4471 arrived broken",
                    "The printer from order #4471 arrived broken. I want a refund.\n", NOW - timedelta(days=3))

    result = process_account(runtime, account_id, NOW)
    assert result.classified == 3
    with session_scope(runtime.engine) as session:
        messages = {m.subject: m for m in session.exec(select(Message))}
        log_id = messages["Server log"].id
        assert [(m.label, m.classify_error is None) for m in messages.values()] == [
            ("inquiry", True), ("other", False), ("complaint", True)]
        assert "exceeds maximum" in messages["Server log"].classify_error
        assert messages["Server log"].classified_at is not None
        kinds = sorted(t.kind for t in session.exec(select(FollowUpTask)))
    assert result.classify_errors == [{"message_id": log_id, "error": messages["Server log"].classify_error}]
    assert kinds == ["complaint", "needs_reply"]  # detection ran for the others
    assert process_account(runtime, account_id, NOW).classified == 0  # not pending again


def test_a_long_mail_gets_the_label_and_evidence_of_its_whole_body(runtime):
    # Only the start of the body is read from the database; the label and the evidence (offsets
    # into the stored body) are those the classifier gives the whole body.
    from nlp import BODY_CHARS, load_classifier

    opening = "Hello,\n\nMy order #4471 arrived broken and I want a refund. " + "The box was crushed " * 48
    cut_here = "Could you send a quote for 200 units? " + "We also need spare parts and manuals. " * 80
    body = opening[:BODY_CHARS - 20] + " " + cut_here  # a word straddles the cut
    assert len(body) > 3 * BODY_CHARS
    with session_scope(runtime.engine) as session:
        account_id = rep_account_with_a_quote_request(session, runtime)
        add_message(session, account_id, "Order 4471", body, NOW - timedelta(days=1))
    process_account(runtime, account_id, NOW)
    whole = load_classifier().classify("Order 4471", body)
    with session_scope(runtime.engine) as session:
        stored = session.exec(select(Message).where(Message.subject == "Order 4471")).one()
        assert (stored.label, stored.needs_reply) == (whole.label, whole.needs_reply)
        assert abs(stored.confidence - whole.confidence) < 1e-6
        assert stored.evidence == [{"kind": e.kind, "text": e.text, "start": e.start, "end": e.end}
                                   for e in whole.evidence]
        assert all(body[e["start"]:e["end"]] == e["text"] for e in stored.evidence if ":" not in e["kind"])
