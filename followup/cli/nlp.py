"""`followup nlp train|evaluate|models|use|reclassify` and `followup classify`: the classifier's commands.

`nlp train --with-feedback` (without ``--output``) stores a new model version in the data
dir (`followup.model_store`); `classify`, `evaluate` and the pipeline use the active version,
else the shipped model.

`nlp train --with-feedback` reads the users' corrections (``LabelFeedback`` joined to the
corrected ``Message``) from the database and trains on them as extra examples; the `nlp`
package itself never touches the database.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from followup.cli.context import echo_json, json_option


@click.group("nlp")
def nlp_group() -> None:
    """Train and evaluate the message classifier."""


def feedback_examples() -> list[dict]:
    """Users' corrections as training rows: the corrected message's subject and own text,
    with the label and/or needs_reply the user set (the latest correction per message wins)."""
    from sqlmodel import select

    from followup.cli.context import runtime
    from followup.db.session import session_scope
    from followup.db.models import LabelFeedback, Message

    rt = runtime()
    latest: dict[int, dict] = {}
    with session_scope(rt.engine) as session:
        query = (select(LabelFeedback, Message)
                 .where(LabelFeedback.message_id == Message.id)
                 .order_by(LabelFeedback.created_at, LabelFeedback.id))
        for feedback, message in session.exec(query):
            row = latest.setdefault(message.id, {"subject": message.subject or "", "text": message.body_text or ""})
            if feedback.label is not None:
                row["label"] = feedback.label
            if feedback.needs_reply is not None:
                row["needs_reply"] = bool(feedback.needs_reply)
    return [row for row in latest.values() if row["text"].strip() and ("label" in row or "needs_reply" in row)]


@nlp_group.command("train")
@click.option("--with-feedback", is_flag=True, help="Also train on users' corrections stored in the database.")
@click.option("--output", "output", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Where to save the pipeline (default: with --with-feedback a new version in "
                   "DATA_DIR/models/, else the package's model folder).")
@click.option("--seed", default=0, show_default=True, help="Random seed (training is reproducible).")
@json_option
def nlp_train(with_feedback: bool, output: Path | None, seed: int, as_json: bool) -> None:
    """Rebuild the classifier from the team corpus (and corrections) and save it."""
    import nlp
    from nlp.classifier import LABELS

    from followup import model_store
    from followup.config import load_settings
    from followup.db.types import utcnow

    store = with_feedback and output is None  # a team's own model: a new version in the data dir
    now = utcnow()
    settings = load_settings() if store else None
    if store:
        output = model_store.staging_dir(settings, now)
    extra: list[dict] = []
    if with_feedback:
        extra = feedback_examples()
        bad = [row for row in extra if "label" in row and row["label"] not in LABELS]
        extra = [row for row in extra if row not in bad]
        if not as_json:
            click.echo(f"{len(extra)} corrections from users" + (f" ({len(bad)} with unknown labels skipped)" if bad else ""))
    log = None if as_json else (lambda message: click.echo(message, err=True))
    try:
        result = nlp.train(output, extra_examples=extra, seed=seed, log=log)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    version = None
    if store:
        figures = {"base_model_version": nlp.MODEL_VERSION, "seed": seed, "feedback_examples": result.n_extra,
                   "label_examples": result.n_label_examples,
                   "dev": {k: result.dev[k] for k in ("macro_f1", "accuracy", "needs_reply_f1", "n")} if result.dev else None}
        version = model_store.commit_version(settings, result.path, figures, now)
    payload = {"path": str(version.path if version else result.path),
               "model_version": version.name if version else nlp.MODEL_VERSION, "seed": seed,
               "label_examples": result.n_label_examples, "needs_reply_examples": result.n_needs_reply_examples,
               "feedback_examples": result.n_extra,
               "dev_macro_f1": result.dev["macro_f1"] if result.dev else None,
               "dev_needs_reply_f1": result.dev["needs_reply_f1"] if result.dev else None}
    if as_json:
        echo_json(payload)
    else:
        if version:
            click.echo(f"model version {version.name} (now active)")
        click.echo(f"saved to {payload['path']}: {result.n_label_examples} labelled examples, "
                   f"{result.n_needs_reply_examples} needs-reply examples, {result.n_extra} corrections")
        if result.dev:
            click.echo(f"team dev split: macro-F1 {result.dev['macro_f1']:.3f}, "
                       f"needs-reply F1 {result.dev['needs_reply_f1']:.3f}")


def _active_model() -> Path | None:
    from followup.config import load_settings
    from followup.model_store import ModelStoreError, active_model_path

    try:
        return active_model_path(load_settings())
    except ModelStoreError as exc:
        raise click.ClickException(str(exc)) from None


@nlp_group.command("models")
@json_option
def nlp_models(as_json: bool) -> None:
    """The team's model versions (oldest first) with their dev figures; * marks the active one."""
    from followup.config import load_settings
    from followup.model_store import SHIPPED, active_version, list_versions

    settings = load_settings()
    versions, active = list_versions(settings), active_version(settings)
    active_name = active.name if active else SHIPPED
    if as_json:
        echo_json({"active": active_name,
                   "versions": [{**v.figures, "version": v.name, "path": str(v.path), "active": v.name == active_name}
                                for v in versions]})
        return
    click.echo(f"{'*' if active_name == SHIPPED else ' '} {SHIPPED:<28} the model in the package")
    for v in versions:
        dev = v.figures.get("dev") or {}
        figures = (f"dev macro-F1 {dev['macro_f1']:.3f}, needs-reply F1 {dev['needs_reply_f1']:.3f}"
                   if dev else "no dev figures")
        click.echo(f"{'*' if v.name == active_name else ' '} {v.name:<28} {figures}, "
                   f"{v.figures.get('feedback_examples', 0)} corrections, trained {v.figures.get('created_at', '?')}")


