"""IMAP sync speed: `followup sync` against Debian's mbsync (isync) on the same Dovecot folders.

    .venv/bin/python bench/sync.py [--count 20000] [--runs 1] [--no-command] [--keep]

Starts a throwaway Dovecot on loopback (tests/services/dovecot.py), fills INBOX and Sent
with `--count` messages of about 4.3 kB (60 % INBOX, 40 % Sent; threads with quoted
replies, some HTML alternatives and small attachments) by MULTIAPPEND, then times:

- mbsync (isync; `apt-get install -y isync` when missing) pulling INBOX and Sent into a
  Maildir (plain IMAP, its default FSync on), then again with nothing changed;
- `followup sync --all` as a user runs it (a fresh process: imports, IMAP, parse,
  thread, store on SQLite, then the classifier and detection), then again with nothing
  changed;
- the same IMAP sync in-process (`followup.worker.jobs.sync_account(..., process=False)`, into a
  second fresh database): fetch + parse + thread + store without the interpreter start
  and without the classifier, i.e. the work mbsync does; and its no-change resync.

With `--runs N` mbsync and the in-process sync alternate N times (each into a fresh
Maildir / database), so both see the same machine load; medians are printed. Prints each
time, messages/s and the ratios. Targets (issue 4): first sync within 1.5x
mbsync's time, a no-change resync under 0.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.services.dovecot import DovecotServer, apt_install  # noqa: E402

OWN = "rep@acme.example"
SECRET_KEY = "bench-secret-key-0123456789abcdef"
WORDS = ("quote order delivery invoice price discount pallet shipment samples contract renewal "
         "meeting call warranty replacement damaged late refund schedule proposal volume "
         "catalogue spec drawing tolerance batch certificate customer account terms net").split()
SUBJECTS = ["Quote for {n} units", "Order {n}", "Delivery of order {n}", "Invoice {n}",
            "Question about item {n}", "Meeting next week", "Samples {n}", "Complaint: order {n}"]
CUSTOMERS = [f"{first}.{last}@{company}.example" for first in ("anna", "ben", "carla", "dev", "eva")
             for last in ("smith", "meyer", "rossi", "novak") for company in ("buyer", "globex", "initech", "hooli")]


def paragraph(rng: random.Random, sentences: int) -> str:
    out = []
    for _ in range(sentences):
        words = [rng.choice(WORDS) for _ in range(rng.randint(8, 18))]
        out.append(" ".join(words).capitalize() + rng.choice([".", ".", "?"]))
    return " ".join(out)


def make_message(rng: random.Random, n: int, when: datetime, outbound: bool, refs: list[str]) -> tuple[bytes, str]:
    customer = CUSTOMERS[n % len(CUSTOMERS)]
    frm, to = (OWN, customer) if outbound else (customer, OWN)
    msgid = f"{n}.{rng.getrandbits(40):x}@{frm.split('@')[1]}"
    subject = ("Re: " if refs else "") + SUBJECTS[n % len(SUBJECTS)].format(n=1000 + n // 4)
    text = "Hi,\n\n" + "\n\n".join(paragraph(rng, rng.randint(3, 5)) for _ in range(4))
    text += "\n\nBest regards,\n" + ("Rep" if outbound else customer.split(".")[0].title()) + "\nACME Sales | +1 555 0100\n"
    quoted = "\n".join("> " + paragraph(rng, 1) for _ in range(10)) if refs else ""
    if quoted:
        text += f"\nOn {format_datetime(when - timedelta(days=1))}, {to} wrote:\n{quoted}\n"
    while len(text) < 3600:
        text += "\n" + paragraph(rng, 2)
    headers = [f"From: {frm}", f"To: {to}", f"Subject: {subject}", f"Date: {format_datetime(when)}",
               f"Message-ID: <{msgid}>", "MIME-Version: 1.0"]
    if refs:
        headers += [f"In-Reply-To: <{refs[-1]}>", "References: " + " ".join(f"<{r}>" for r in refs[-5:])]
    if n % 10 < 2:
        html = "<html><body>" + "".join(f"<p>{p}</p>" for p in text.split("\n\n")[:3]) + "</body></html>"
        headers.append('Content-Type: multipart/alternative; boundary="alt"')
        body = (f"--alt\nContent-Type: text/plain; charset=utf-8\n\n{text[:2400]}\n"
                f"--alt\nContent-Type: text/html; charset=utf-8\n\n{html[:1200]}\n--alt--\n")
    elif n % 10 == 2:
        headers.append('Content-Type: multipart/mixed; boundary="mix"')
        body = (f"--mix\nContent-Type: text/plain; charset=utf-8\n\n{text[:3000]}\n"
                "--mix\nContent-Type: application/pdf; name=quote.pdf\nContent-Disposition: attachment; "
                "filename=quote.pdf\nContent-Transfer-Encoding: base64\n\n" + "JVBERi0xLjQKJcfsj6IKNSAwIG9iago8\n" * 20
                + "--mix--\n")
    else:
        headers.append("Content-Type: text/plain; charset=utf-8")
        body = text
    raw = ("\n".join(headers) + "\n\n" + body).replace("\n", "\r\n").encode()
    return raw, msgid


def fill(server: DovecotServer, user: str, count: int, seed: int = 11) -> tuple[int, int, int]:
    rng = random.Random(seed)
    now = datetime.now(timezone.utc)
    start = now - timedelta(days=80)
    step = (now - timedelta(hours=1) - start) / max(count, 1)
    inbox, sent = [], []
    refs: list[str] = []
    for n in range(count):
        when = start + step * n
        outbound = n % 5 in (1, 3)  # 40 % sent
        if n % 4 == 0:
            refs = []
        raw, msgid = make_message(rng, n, when, outbound, refs)
        refs.append(msgid)
        (sent if outbound else inbox).append({"msg": raw, "date": when})
    size = sum(len(m["msg"]) for m in inbox + sent)
    server.append_many(user, "INBOX", inbox)
    server.append_many(user, "Sent", sent)
    return len(inbox), len(sent), size


def mbsync_config(server: DovecotServer, user: str, password: str, maildir: Path) -> str:
    return f"""IMAPAccount bench
