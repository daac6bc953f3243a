"""Speed of the follow-ups page: requests/s and p50/p99 latency under concurrent clients.

    .venv/bin/python bench/web.py [--tasks 10000] [--clients 50] [--duration 20]
                                  [--server granian|gunicorn|werkzeug] [--peer gunicorn|...|none]
                                  [--workers 2] [--threads N] [--client wrk|python]
                                  [--database-url URL]

Fills a fresh database (SQLite in a temp dir unless --database-url) with one user who has
`--tasks` open follow-ups (each with its thread, trigger message and contact), starts the
web app in its own process (granian, as deployed; then gunicorn, the usual WSGI server, as
the peer), signs in, and lets `--clients` concurrent clients fetch the follow-ups page (`/`,
the first page, most urgent first) for `--duration` seconds after a short warm-up. The
load comes from `wrk` when it is installed (C, cheap on a small machine), else from Python
threads. Prints, for each server, requests/s, p50/p99 latency, the servers' CPU time per
request (which hardly depends on other work on the machine) and the error count.
"""

from __future__ import annotations

import argparse
import os
import random
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from followup.db.accounts import create_account  # noqa: E402
from followup.db.session import open_database, session_scope  # noqa: E402
from followup.db.models import Contact, FollowUpTask, Message, Thread  # noqa: E402
from followup.domain.vocabulary import TaskKind, TaskStatus
from followup.db.users import create_user  # noqa: E402

EMAIL = "bench@example.com"
PASSWORD = "bench-password-123"
NOW = datetime(2026, 3, 10, 9, 0, tzinfo=timezone.utc)
KINDS = [TaskKind.AWAITING_REPLY] * 5 + [TaskKind.NEEDS_REPLY] * 3 + [
    TaskKind.POST_SALE_CHECKIN, TaskKind.COMPLAINT, TaskKind.DORMANT_CUSTOMER]
LABELS = ["inquiry", "sale", "complaint", "other"]