@nlp_group.command("use")
@click.argument("version")
@json_option
def nlp_use(version: str, as_json: bool) -> None:
    """Make VERSION (a name from `nlp models`, or `shipped`) the model everything classifies with."""
    from followup.config import load_settings
    from followup.model_store import SHIPPED, ModelStoreError, use_version

    try:
        chosen = use_version(load_settings(), version)
    except ModelStoreError as exc:
        raise click.ClickException(str(exc)) from None
    name = chosen.name if chosen else SHIPPED
    if as_json:
        echo_json({"active": name})
    else:
        click.echo(f"active model: {name} (run `followup nlp reclassify` to relabel stored mail with it)")


@nlp_group.command("reclassify")
@click.option("--account", "account_id", type=int, default=None, help="Only this account (default: all).")
@click.option("--since", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="Only mail sent on or after this date (YYYY-MM-DD, UTC).")
@json_option
def nlp_reclassify(account_id: int | None, since, as_json: bool) -> None:
    """Relabel stored mail with the active model; rerun detection for threads whose label changed.
    Messages a user corrected keep the user's label."""
    from datetime import timezone

    from followup.cli.context import runtime
    from followup.db.models import MailAccount
    from followup.db.session import session_scope
    from followup.reclassify import reclassify

    rt = runtime()
    if account_id is not None:
        with session_scope(rt.engine) as session:
            if session.get(MailAccount, account_id) is None:
                raise click.ClickException(f"no account {account_id}")
    report = reclassify(rt, account_ids=None if account_id is None else [account_id],
                        since=since.replace(tzinfo=timezone.utc) if since else None)
    if as_json:
        echo_json(report.to_dict())
        return
    click.echo(f"model {report.model_version}: {report.examined} messages, {report.changed} relabelled, "
               f"{report.kept_user_label} kept their user's label, {report.threads_flagged} threads re-detected"
               + (f", {len(report.errors)} failed" if report.errors else ""))


@nlp_group.command("evaluate")
@click.option("--data", "data", required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="JSONL: text, subject (optional), label (optional), needs_reply (optional).")
@click.option("--model", "model", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="A pipeline folder (default: the active model version, else the shipped one).")
@json_option
def nlp_evaluate(data: Path, model: Path | None, as_json: bool) -> None:
    """Precision, recall and F1 per label, macro-F1, confusion matrix and needs-reply scores,
    beside the keyword baseline's."""
    from nlp import load_classifier
    from nlp.baseline import KeywordBaseline
    from nlp.evaluation import evaluate, format_report
    from nlp.training import read_jsonl

    try:
        rows = read_jsonl(data)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        classifier = load_classifier(model or _active_model())
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    result = evaluate(classifier, rows)
    baseline = evaluate(KeywordBaseline(), rows)
    result["model_version"] = classifier.model_version
    result["data"] = str(data)
    if as_json:
        result["baseline"] = baseline
        click.echo(json.dumps(result, sort_keys=True))
    else:
        click.echo(f"model {classifier.model_version} on {data}")
        click.echo(format_report(result, baseline))


@click.command("classify")
@click.argument("text", required=False)
@click.option("--subject", default="", help="The message's subject.")
@click.option("--model", "model", type=click.Path(exists=True, file_okay=False, path_type=Path), default=None,
              help="A pipeline folder (default: the active model version, else the shipped one).")
@json_option
def classify_command(text: str | None, subject: str, model: Path | None, as_json: bool) -> None:
    """Label one text (TEXT, or '-' / nothing to read stdin) and show its evidence."""
    from nlp import load_classifier

    if text is None or text == "-":
        text = sys.stdin.read()
    if not text.strip() and not subject.strip():
        raise click.ClickException("nothing to classify: give TEXT or pipe it on stdin")
    try:
        classifier = load_classifier(model or _active_model())
    except FileNotFoundError as exc:
        raise click.ClickException(str(exc)) from None
    result = classifier.classify(subject, text)
    if as_json:
        payload = result.to_dict()
        payload["model_version"] = classifier.model_version
        echo_json(payload)
        return
    click.echo(f"label: {result.label} ({result.confidence:.2f})")
    click.echo(f"needs reply: {'yes' if result.needs_reply else 'no'} ({result.needs_reply_score:.2f})")
    if result.evidence:
        click.echo("evidence:")
        for ev in result.evidence:
            click.echo(f"  {ev.kind:<16} {ev.start:>5}-{ev.end:<5} {ev.text!r}")
