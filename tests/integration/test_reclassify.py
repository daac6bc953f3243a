"""`followup nlp reclassify`: stored mail relabelled by the active model version, detection
rerun for the threads whose label changed, users' corrections kept (SQLite and PostgreSQL)."""

import shutil
from datetime import datetime, timedelta, timezone

from click.testing import CliRunner
from sqlmodel import select

from followup import model_store
from followup.cli.main import main as cli
from followup.db.accounts import create_account
from followup.db.models import FollowUpTask, LabelFeedback, Message, Thread
from followup.db.session import session_scope
from followup.db.users import create_user
from followup.pipeline import process_account
from nlp import MODEL_DIR

NOW = datetime(2026, 11, 23, 15, 0, tzinfo=timezone.utc)  # a Monday
BROKEN = ("Order 4471 arrived broken", "The printer from order #4471 arrived broken. I want a refund.\n")


def stored_version(runtime) -> model_store.ModelVersion:
    """The shipped pipeline stored as the team's own version (a real model, no training run)."""
    staging = model_store.staging_dir(runtime.settings, NOW)
    shutil.copytree(MODEL_DIR, staging)
    return model_store.commit_version(runtime.settings, staging, {"dev": None, "feedback_examples": 0}, NOW)


def add_labelled(session, account_id, subject, body, sent_at, label) -> Message:
    thread = Thread(account_id=account_id, subject=subject)
    session.add(thread)
    session.flush()
    message = Message(account_id=account_id, thread_id=thread.id, message_id_header=f"{subject}-{account_id}@acme",
                      content_hash=f"{subject}-{account_id}", from_addr="dana@acme.example", from_name="Dana Wu",
                      to_addrs=["rep@example.com"], subject=subject, body_text=body, sent_at=sent_at,
                      label=label, confidence=0.9, needs_reply=False, model_version="old", classified_at=sent_at)
    session.add(message)
    session.flush()
    return message


def two_accounts(session, runtime) -> tuple[int, int, int]:
    """(account, other account, id of the message a user corrected to `sale`)."""
    user = create_user(session, "rep@example.com", "a long password")
    ids = [create_account(session, runtime.settings.secret_key, user=user, name=f"acct{i}",
                          addresses=["rep@example.com"], internal_domains=["example.com"]).id for i in range(2)]
    for account_id in ids:
        add_labelled(session, account_id, *BROKEN, NOW - timedelta(days=3), "other")  # the old model's mistake
    corrected = add_labelled(session, ids[0], "Price for 20 chairs", "I want a refund, it broke.", NOW - timedelta(days=2), "sale")
    session.add(LabelFeedback(message_id=corrected.id, user_id=user.id, label="sale", created_at=NOW))
    return ids[0], ids[1], corrected.id


def test_reclassify_relabels_one_account_reruns_detection_and_keeps_corrections(runtime):
    version = stored_version(runtime)
    with session_scope(runtime.engine) as session:
        account_id, other_id, _ = two_accounts(session, runtime)
    process_account(runtime, account_id, NOW)  # nothing unclassified: no complaint task from the old label
    with session_scope(runtime.engine) as session:
        assert session.exec(select(FollowUpTask).where(FollowUpTask.kind == "complaint")).all() == []

    result = CliRunner().invoke(cli, ["nlp", "reclassify", "--account", str(account_id), "--json"])
    assert result.exit_code == 0, result.output

    with session_scope(runtime.engine) as session:
        messages = {(m.account_id, m.subject): m for m in session.exec(select(Message))}
        relabelled = messages[(account_id, BROKEN[0])]
        assert (relabelled.label, relabelled.model_version) == ("complaint", version.name)
        assert messages[(account_id, "Price for 20 chairs")].label == "sale"  # the user's label stays
        assert messages[(other_id, BROKEN[0])].label == "other"  # another account: untouched
        tasks = session.exec(select(FollowUpTask).where(FollowUpTask.kind == "complaint")).all()
    assert [t.thread_id for t in tasks] == [relabelled.thread_id]
    assert '"changed": 1' in result.output and '"kept_user_label": 1' in result.output


def test_reclassify_since_leaves_older_mail_alone(runtime):
    stored_version(runtime)
    with session_scope(runtime.engine) as session:
        account_id, other_id, _ = two_accounts(session, runtime)
        add_labelled(session, other_id, "Broken again", BROKEN[1], NOW - timedelta(hours=5), "other")

    since = (NOW - timedelta(days=1)).strftime("%Y-%m-%d")
    result = CliRunner().invoke(cli, ["nlp", "reclassify", "--since", since])
    assert result.exit_code == 0, result.output
    assert "1 relabelled" in result.output
    with session_scope(runtime.engine) as session:
        labels = sorted((m.subject, m.label) for m in session.exec(select(Message)) if m.account_id == other_id)
    assert labels == [("Broken again", "complaint"), (BROKEN[0], "other")]


def test_new_mail_is_labelled_by_the_active_version_and_use_rolls_back(runtime):
    version = stored_version(runtime)
    with session_scope(runtime.engine) as session:
        account_id, _, _ = two_accounts(session, runtime)
        thread = Thread(account_id=account_id, subject="Quote")
        session.add(thread)
        session.flush()
        session.add(Message(account_id=account_id, thread_id=thread.id, message_id_header="q@acme", content_hash="q",
                            from_addr="dana@acme.example", to_addrs=["rep@example.com"], subject="Quote",
                            body_text="Could you send me a price for 200 units?", sent_at=NOW - timedelta(days=1)))
    process_account(runtime, account_id, NOW)
    with session_scope(runtime.engine) as session:
        assert session.exec(select(Message.model_version).where(Message.subject == "Quote")).one() == version.name

    result = CliRunner().invoke(cli, ["nlp", "use", "shipped"])
    assert result.exit_code == 0, result.output
    assert model_store.active_version(runtime.settings) is None
    result = CliRunner().invoke(cli, ["nlp", "use", "20990101-000000-000000000000"])
    assert result.exit_code != 0 and "no model version" in result.output
