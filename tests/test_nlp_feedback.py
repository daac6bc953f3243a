"""`followup nlp train --with-feedback` reads users' corrections from the database."""

from datetime import datetime, timezone

from click.testing import CliRunner

from followup.cli.nlp import nlp_group
from followup.db.session import open_database, session_scope
from followup.db.models import LabelFeedback, MailAccount, Message, User


def test_train_with_feedback_passes_corrections(tmp_path, monkeypatch):
    monkeypatch.setenv("FOLLOWUP_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("FOLLOWUP_DATABASE_URL", f"sqlite:///{tmp_path / 'fb.db'}")
    monkeypatch.setenv("FOLLOWUP_SECRET_KEY", "test-secret-key-0123456789abcdef")
    engine = open_database(f"sqlite:///{tmp_path / 'fb.db'}")
    now = datetime(2026, 1, 5, tzinfo=timezone.utc)
    with session_scope(engine) as s:
        user = User(email="rep@example.com", password_hash="x")
        s.add(user)
        s.flush()
        account = MailAccount(user_id=user.id, name="test")
        s.add(account)
        s.flush()
        messages = []
        for i, (subject, body) in enumerate([("Widgets", "The widget squeaks, fix it."),
                                             ("Lunch", "Lunch Friday?"), ("Empty", "  ")]):
            m = Message(account_id=account.id, message_id_header=f"m{i}@x", content_hash=f"h{i}",
                        subject=subject, body_text=body, sent_at=now)
            s.add(m)
            messages.append(m)
        s.flush()
        s.add(LabelFeedback(message_id=messages[0].id, user_id=user.id, label="sale"))
        s.add(LabelFeedback(message_id=messages[0].id, user_id=user.id, label="complaint"))  # latest wins
        s.add(LabelFeedback(message_id=messages[1].id, user_id=user.id, needs_reply=False))
        s.add(LabelFeedback(message_id=messages[2].id, user_id=user.id, label="other"))  # no text: skipped

    seen = {}

    def fake_train(output_dir=None, extra_examples=None, seed=0, **kwargs):
        seen["extra"] = extra_examples
        return nlp.training.TrainResult(path=tmp_path / "model", n_label_examples=0, n_needs_reply_examples=0,
                                        n_extra=len(extra_examples), dev=None)

    import nlp.training  # noqa: F401

    monkeypatch.setattr(nlp, "train", fake_train)
    result = CliRunner().invoke(nlp_group, ["train", "--with-feedback", "--output", str(tmp_path / "model")])
    assert result.exit_code == 0, result.output
    assert "2 corrections from users" in result.output
    assert sorted(seen["extra"], key=lambda r: r["subject"]) == [
        {"subject": "Lunch", "text": "Lunch Friday?", "needs_reply": False},
        {"subject": "Widgets", "text": "The widget squeaks, fix it.", "label": "complaint"},
    ]
