"""What a no-change `followup sync --all` costs beyond the command's own start-up.

    .venv/bin/python bench/sync_nochange.py [--count 500] [--runs 7] [--writeback]

Starts a throwaway Dovecot on loopback (tests/services/dovecot.py), fills INBOX and Sent
with `--count` messages (the generator of bench/sync.py), runs a first `followup sync --all`
(classifier and detection included) so that everything is stored, then alternates, `--runs`
times, fresh processes of `followup --help` (interpreter, imports of the command line) and
`followup sync --all` with nothing new on the server. Prints both medians and the difference.
With `--writeback` the account has write-back on (the keyword pass then runs every time).
Target (issue 20): the difference < 0.5 s; the no-change sync must not load spaCy.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.services.dovecot import DovecotServer  # noqa: E402

# bench/ is not a package: load the sync bench's mail generator by path.
_spec = importlib.util.spec_from_file_location("bench_sync", ROOT / "bench" / "sync.py")
bench_sync = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_sync)


CPU = {"last": 0.0}


def timed(cmd: list[str], env: dict) -> tuple[float, str]:
    """Wall time and stdout; the child's CPU time (user + system) goes to CPU["last"]: on a
    shared machine the wall time swings with the load, the CPU time much less."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    result = subprocess.run(cmd, capture_output=True, text=True, env=env)
    elapsed = time.perf_counter() - t
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU["last"] = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed ({result.returncode}):\n{result.stdout[-2000:]}\n{result.stderr[-3000:]}")
    return elapsed, result.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--profile", type=Path, default=None, help="Also write a cProfile of one no-change sync here.")
    parser.add_argument("--writeback", action="store_true", help="Switch write-back on for the account.")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="followup-bench-nochange-"))
    os.chmod(work, 0o755)
    server = DovecotServer(work / "dovecot").start()
    try:
        user, password = "bench", "bench-password"
        server.add_user(user, password)
        n_inbox, n_sent, _ = bench_sync.fill(server, user, args.count)
        env = {k: v for k, v in os.environ.items() if not k.startswith("FOLLOWUP_")}
        env.update(FOLLOWUP_DATA_DIR=str(work / "data"), FOLLOWUP_SECRET_KEY=bench_sync.SECRET_KEY)
        followup = str(Path(sys.executable).with_name("followup"))
        subprocess.run([followup, "user", "add", bench_sync.OWN], input="bench-password-123\n", text=True,
                       env=env, check=True, capture_output=True)
        subprocess.run(
            [followup, "account", "add", "--user", bench_sync.OWN, "--imap-host", server.host,
             "--port", str(server.port), "--security", "none", "--login", user, "--address", bench_sync.OWN,
             "--internal-domain", "acme.example",
             "--since", (datetime.now(timezone.utc) - timedelta(days=365)).strftime("%Y-%m-%d"), "--json",
             *(["--writeback"] if args.writeback else [])],
            input=password + "\n", text=True, env=env, check=True, capture_output=True)
        first, _ = timed([followup, "sync", "--all", "--json"], env)
        print(f"Dovecot on {server.host}:{server.port}: {n_inbox + n_sent} messages; first `followup sync --all` "
              f"(classifier + detection) {first:.2f}s; {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.1f}")

        helps, syncs, help_cpu, sync_cpu = [], [], [], []
        for _ in range(args.runs):
            helps.append(timed([followup, "--help"], env)[0])
            help_cpu.append(CPU["last"])
            elapsed, out = timed([followup, "sync", "--all", "--json"], env)
            syncs.append(elapsed)
            sync_cpu.append(CPU["last"])
        [report] = json.loads(out)
        med = statistics.median
        help_t, sync_t = med(helps), med(syncs)
        print(f"median of {args.runs}: `followup --help` {help_t:.3f}s wall ({med(help_cpu):.3f}s CPU), "
              f"no-change `followup sync --all` {sync_t:.3f}s wall ({med(sync_cpu):.3f}s CPU)")
        print(f"no-change sync beyond start-up: {sync_t - help_t:.3f}s wall, {med(sync_cpu) - med(help_cpu):.3f}s CPU "
              f"(target < 0.5 s); load {os.getloadavg()[0]:.1f}")
        traced = subprocess.run([sys.executable, "-X", "importtime", followup, "sync", "--all", "--json"],
                                capture_output=True, text=True, env=env)
        loaded = re.search(r"\|\s+spacy$", traced.stderr, re.M)
        print(f"spaCy imported by a no-change sync: {'yes' if loaded else 'no'}")
        if args.profile:
            subprocess.run([sys.executable, "-m", "cProfile", "-o", str(args.profile), followup, "sync", "--all"],
                           capture_output=True, env=env, check=True)
        pipeline = report["pipeline"]
        print(f"inside the last no-change sync: IMAP {report['seconds']:.3f}s, detection "
              f"{pipeline['detection']['seconds']:.3f}s over {pipeline['detection']['threads']} threads, "
              f"write-back {json.dumps(pipeline['nudges']['writeback'])}")
        if os.environ.get("PYTHONDONTWRITEBYTECODE"):
            print("PYTHONDONTWRITEBYTECODE is set: each process compiles the project's modules from source")
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
