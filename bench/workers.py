"""How sync scales with rq workers: N accounts of M messages on a real Dovecot, synced by
1, 2 and 4 `followup worker --burst --queue sync` processes sharing Redis and a database.

    .venv/bin/python bench/workers.py [--accounts 50] [--messages 1000] [--workers 1 2 4]
                                      [--database postgresql|sqlite]

PostgreSQL (the team deployment's database, 127.0.0.1:5432/test, a private schema) is the
default: with SQLite every worker waits for the single writer lock. Prints wall time,
messages/s and the speed-up over one worker; the machine's core count bounds the speed-up.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from redis import Redis  # noqa: E402
from sqlmodel import func, select  # noqa: E402

from followup.worker.queues import enqueue_sync  # noqa: E402
from followup.db.accounts import create_account  # noqa: E402
from followup.db.session import session_scope  # noqa: E402
from followup.db.models import Message  # noqa: E402
from followup.db.users import create_user  # noqa: E402
from tests.services.databases import PostgresSchema, SqliteTemplate  # noqa: E402
from tests.services.dovecot import DovecotServer  # noqa: E402
from tests.services.redis_server import acquire_redis  # noqa: E402
from followup.db.session import make_engine  # noqa: E402

FOLLOWUP = str(Path(sys.executable).with_name("followup"))
SECRET = "bench-secret-key-0123456789abcdef"


def message(account: int, n: int, when: dt.datetime) -> bytes:
    msg = EmailMessage()
    msg["From"] = f"Customer {n} <customer{n}@client{account}.com>"
    msg["To"] = "rep@example.com"
    msg["Subject"] = f"Order question {n}"
    msg["Date"] = format_datetime(when)
    msg["Message-ID"] = f"<a{account}-m{n}@client{account}.com>"
    msg.set_content("Hello,\n\nCould you confirm the delivery date for our order?\n" * 8)
    return msg.as_bytes().replace(b"\n", b"\r\n")


def fill(server: DovecotServer, accounts: int, messages: int) -> list[tuple[str, str]]:
    when = dt.datetime.now(dt.timezone.utc) - dt.timedelta(days=3)
    users = []
    for a in range(accounts):
        name, password = f"bench{a}", f"pw-{a}-bench"
        server.add_user(name, password)
        server.append_many(name, "INBOX", ({"msg": message(a, n, when), "date": when} for n in range(messages)))
        users.append((name, password))
    return users


def database(kind: str, workdir: Path):
    if kind == "postgresql":
        schema = PostgresSchema()
        return schema.url, schema.drop
    return SqliteTemplate(workdir).fresh_url(workdir), lambda: None


def run_round(server, users, workers: int, kind: str, redis_url: str, workdir: Path) -> tuple[float, int]:
    url, drop = database(kind, workdir)
    try:
        engine = make_engine(url)
        with session_scope(engine) as session:
            owner = create_user(session, "bench@example.com", "bench password")
            ids = [create_account(session, SECRET, user=owner, addresses=["rep@example.com"],
                                  imap_host=server.host, imap_port=server.port, security="none",
                                  login=name, password=password).id for name, password in users]
        conn = Redis.from_url(redis_url)
        conn.flushdb()
        for account_id in ids:
            enqueue_sync(conn, account_id)
        env = {**os.environ, "FOLLOWUP_DATABASE_URL": url, "FOLLOWUP_REDIS_URL": redis_url,
               "FOLLOWUP_SECRET_KEY": SECRET, "FOLLOWUP_DATA_DIR": str(workdir / "data")}
        started = time.perf_counter()
        procs = [subprocess.Popen([FOLLOWUP, "worker", "--burst", "--queue", "sync"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for _ in range(workers)]
        for proc in procs:
            proc.wait()
        elapsed = time.perf_counter() - started
        with session_scope(engine) as session:
            stored = session.exec(select(func.count()).select_from(Message)).one()
        engine.dispose()
        return elapsed, stored
    finally:
        drop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=50)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--database", choices=["postgresql", "sqlite"], default="postgresql")
    args = parser.parse_args()

    redis = acquire_redis()
    with tempfile.TemporaryDirectory() as tmp, DovecotServer() as server:
        t0 = time.perf_counter()
        users = fill(server, args.accounts, args.messages)
        total = args.accounts * args.messages
        print(f"filled Dovecot: {args.accounts} accounts x {args.messages} messages in "
              f"{time.perf_counter() - t0:.1f} s; database {args.database}; {os.cpu_count()} cores")
        print(f"{'workers':>7} {'wall s':>8} {'msgs/s':>8} {'speed-up':>8} {'stored':>8}")
        base = None
        for n in args.workers:
            round_dir = Path(tmp) / f"w{n}"
            round_dir.mkdir()
            elapsed, stored = run_round(server, users, n, args.database, redis.url, round_dir)
            base = base or elapsed
            flag = "" if stored == total else f"  (expected {total})"
            print(f"{n:>7} {elapsed:>8.1f} {total / elapsed:>8.0f} {base / elapsed:>7.2f}x {stored:>8}{flag}")
    redis.release()


if __name__ == "__main__":
    main()