def fill(database_url: str, tasks: int, secret_key: str) -> None:
    engine = open_database(database_url)
    rng = random.Random(7)
    with session_scope(engine) as session:
        user = create_user(session, EMAIL, PASSWORD, display_name="Bench Rep")
        account = create_account(session, secret_key, user=user, addresses=[EMAIL])
        user_id, account_id = user.id, account.id
    started = time.perf_counter()
    with engine.begin() as conn:
        contacts = [{"account_id": account_id, "email": f"buyer{i}@customer{i % 400}.example",
                     "name": f"Buyer {i}", "company": f"Customer {i % 400} Ltd"} for i in range(tasks // 5 or 1)]
        conn.execute(insert(Contact), contacts)
        contact_ids = [r[0] for r in conn.execute(Contact.__table__.select().with_only_columns(Contact.id))]
        threads = []
        for i in range(tasks):
            when = NOW - timedelta(hours=rng.randint(1, 24 * 60))
            threads.append({"account_id": account_id, "subject": f"Quote for {rng.randint(10, 900)} units #{i}",
                            "first_message_at": when, "last_message_at": when, "message_count": 1,
                            "needs_detection": False, "updated_at": when})
        conn.execute(insert(Thread), threads)
        thread_rows = list(conn.execute(
            Thread.__table__.select().with_only_columns(Thread.id, Thread.last_message_at).order_by(Thread.id)))
        messages = [{"account_id": account_id, "thread_id": tid, "message_id_header": f"bench-{tid}@example",
                     "content_hash": f"{tid:064d}", "direction": "inbound", "from_addr": f"buyer{tid}@example.com",
                     "from_name": f"Buyer {tid}", "subject": "Quote", "sent_at": at,
                     "body_text": "Could you send me a price for 500 chairs?", "quoted_text": "",
                     "label": rng.choice(LABELS),
                     "confidence": 0.9, "references": [], "to_addrs": [EMAIL], "cc_addrs": [],
                     "attachments": [], "parse_warnings": [], "evidence": []}
                    for tid, at in thread_rows]
        conn.execute(insert(Message), messages)
        message_ids = [r[0] for r in conn.execute(
            Message.__table__.select().with_only_columns(Message.id).order_by(Message.thread_id))]
        rows = []
        for (tid, at), mid in zip(thread_rows, message_ids):
            kind = rng.choice(KINDS)
            days = rng.randint(1, 20)
            rows.append({"account_id": account_id, "user_id": user_id, "thread_id": tid, "trigger_message_id": mid,
                         "contact_id": rng.choice(contact_ids), "key": f"{kind}:thread:{tid}", "kind": kind,
                         "status": TaskStatus.OPEN, "due_at": at + timedelta(days=rng.randint(1, 7)),
                         "priority": rng.randint(0, 5), "reason": "", "created_at": at, "updated_at": at,
                         "nudge": f"No reply in {days} days — Buyer {tid} about “Quote #{tid}”"})
        conn.execute(insert(FollowUpTask), rows)
    with engine.begin() as conn:  # statistics for the planner, as a live database has them
        conn.exec_driver_sql("ANALYZE")
    print(f"filled {tasks} tasks (threads, messages, contacts) in {time.perf_counter() - started:.1f} s")
    engine.dispose()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(kind: str, port: int, env: dict, workers: int, threads: int, log: Path) -> subprocess.Popen:
    if kind == "gunicorn":
        # gthread even with one thread: it keeps connections alive, as a browser's are.
        command = [str(Path(sys.executable).with_name("gunicorn")), "--worker-class", "gthread",
                   "--workers", str(workers), "--threads", str(threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
                   "--backlog", "1024", "web:create_app()"]
    elif kind == "granian":
        command = [str(Path(sys.executable).with_name("granian")), "--interface", "wsgi", "--factory",
                   "--workers", str(workers), "--blocking-threads", str(threads), "--host", "127.0.0.1",
                   "--port", str(port), "--log-level", "warning", "--backlog", "1024", "web:create_app"]
    else:
        code = ("from werkzeug.serving import run_simple; from web import create_app; "
                f"run_simple('127.0.0.1', {port}, create_app(), threaded=True)")
        command = [sys.executable, "-c", code]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"),
                               start_new_session=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/login", timeout=15).status_code == 200:
                return process
        except (requests.ConnectionError, requests.Timeout):
            time.sleep(0.2)
        if process.poll() is not None:
            raise SystemExit(f"the server exited: {log.read_text()[-2000:]}")
    raise SystemExit("the server did not start within 30 s")


def cpu_seconds(group: int) -> float:
    """User + system CPU time of the live processes of a process group (the server and its
    workers), from /proc: unlike requests/s, it hardly depends on what else the machine runs."""
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == group:  # fields[2] is the process group id
            total += int(fields[11]) + int(fields[12])  # utime, stime in clock ticks
    return total / os.sysconf("SC_CLK_TCK")


def sign_in(base: str) -> str:
    """The session cookie of a signed-in browser."""
    session = requests.Session()
    page = session.get(f"{base}/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = session.post(f"{base}/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": token},
                            allow_redirects=False)
    assert response.status_code == 302, response.text
    first = session.get(f"{base}/")
    assert first.status_code == 200 and first.text.count('class="task ') > 0, "the list is empty"
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def run_wrk(url: str, cookie: str, clients: int, duration: int) -> dict:
    threads = min(clients, os.cpu_count() or 2)
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{duration}s", "--latency",
                          "--timeout", "30s",
                          "-H", f"Cookie: {cookie}", url], capture_output=True, text=True, check=True).stdout

    def millis(label: str) -> float:
        value, unit = re.search(rf"^\s+{label}%\s+([\d.]+)(us|ms|s)\s*$", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    total = int(re.search(r"(\d+) requests in", out).group(1))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    return {"requests": total, "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
            "p50": millis("50"), "p99": millis("99"),
            "errors": (int(non_2xx.group(1)) if non_2xx else 0)
            + (sum(map(int, socket_errors.groups())) if socket_errors else 0)}


def run_python(url: str, cookie: str, clients: int, duration: int) -> dict:
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.perf_counter() + duration

    def client() -> None:
        session = requests.Session()
        session.headers["Cookie"] = cookie
        mine = []
        while time.perf_counter() < stop:
            started = time.perf_counter()
            try:
                ok = session.get(url, timeout=30).status_code == 200
            except requests.RequestException:
                ok = False
            mine.append((time.perf_counter() - started) * 1000)
            if not ok:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    began = time.perf_counter()
    workers = [threading.Thread(target=client) for _ in range(clients)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    cuts = statistics.quantiles(latencies, n=100)
    return {"requests": len(latencies), "rps": len(latencies) / elapsed, "p50": cuts[49], "p99": cuts[98],
            "errors": errors[0]}


THREADS = {"granian": 1, "gunicorn": 2, "werkzeug": 0}  # the best of 1, 2, 4, 8 measured for each


def describe(server: str, workers: int, threads: int) -> str:
    if server == "granian":
        return f"granian {workers} workers x {threads} blocking thread{'s' if threads > 1 else ''}"
    if server == "gunicorn":
        return f"gunicorn gthread {workers} workers x {threads} threads"
    return "werkzeug threaded"


def measure(server: str, args, env: dict, workdir: Path) -> dict:
    threads = args.threads or THREADS[server]
    port = free_port()
    log = workdir / f"{server}.log"
    process = start_server(server, port, env, args.workers, threads, log)
    try:
        base = f"http://127.0.0.1:{port}"
        cookie = sign_in(base)
        run = run_wrk if args.client == "wrk" else run_python
        run(f"{base}/", cookie, args.clients, 3)  # warm-up: connections, caches, compiled templates
        load_before = os.getloadavg()[0]  # other work on the machine skews the figures
        cpu_before = cpu_seconds(process.pid)
        result = run(f"{base}/", cookie, args.clients, args.duration)
        result["server_cpu_ms"] = (cpu_seconds(process.pid) - cpu_before) * 1000 / max(result["requests"], 1)
        if result["errors"]:
            print("server log (last lines):\n" + "\n".join(log.read_text().splitlines()[-20:]))
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    return {**result, "server": describe(server, args.workers, threads), "load": load_before}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=10_000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--server", choices=list(THREADS), default="granian", help="as deployed: granian")
    parser.add_argument("--peer", choices=[*THREADS, "none"], default="gunicorn",
                        help="measured the same way, side by side (default gunicorn)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=0, help="per worker (default: the best for each server)")
    parser.add_argument("--client", choices=["wrk", "python"], default="wrk" if shutil.which("wrk") else "python")
    parser.add_argument("--database-url", default=None, help="an empty database (default: SQLite in a temp dir)")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="followup-bench-web-"))
    secret_key = "bench-secret-key-0123456789abcdef"
    database_url = args.database_url or f"sqlite:///{workdir / 'followup.db'}"
    fill(database_url, args.tasks, secret_key)
    env = {**os.environ, "FOLLOWUP_DATA_DIR": str(workdir), "FOLLOWUP_DATABASE_URL": database_url,
           "FOLLOWUP_SECRET_KEY": secret_key}
    env.pop("FOLLOWUP_REDIS_URL", None)
    servers = [args.server] + ([args.peer] if args.peer not in ("none", args.server) else [])
    try:
        results = [measure(server, args, env, workdir) for server in servers]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print(f"follow-ups page, {args.tasks} open tasks, {args.clients} concurrent clients, {args.duration} s each, "
          f"{'SQLite' if database_url.startswith('sqlite') else 'PostgreSQL'}, load from {args.client}, "
          f"{os.cpu_count()} CPUs; target p99 < 150 ms")
    print(f"{'server':<44} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'CPU ms/req':>11} {'errors':>7} {'load':>5}")
    for r in results:
        print(f"{r['server']:<44} {r['rps']:>8.1f} {r['p50']:>8.1f} {r['p99']:>8.1f} {r['server_cpu_ms']:>11.2f} "
              f"{r['errors']:>7} {r['load']:>5.1f}")


if __name__ == "__main__":
    main()