Host {server.host}
Port {server.port}
User {user}
Pass {password}
SSLType None
AuthMechs LOGIN
PipelineDepth 50

IMAPStore bench-remote
Account bench

MaildirStore bench-local
Path {maildir}/
Inbox {maildir}/INBOX
SubFolders Verbatim

Channel bench
Far :bench-remote:
Near :bench-local:
Patterns INBOX Sent
Create Near
Sync Pull
SyncState *
"""


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, subprocess.CompletedProcess]:
    t = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - t
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return elapsed, result


def count_maildir(maildir: Path) -> int:
    return sum(1 for p in maildir.rglob("*") if p.is_file() and p.parent.name in ("cur", "new"))


def run_mbsync(mbsync: str, work: Path, server: DovecotServer, user: str, password: str, run: int):
    maildir = work / f"maildir-{run}"
    maildir.mkdir()
    config = work / f"mbsyncrc-{run}"
    config.write_text(mbsync_config(server, user, password, maildir))
    config.chmod(0o600)
    first, _ = timed([mbsync, "-q", "-c", str(config), "bench"])
    again, _ = timed([mbsync, "-q", "-c", str(config), "bench"])
    return first, again, count_maildir(maildir)


def run_in_process(work: Path, server: DovecotServer, user: str, password: str, run: int):
    from followup.bootstrap import Runtime
    from followup.worker.jobs import sync_account
    from followup.db.accounts import create_account
    from followup.db.session import open_database, session_scope
    from followup.config import load_settings
    from followup.db.users import create_user

    settings = load_settings({"FOLLOWUP_DATA_DIR": str(work / f"data-inproc-{run}"), "FOLLOWUP_SECRET_KEY": SECRET_KEY})
    rt = Runtime(settings=settings, engine=open_database(settings.database_url))
    with session_scope(rt.engine) as session:
        owner = create_user(session, OWN, "bench-password-123")
        account_id = create_account(
            session, SECRET_KEY, user=owner, addresses=[OWN], internal_domains=["acme.example"],
            imap_host=server.host, imap_port=server.port, security="none", login=user, password=password,
            sync_since=(datetime.now(timezone.utc) - timedelta(days=365)).date()).id
    t = time.perf_counter()
    report = sync_account(account_id, runtime=rt, process=False)
    first = time.perf_counter() - t
    t = time.perf_counter()
    again_report = sync_account(account_id, runtime=rt, process=False)
    again = time.perf_counter() - t
    rt.engine.dispose()
    return first, again, report, again_report


def run_command(work: Path, server: DovecotServer, user: str, password: str):
    env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
    env.update(FOLLOWUP_DATA_DIR=str(work / "data-cli"), FOLLOWUP_SECRET_KEY=SECRET_KEY)
    followup = str(Path(sys.executable).with_name("followup"))
    subprocess.run([followup, "user", "add", OWN], input="bench-password-123\n", text=True, env=env,
                   check=True, capture_output=True)
    added = subprocess.run(
        [followup, "account", "add", "--user", OWN, "--imap-host", server.host, "--port", str(server.port),
         "--security", "none", "--login", user, "--address", OWN, "--internal-domain", "acme.example",
         "--since", (datetime.now(timezone.utc) - timedelta(days=365)).strftime("%Y-%m-%d"), "--json"],
        input=password + "\n", text=True, env=env, check=True, capture_output=True)
    account_id = json.loads(added.stdout)["id"]
    first, out = timed([followup, "sync", "--all", "--json"], env)  # --all: one report per account
    [report] = [r for r in json.loads(out.stdout) if r["account_id"] == account_id]
    again, out = timed([followup, "sync", "--all", "--json"], env)
    [again_report] = [r for r in json.loads(out.stdout) if r["account_id"] == account_id]
    return first, again, report, again_report


def load() -> str:
    return "load average %.1f %.1f %.1f" % os.getloadavg()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=1,
                        help="Alternate mbsync and the in-process sync this many times; print medians.")
    parser.add_argument("--no-command", action="store_true",
                        help="Skip the `followup sync` command (its classifier pass is slow).")
    parser.add_argument("--keep", action="store_true", help="Keep the work directory (Dovecot, Maildir, databases).")
    args = parser.parse_args()

    if not shutil.which("mbsync"):
        apt_install("isync", "/usr/bin/mbsync")
    mbsync = shutil.which("mbsync")
    version = subprocess.run([mbsync, "--version"], capture_output=True, text=True).stdout.strip()

    work = Path(tempfile.mkdtemp(prefix="followup-bench-sync-"))
    os.chmod(work, 0o755)
    server = DovecotServer(work / "dovecot").start()
    try:
        user, password = "bench", "bench-password"
        server.add_user(user, password)
        t = time.perf_counter()
        n_inbox, n_sent, size = fill(server, user, args.count)
        total = n_inbox + n_sent
        print(f"Dovecot on {server.host}:{server.port}: {n_inbox} in INBOX + {n_sent} in Sent = {total} messages, "
              f"{size / 1e6:.1f} MB ({size / total / 1000:.1f} kB each), loaded in {time.perf_counter() - t:.1f}s; "
              f"{os.cpu_count()} CPUs, {load()}")

        ratios, mb_firsts, mb_agains, in_firsts, in_agains = [], [], [], [], []
        for run in range(args.runs):
            mb_first, mb_again, mb_count = run_mbsync(mbsync, work, server, user, password, run)
            print(f"run {run + 1}: mbsync ({version}): {mb_count} messages in {mb_first:.2f}s = "
                  f"{mb_count / mb_first:,.0f} msg/s; no-change resync {mb_again:.2f}s  [{load()}]")
            in_first, in_again, report, again = run_in_process(work, server, user, password, run)
            print(f"run {run + 1}: followup sync (in-process job: fetch, parse, thread, store; no classifier): "
                  f"{report.fetched} messages in {in_first:.2f}s = {report.fetched / in_first:,.0f} msg/s "
                  f"({report.fetch_commands} FETCH commands); no-change resync {in_again:.3f}s "
                  f"({again.fetch_commands} FETCH, {again.commands.get('SEARCH', 0)} SEARCH)  [{load()}]")
            assert report.fetched == total == mb_count, (report.fetched, total, mb_count)
            ratios.append(in_first / mb_first)
            mb_firsts.append(mb_first), mb_agains.append(mb_again)
            in_firsts.append(in_first), in_agains.append(in_again)

        if not args.no_command:
            cli_first, cli_again, cli_report, cli_again_report = run_command(work, server, user, password)
            print(f"followup sync (the command: interpreter start, sync, then classifier + detection): "
                  f"{cli_report['fetched']} messages in {cli_first:.2f}s = {cli_report['fetched'] / cli_first:,.0f} msg/s, "
                  f"of which the IMAP sync {cli_report['seconds']:.2f}s; no-change resync {cli_again:.2f}s "
                  f"(the sync itself {cli_again_report['seconds']:.3f}s)  [{load()}]")

        med = statistics.median
        print()
        print(f"median of {args.runs}: mbsync {med(mb_firsts):.2f}s ({total / med(mb_firsts):,.0f} msg/s), "
              f"followup {med(in_firsts):.2f}s ({total / med(in_firsts):,.0f} msg/s); "
              f"ratio followup/mbsync {med(ratios):.2f}x (target <= 1.5x)")
        print(f"no-change resync: followup {med(in_agains):.3f}s (target < 0.5 s), mbsync {med(mb_agains):.2f}s")
        if not args.no_command:
            print(f"the command, first sync with the classifier: {cli_first / med(mb_firsts):.2f}x mbsync; "
                  f"no-change resync {cli_again:.2f}s")
    finally:
        server.stop()
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
