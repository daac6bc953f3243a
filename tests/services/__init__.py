"""Real services for the test suite: Dovecot IMAP, Redis, and a fault-injecting TCP proxy.

Each service lives in its own module (``dovecot``, ``redis_server``, ``tcp_proxy``); the
pytest fixtures that start them once per session are in ``fixtures`` and are loaded by
``tests/conftest.py`` through ``pytest_plugins``.
"""

from __future__ import annotations

import ctypes
import signal
import socket
import time

LOOPBACK = "127.0.0.1"
"""Every test service listens on IPv4 loopback only."""


def free_port(host: str = LOOPBACK) -> int:
    """Return a TCP port on *host* that nothing listens on right now.

    The kernel picks it (bind to port 0); there is a short window in which another process
    could take it, so callers that start a server retry on "address in use".
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]


def port_accepts(host: str, port: int, timeout: float = 0.2) -> bool:
    """Tell whether a TCP connection to (*host*, *port*) succeeds."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def wait_for_port(host: str, port: int, *, up: bool, timeout: float = 15.0) -> bool:
    """Wait until the port accepts connections (*up*) or refuses them; return success."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if port_accepts(host, port) == up:
            return True
        time.sleep(0.05)
    return port_accepts(host, port) == up


def die_with_parent() -> None:
    """``preexec_fn`` for servers we start: SIGTERM them when the test process dies.

    Linux's PR_SET_PDEATHSIG, so a killed pytest (CI timeout, Ctrl-C twice) leaves no
    server behind. It fires when the *thread* that started the child exits: start
    servers from the main thread (pytest fixtures do).
    """
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGTERM, 0, 0, 0)  # 1 = PR_SET_PDEATHSIG
    except OSError:
        pass
