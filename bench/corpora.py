"""Run the ingestion path over public mail corpora and print what happened.

    .venv/bin/python bench/corpora.py DIR [--compare-library]

Every file under DIR that holds a message (.eml and extension-less message files) or a reply
body (.txt, .html: wrapped in a minimal message) is parsed, threaded and stored in a fresh
SQLite database, in batches through `inbox_sync.store.store_batch` (the path `followup
import` and the sync use); a batch the database refuses is retried message by message.
Printed: files stored, stored with parse warnings, failed (target: every file stored, none
failed), and where the corpora say what to expect:

* talon's `<name>_reply_text` next to `<name>.eml`: the reply text, compared with our own text;
* stalwart's `<name>.json` next to `<name>.eml`: the expected Subject and From, compared;
* quote stripping on reply and forward fixtures (files whose name says reply/forward, or
  whose text has a `>`-quoted block or a quote header): a quote found and own text left.

With `--compare-library`, mail-parser-reply's split is scored on the same reply fixtures.

With `--one-account [--limit N]`, the message files under DIR (reply bodies and files of
blank lines only left out) are imported into ONE account, one file at a time, by running
the real `followup import FILE --json` (this venv's script, a fresh temporary
FOLLOWUP_DATA_DIR), as a user would. Printed: imports run, failed imports (a non-zero exit
or no JSON summary) with the last line of each one's stderr, messages stored and stored
with parse warnings. `--limit N` imports N files
spread evenly over DIR (each import starts a process that loads the model: seconds each).
The corpora stay where they are: nothing is copied into the project.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy.exc import SQLAlchemyError  # noqa: E402

from followup.db.accounts import create_account  # noqa: E402
from followup.db.session import open_database, session_scope  # noqa: E402
from followup.db.models import MailAccount  # noqa: E402
from followup.db.users import create_user  # noqa: E402
from inbox_sync.parse import parse_message  # noqa: E402
from inbox_sync.store import StoreItem, store_batch  # noqa: E402

SKIP_NAMES = re.compile(r"(^LICENSE|^COPYING|^SOURCE\.txt$|^README|_reply_text$|\.upstream$|^__init__\.py$"
                        r"|\.json$|\.py$|\.pyc$|\.gitignore$)", re.I)
HEADER_LINE = re.compile(rb"^[\x21-\x39\x3b-\x7e]+:[ \t]?")
QUOTE_MARKERS = re.compile(
    r"^(>|-{2,} ?(original message|forwarded message)|begin forwarded message"
    r"|(from|von|de|van|från|fra):.*\n(.*\n){0,3}(sent|date|gesendet|datum|envoyé|enviado):"
    r"|on .{5,200} wrote:|am .{5,200} schrieb)",
    re.I | re.M,
)
BATCH = 200


def collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text or "").strip()


def looks_like_message(raw: bytes) -> bool:
    head = raw.lstrip()[:2000].split(b"\n", 3)[:3]
    return bool(head) and all(HEADER_LINE.match(line) or line[:1] in (b" ", b"\t") or line.startswith(b"From ")
                              for line in head if line.strip())


def as_message(path: Path, raw: bytes) -> bytes:
    if looks_like_message(raw):
        return raw
    ctype = "text/html" if path.suffix.lower() in (".html", ".htm") else "text/plain"
    head = (f"From: corpus@example.org\nTo: rep@acme.example\nSubject: {path.name}\n"
            f"Date: Mon, 02 Mar 2026 09:00:00 +0000\n"
            f"Message-ID: <{abs(hash(str(path)))}@corpus.example>\n"
            f"Content-Type: {ctype}; charset=utf-8\n\n").encode()
    return head + raw


def corpus_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and not SKIP_NAMES.search(p.name)
                  and "/." not in str(p.relative_to(root)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--compare-library", action="store_true",
                        help="Also score mail-parser-reply on the reply fixtures.")
    parser.add_argument("--one-account", action="store_true",
                        help="Run `followup import` on each message file into one account.")
    parser.add_argument("--limit", type=int, default=None, help="With --one-account: import N files.")
    args = parser.parse_args()
    if not args.directory.is_dir():
        parser.error(f"{args.directory} is not a directory")
    if args.one_account:
        one_account(args.directory, args.limit)
        return
    files = corpus_files(args.directory)
    work = Path(tempfile.mkdtemp(prefix="followup-corpora-"))
    engine = open_database(f"sqlite:///{work / 'corpora.db'}")
    with session_scope(engine) as session:
        user = create_user(session, "rep@acme.example", "bench-password-123")
        account_id = create_account(session, "k" * 32, user=user, addresses=["rep@acme.example"]).id

    started = time.perf_counter()
    parsed = {}
    for path in files:
        parsed[path] = parse_message(as_message(path, path.read_bytes()))
    stored = duplicates = failed = 0
    failures = []
    for start in range(0, len(files), BATCH):
        chunk = files[start:start + BATCH]
        outcomes = _store(engine, account_id, chunk, parsed)
        for path, outcome in zip(chunk, outcomes):
            if isinstance(outcome, str):
                failed += 1
                failures.append(f"{path.relative_to(args.directory)}: {outcome}")
            elif outcome:
                stored += 1
            else:
                duplicates += 1
    elapsed = time.perf_counter() - started
    warned = [p for p in files if parsed[p].warnings]
    per_corpus = Counter(p.relative_to(args.directory).parts[0] for p in files)

    print(f"{len(files)} files under {args.directory} ({', '.join(f'{k} {v}' for k, v in sorted(per_corpus.items()))})")
    print(f"stored {stored}, same message already stored {duplicates}, failed {failed} "
          f"({len(files) / elapsed:,.0f} files/s)")
    wrapped = sum(1 for p in files if not looks_like_message(p.read_bytes()))
    print(f"({len(files) - wrapped} message files, {wrapped} reply bodies wrapped in a minimal message)")
    print(f"stored with parse warnings: {len(warned)}")
    kinds = Counter(w.split(";")[0].split(":")[0] for p in warned for w in parsed[p].warnings)
    for warning, count in kinds.most_common(8):
        print(f"    {count:>4}  {warning}")
    for failure in failures[:20]:
        print(f"  FAILED {failure}")

    _talon(files, parsed)
    _stalwart(files, parsed)
    replies = _replies(files, parsed)
    if args.compare_library:
        _library(replies, parsed)
    flags = Counter(name for p in files for name in ("auto_reply", "bulk", "bounce", "calendar", "noreply")
                    if getattr(parsed[p].kinds, f"is_{name}"))
    print("kinds recognised: " + ", ".join(f"{k} {v}" for k, v in sorted(flags.items())))
    for file in work.iterdir():
        file.unlink()
    work.rmdir()


FOLLOWUP = Path(sys.executable).with_name("followup")
IMPORT_TIMEOUT = 600
"""Seconds one `followup import` may take before it counts as failed (a hang)."""


def one_account(directory: Path, limit: int | None) -> None:
    # Files of blank lines only (flanker's dkim/*.expected.01) hold no message to import.
    files = [p for p in corpus_files(directory) if p.read_bytes().strip() and looks_like_message(p.read_bytes())]
    if limit is not None and limit < len(files):
        files = [files[i * len(files) // limit] for i in range(limit)]
    work = Path(tempfile.mkdtemp(prefix="followup-one-account-"))
    env = {**os.environ, "FOLLOWUP_DATA_DIR": str(work)}
    for key in ("FOLLOWUP_DATABASE_URL", "FOLLOWUP_REDIS_URL", "FOLLOWUP_SMTP_URL"):
        env.pop(key, None)
    address = "rep@acme.example"
    for args, stdin in ((["user", "add", address], "bench-password-123\n"),
                        (["account", "add", "--user", address, "--address", address], "")):
        done = subprocess.run([str(FOLLOWUP), *args], input=stdin, capture_output=True, text=True, env=env)
        if done.returncode:
            sys.exit(f"followup {' '.join(args)} failed: {done.stderr.strip()}")
    started = time.perf_counter()
    stored = warned = 0
    failures: list[str] = []
    for path in files:
        name = path.relative_to(directory)
        try:
            done = subprocess.run([str(FOLLOWUP), "import", str(path), "--account", address, "--json"],
                                  capture_output=True, text=True, env=env, timeout=IMPORT_TIMEOUT)
        except subprocess.TimeoutExpired:
            failures.append(f"{name}: no answer in {IMPORT_TIMEOUT} s")
            continue
        summary = _last_json(done.stdout)
        if done.returncode or summary is None:
            last = (done.stderr.strip().splitlines() or ["(no stderr)"])[-1]
            failures.append(f"{name}: exit {done.returncode}: {last[:200]}")
        if summary is not None:
            stored += summary.get("stored", 0)
            warned += summary.get("warnings", 0)
    elapsed = time.perf_counter() - started
    print(f"one account, `followup import` a file at a time: {len(files)} imports run from {directory} "
          f"({elapsed:.0f}s, {elapsed / max(len(files), 1):.1f}s an import)")
    print(f"failed imports {len(failures)}; messages stored {stored}, with parse warnings {warned}")
    causes = Counter(f.rsplit(": ", 1)[-1][:80] for f in failures)
    for cause, count in causes.most_common(10):
        print(f"    {count:>4}  {cause}")
    for failure in failures[:30]:
        print(f"  FAILED {failure}")
    for file in sorted(work.rglob("*"), reverse=True):
        file.rmdir() if file.is_dir() else file.unlink()
    work.rmdir()


def _last_json(stdout: str) -> dict | None:
    lines = stdout.strip().splitlines()
    try:
        value = json.loads(lines[-1]) if lines else None
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _store(engine, account_id, paths, parsed) -> list:
    items = [StoreItem(raw=b"") for _ in paths]
    try:
        with session_scope(engine) as session:
            account = session.get(MailAccount, account_id)
            results = store_batch(session, account, items, parsed=[parsed[p] for p in paths])
            return [r.created for r in results]
    except SQLAlchemyError:
        pass
    outcomes = []
    for path, item in zip(paths, items):
        try:
            with session_scope(engine) as session:
                account = session.get(MailAccount, account_id)
                outcomes.append(store_batch(session, account, [item], parsed=[parsed[path]])[0].created)
        except SQLAlchemyError as exc:
            outcomes.append(str(exc).splitlines()[0][:200])
    return outcomes


def _talon(files, parsed) -> None:
    cases = [(p, p.with_name(p.stem + "_reply_text")) for p in files if p.suffix == ".eml"]
    cases = [(p, e) for p, e in cases if e.exists()]
    if not cases:
        return
    good = []
    for p, e in cases:
        # talon's reply text keeps the signature; ours moves it to the quoted part.
        expected, own = collapse(e.read_text(errors="replace")), collapse(parsed[p].own_text)
        rest = expected[len(own):].strip()
        if own and expected.startswith(own) and (not rest or rest in collapse(parsed[p].quoted_text)):
            good.append(p)
    print(f"talon expected reply text (less the signature, which we strip): {len(good)} of {len(cases)}")
    for p, e in cases:
        if p not in good:
            print(f"    differs: {p.name}: ours {collapse(parsed[p].own_text)[:80]!r}")


def _stalwart(files, parsed) -> None:
    checked = agreed = 0
    misses = []
    for path in files:
        expected_file = path.with_suffix(".json")
        if path.suffix != ".eml" or not expected_file.exists():
            continue
        try:
            expected = json.loads(expected_file.read_text())
            headers = {h["name"]: h["value"] for h in expected["parts"][0]["headers"]}
        except (ValueError, KeyError, IndexError, TypeError):
            continue
        want_subject = headers.get("subject", {}).get("Text") if isinstance(headers.get("subject"), dict) else None
        want_from = None
        sender = headers.get("from")
        if isinstance(sender, dict):
            listing = sender.get("Address", {}).get("List") or []
            if listing and listing[0].get("address"):
                want_from = listing[0]["address"].lower()
        if want_subject is None and want_from is None:
            continue
        checked += 1
        p = parsed[path]
        ok = (want_subject is None or collapse(p.subject) == collapse(want_subject)) and (
            want_from is None or p.from_addr == want_from)
        agreed += ok
        if not ok:
            misses.append(f"{path.name}: subject {p.subject[:40]!r} vs {want_subject and want_subject[:40]!r}, "
                          f"from {p.from_addr!r} vs {want_from!r}")
    if checked:
        print(f"stalwart expected Subject and From: {agreed} of {checked} agree")
        for miss in misses[:10]:
            print(f"    differs: {miss}")


def _replies(files, parsed) -> list[Path]:
    replies = [p for p in files
               if re.search(r"reply|forward|email_|^\d|gmail|outlook|iphone|android|thunderbird|apple", p.name, re.I)
               and QUOTE_MARKERS.search(parsed[p].text)]
    stripped = [p for p in replies if parsed[p].quoted_text and parsed[p].own_text]
    print(f"quote stripping on replies and forwards with a quote marker: {len(stripped)} of {len(replies)} "
          f"had a quote removed and own text left")
    for p in replies:
        if p not in stripped:
            print(f"    not stripped: {p.name}: {collapse(parsed[p].text)[:90]!r}")
    return replies


def _library(replies, parsed) -> None:
    from mailparser_reply import EmailReplyParser

    library = EmailReplyParser(languages=["en", "de", "fr", "es", "it", "nl", "sv", "da", "pl", "ja"])
    agree = shorter = 0
    started = time.perf_counter()
    for path in replies:
        text = parsed[path].text
        latest = library.parse_reply(text) or ""
        agree += collapse(latest) == collapse(parsed[path].own_text)
        shorter += bool(latest.strip()) and len(collapse(latest)) < len(collapse(text))
    per = (time.perf_counter() - started) / max(len(replies), 1) * 1000
    print(f"mail-parser-reply on the same {len(replies)}: quote removed in {shorter}, "
          f"same own text as ours in {agree} ({per:.1f} ms a message)")


if __name__ == "__main__":
    main()
