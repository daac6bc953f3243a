"""Redis for tests: the one on 127.0.0.1:6379 when it answers PING, else our own redis-server.

``acquire_redis()`` returns a ``RedisForTests`` whose ``url`` names a dedicated database
number (15 by default): tests flush that database before each test and never touch the
others. Several test sessions on one machine (engineers working side by side) could flush
each other's data on the shared server, so each session claims its database with an
exclusive lock file in the temp dir (``followup-test-redis-PORT-dbN.lock``, released when
the process exits, even by a crash) and takes the next lower number (14, 13, …) when
another session holds it; when all of 15…8 are taken it starts a private server.

When nothing answers on 6379, a ``redis-server`` is started on a free loopback port with
``--save "" --appendonly no`` in its own dir and stopped at the end. When the binary is
missing and we are root, ``apt-get install -y redis-server`` installs it (Debian's
policy-rc.d usually keeps the package's own service from starting; if it does start it
is on 6379 and simply gets used next time). Otherwise a clear error names the package.

``FOLLOWUP_TEST_REDIS_URL`` overrides everything: the URL is used as given (its database
is flushed before each test, so point it at a database you do not care about).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests.services import LOOPBACK, die_with_parent, free_port, wait_for_port
from tests.services.dovecot import apt_install

REDIS_BINARY = "redis-server"
"""The server binary, looked up on PATH (Debian: /usr/bin/redis-server)."""

REDIS_PACKAGE = "redis-server"
"""The Debian package that brings it."""

DEFAULT_PORT = 6379
"""Where an already running Redis is looked for."""

TEST_DB = 15
"""The first database number tests claim; lower ones are tried when it is in use."""

LOWEST_TEST_DB = 8
"""Never go below this database number on a shared server."""

URL_ENV = "FOLLOWUP_TEST_REDIS_URL"
"""Environment variable that names the Redis (and database) to use instead."""


class RedisUnavailable(RuntimeError):
    """No Redis answers and none can be started here."""


def redis_answers(host: str, port: int, timeout: float = 0.5) -> bool:
    """Tell whether a Redis on (*host*, *port*) answers PING."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    # redis-py 8 retries a refused connection 3 times with backoff (~1.5 s): not here.
    client = redis.Redis(
        host=host, port=port, socket_timeout=timeout, socket_connect_timeout=timeout,
        retry=Retry(NoBackoff(), 0),
    )
    try:
        return bool(client.ping())
    except (redis.RedisError, OSError):
        return False
    finally:
        client.close()


def ensure_redis_server() -> str:
    """Return the path of redis-server, installing the Debian package as root if missing."""
    path = shutil.which(REDIS_BINARY) or ("/usr/bin/redis-server" if os.path.exists("/usr/bin/redis-server") else None)
    if path is None:
        try:
            apt_install(REDIS_PACKAGE, "/usr/bin/redis-server")
        except RuntimeError as exc:
            raise RedisUnavailable(
                f"no Redis answers on {LOOPBACK}:{DEFAULT_PORT} and redis-server is missing: "
                f"install it with `apt-get install -y {REDIS_PACKAGE}` or set {URL_ENV}\n{exc}"
            ) from exc
        path = "/usr/bin/redis-server"
    return path


class RedisServer:
    """A private redis-server on a free loopback port, with no persistence."""

    def __init__(self, root_dir: str | os.PathLike | None = None, host: str = LOOPBACK) -> None:
        self.host = host
        self.port: int | None = None
        self._own_dir = root_dir is None
        self.root = Path(root_dir or tempfile.mkdtemp(prefix="followup-redis-"))
        self._process: subprocess.Popen | None = None

    def start(self) -> "RedisServer":
        binary = ensure_redis_server()
        self.root.mkdir(parents=True, exist_ok=True)
        for _attempt in range(3):
            self.port = free_port(self.host)
            log = open(self.root / "redis.log", "ab")
            self._process = subprocess.Popen(
                [
                    binary, "--bind", self.host, "--port", str(self.port),
                    "--save", "", "--appendonly", "no", "--dir", str(self.root),
                    "--daemonize", "no", "--protected-mode", "yes",
                ],
                stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                start_new_session=True, preexec_fn=die_with_parent,
            )
            log.close()
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and self._process.poll() is None:
                if redis_answers(self.host, self.port, timeout=0.2):
                    return self
                time.sleep(0.05)
            self.stop()
        raise RedisUnavailable(
            f"redis-server did not start; its log:\n{(self.root / 'redis.log').read_text()[-3000:]}"
        )

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is not None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            if self.port is not None:
                wait_for_port(self.host, self.port, up=False, timeout=10)
        if self._own_dir:
            shutil.rmtree(self.root, ignore_errors=True)


@dataclass
class RedisForTests:
    """The Redis a test session uses: ``url`` ends in its own database number."""

    url: str
    db: int
    server: RedisServer | None = None
    _lock_file: object = field(default=None, repr=False)

    def connection(self):
        import redis

        return redis.Redis.from_url(self.url)

    def flush(self) -> None:
        """Empty this session's database (only that one)."""
        conn = self.connection()
        try:
            conn.flushdb()
        finally:
            conn.close()

    def release(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self._lock_file is not None:
            self._lock_file.close()
            self._lock_file = None


def _claim_db(host: str, port: int):
    """Lock a database number on a shared server; return (db, open lock file) or None."""
    for db in range(TEST_DB, LOWEST_TEST_DB - 1, -1):
        path = Path(tempfile.gettempdir()) / f"followup-test-redis-{port}-db{db}.lock"
        handle = open(path, "a")
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            continue
        return db, handle
    return None


def acquire_redis() -> RedisForTests:
    """Find or start the Redis for this test session (see the module docstring)."""
    override = os.environ.get(URL_ENV)
    if override:
        import redis

        conn = redis.Redis.from_url(override)
        db = conn.connection_pool.connection_kwargs.get("db", 0)
        conn.close()
        return RedisForTests(url=override, db=db)
    if redis_answers(LOOPBACK, DEFAULT_PORT):
        claimed = _claim_db(LOOPBACK, DEFAULT_PORT)
        if claimed is not None:
            db, handle = claimed
            return RedisForTests(f"redis://{LOOPBACK}:{DEFAULT_PORT}/{db}", db, None, handle)
    server = RedisServer().start()
    return RedisForTests(f"redis://{server.host}:{server.port}/{TEST_DB}", TEST_DB, server)


def redis_url() -> str:
    """The URL of a Redis for tests; a server started for it stops when the process exits."""
    import atexit

    handle = acquire_redis()
    atexit.register(handle.release)
    return handle.url
