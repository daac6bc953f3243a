"""A TCP proxy that cuts connections after a number of server→client bytes.

Used to drop an IMAP connection in the middle of a sync batch::

    proxy = CuttingProxy(dovecot.host, dovecot.port, cut_after_bytes=20_000, cut_connections=1)
    client = IMAPClient(proxy.host, proxy.port, ssl=False)  # first connection: cut after 20 kB
    ...                                            # raises IMAPClientAbortError / OSError
    client = IMAPClient(proxy.host, proxy.port, ssl=False)  # second connection: passes untouched
    proxy.close()

Which connections are cut, and where:

- ``cut_after_bytes=None``: never cut (a plain forwarder);
- an ``int`` N: cut once N bytes went from the server to the client (exactly N are
  delivered; 0 cuts at once, before the server's greeting);
- a sequence: element *i* is the limit for connection *i* (0-based), ``None`` in it or past
  its end means "do not cut";
- a callable ``f(i) -> int | None``;
- ``cut_connections=k`` limits any of the above to the first *k* connections.

``set_cut(...)`` changes the rule for connections accepted later. A cut closes both sides:
by default with a FIN (the client reads EOF: imaplib/imapclient raise
``IMAPClientAbortError`` "socket error: EOF"), with ``reset=True`` with an RST (the client
gets ``ConnectionResetError``). Counters: ``connections`` (accepted), ``cuts`` (cut so far),
``bytes_to_client`` (list, per connection).

One thread accepts; one thread per connection forwards both ways with a selector, so the
cut happens in the thread that owns both sockets.
"""

from __future__ import annotations

import selectors
import socket
import struct
import threading
from typing import Callable, Sequence, Union

from tests.services import LOOPBACK

CutRule = Union[None, int, Sequence[Union[int, None]], Callable[[int], Union[int, None]]]

CHUNK = 65536
"""Largest read from either side."""


class CuttingProxy:
    """Forward a loopback port to (*target_host*, *target_port*), cutting as told."""

    def __init__(
        self,
        target_host: str,
        target_port: int,
        cut_after_bytes: CutRule = None,
        *,
        cut_connections: int | None = None,
        reset: bool = False,
        host: str = LOOPBACK,
    ) -> None:
        self.target = (target_host, target_port)
        self.host = host
        self.reset = reset
        self._lock = threading.Lock()
        self._rule: CutRule = cut_after_bytes
        self._cut_connections = cut_connections
        self.connections = 0
        self.cuts = 0
        self.bytes_to_client: list[int] = []
        self._closed = threading.Event()
        self._threads: list[threading.Thread] = []
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self._listener.listen(64)
        self._listener.settimeout(0.1)
        self.port: int = self._listener.getsockname()[1]
        self._acceptor = threading.Thread(target=self._accept_loop, name=f"proxy-{self.port}", daemon=True)
        self._acceptor.start()

    def __enter__(self) -> "CuttingProxy":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def set_cut(self, cut_after_bytes: CutRule, cut_connections: int | None = None) -> None:
        """Change the rule for connections accepted from now on (indexes keep counting)."""
        with self._lock:
            self._rule = cut_after_bytes
            self._cut_connections = cut_connections

    def limit_for(self, index: int) -> int | None:
        """How many server→client bytes connection *index* may pass (None: unlimited)."""
        with self._lock:
            rule, first_k = self._rule, self._cut_connections
        if first_k is not None and index >= first_k:
            return None
        if rule is None or isinstance(rule, int):
            return rule
        if callable(rule):
            return rule(index)
        return rule[index] if index < len(rule) else None

    def close(self) -> None:
        """Stop accepting, drop every open connection, and wait for the threads."""
        self._closed.set()
        self._acceptor.join(timeout=5)
        self._listener.close()
        for thread in list(self._threads):
            thread.join(timeout=5)

    # ---- internals --------------------------------------------------------------------

    def _accept_loop(self) -> None:
        while not self._closed.is_set():
            try:
                client, _addr = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            with self._lock:
                index = self.connections
                self.connections += 1
                self.bytes_to_client.append(0)
            thread = threading.Thread(
                target=self._serve, args=(index, client), name=f"proxy-{self.port}-{index}", daemon=True
            )
            self._threads.append(thread)
            thread.start()

    def _cut(self, client: socket.socket, upstream: socket.socket) -> None:
        with self._lock:
            self.cuts += 1
        if self.reset:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        else:
            try:
                client.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        client.close()
        upstream.close()

    def _serve(self, index: int, client: socket.socket) -> None:
        client.setblocking(True)
        remaining = self.limit_for(index)
        try:
            upstream = socket.create_connection(self.target, timeout=10)
        except OSError:
            client.close()
            return
        if remaining == 0:
            self._cut(client, upstream)
            return
        selector = selectors.DefaultSelector()
        selector.register(client, selectors.EVENT_READ, upstream)
        selector.register(upstream, selectors.EVENT_READ, client)
        open_directions = 2
        try:
            while open_directions and not self._closed.is_set():
                for key, _mask in selector.select(timeout=0.1):
                    source: socket.socket = key.fileobj  # type: ignore[assignment]
                    dest: socket.socket = key.data
                    to_client = source is upstream
                    size = CHUNK if not to_client or remaining is None else min(CHUNK, remaining)
                    try:
                        data = source.recv(size)
                    except OSError:
                        data = b""
                    if not data:
                        selector.unregister(source)
                        open_directions -= 1
                        try:
                            dest.shutdown(socket.SHUT_WR)
                        except OSError:
                            pass
                        continue
                    try:
                        dest.sendall(data)
                    except OSError:
                        return
                    if to_client:
                        with self._lock:
                            self.bytes_to_client[index] += len(data)
                        if remaining is not None:
                            remaining -= len(data)
                            if remaining <= 0:
                                selector.close()
                                self._cut(client, upstream)
                                return
        finally:
            selector.close()
            client.close()
            upstream.close()
