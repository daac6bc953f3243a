"""A throwaway Dovecot IMAP server for tests, with its own config, users and Maildirs.

``DovecotServer(tmpdir).start()`` writes ``tmpdir/dovecot.conf`` and runs
``/usr/sbin/dovecot -F -c tmpdir/dovecot.conf`` on two free loopback ports: ``port``
(plain IMAP, STARTTLS offered) and ``ssl_port`` (implicit TLS). Nothing in /etc is read,
so Debian's packaged dovecot service (which may or may not be running on 143/993) never
matters; we neither use nor stop it.

Facts about Dovecot 2.3 (Debian 12) that this module relies on:

- Installing: ``apt-get install -y dovecot-imapd`` gives ``/usr/sbin/dovecot``.
  ``ensure_dovecot()`` does that when the binary is missing and we are root (running
  ``apt-get update`` first only if the plain install fails); otherwise it fails with a
  message naming the package. Debian's policy-rc.d in containers usually stops the
  package's postinst from starting the system service; if it does start, it only holds
  143/993, which we never use.
- As root, Dovecot refuses to access mail as uid 0, so mail runs as ``nobody``
  (userdb ``default_fields uid=… gid=…``), ``default_internal_user = dovecot``,
  ``default_login_user = dovenull``. The auth process (user ``dovecot``) must read the
  passwd-file and the ``imap`` process (user ``nobody``) must reach the home dirs, so every
  parent of the temp dir must be traversable by others: a 0700 dir (mktemp, pytest's
  ``/tmp/pytest-of-root``) gives "Temporary authentication failure" at LOGIN. The class
  adds o+x to the parents that lack it and makes its own dir 0755. pytest's ``tmp_path``
  cannot be used: pytest chmods ``/tmp/pytest-of-USER`` back to 0700 at the start of
  every session, another engineer's included, so the class refuses such a dir.
- A ``passwd-file`` is re-checked (stat) at most once per second, so a user appended to a
  shared file can fail LOGIN in that same second. Here each user has a file of its own
  (``passwd/NAME`` holding ``name:{PLAIN}password::::::``; passdb/userdb ``args`` end in
  ``%u``): a new user's file is read on first use, so ``add_user`` takes effect at once.
  ``set_password`` of an existing user needs that second and waits it out.
- ``auth_failure_delay`` (2 s by default) is set to 0, and the auth penalty is off
  (``anvil-auth-penalty`` listener ``mode = 0``, Dovecot's documented switch): with it,
  the first login from 127.0.0.1 after a failed one waited ~4 s.
- ``chroot =`` must be empty for ``imap-login`` and ``anvil`` (a chroot into our temp dir
  would need a full tree there).
- Default ``mail_max_userip_connections`` is 10 per user and IP; tests open many, so it is
  raised to 1000 here.
- Works unprivileged as well (tried as uid 65534): then mail, login and internal users are
  all the current user.
- Capabilities after login include IDLE, CONDSTORE, QRESYNC, SPECIAL-USE, MOVE, UIDPLUS,
  MULTIAPPEND, ESEARCH; not X-GM-EXT-1, not COMPRESS. The hierarchy separator is "/".
- Special-use mailboxes Sent, Drafts, Trash, Junk and Archive are declared with
  ``auto = subscribe``: they exist (and are subscribed) for every user from the first login.
- SELECT reports HIGHESTMODSEQ only once CONDSTORE is enabled in the session
  (``client.enable("CONDSTORE")``); ``STATUS (HIGHESTMODSEQ)`` works without it.
- UIDVALIDITY is time-based: deleting and recreating a folder gives a new one.
- Stopping: SIGTERM to the pid in ``base_dir/master.pid``, then wait until the ports refuse
  connections. With ``-F`` the master is our child, so we also reap it. The master closes
  its listeners ~1.2 s after SIGTERM but exits only when every login process is gone, and
  an imap-login still waiting on a client (even our port probe) lingers ~6 s; so after
  1.5 s the remaining process group is SIGKILLed.
- ``stats_writer_socket_path`` is emptied: otherwise login processes started as root wait
  5 s for a stats-writer handshake at shutdown and log "Timeout waiting for handshake".
"""

from __future__ import annotations

import atexit
import datetime as dt
import os
import pwd
import grp
import re
import shutil
import signal
import ssl
import stat
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from tests.services import LOOPBACK, die_with_parent, free_port, port_accepts, wait_for_port

DOVECOT_BINARY = "/usr/sbin/dovecot"
"""Where Debian's dovecot-core puts the server binary."""

DOVECOT_PACKAGE = "dovecot-imapd"
"""The Debian package that brings the binary and the IMAP service."""

DH_PARAMS = "/usr/share/dovecot/dh.pem"
"""Diffie-Hellman parameters shipped by dovecot-core (``ssl_dh`` in 2.3)."""

START_TIMEOUT = 20.0
"""Seconds to wait for both listeners to accept connections after starting."""

GRACE_SECONDS = 1.5
"""Seconds the master gets to exit after SIGTERM before its process group is killed."""

STOP_TIMEOUT = 15.0
"""Seconds to wait for the master to exit and the ports to be free after SIGTERM."""

SPECIAL_USE = {
    "Sent": "\\Sent",
    "Drafts": "\\Drafts",
    "Trash": "\\Trash",
    "Junk": "\\Junk",
    "Archive": "\\Archive",
}
"""Mailboxes every user gets, with their RFC 6154 special-use attribute."""


class DovecotUnavailable(RuntimeError):
    """Dovecot is not installed and cannot be installed here."""


class DovecotStartError(RuntimeError):
    """Dovecot did not come up; the message carries the tail of its log."""


def _apt_get(*args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    return subprocess.run(
        ["apt-get", "-o", "DPkg::Lock::Timeout=600", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def apt_install(package: str, binary: str) -> None:
    """Install a Debian *package* as root so that *binary* exists; raise on failure.

    Tries the install first and runs ``apt-get update`` only when that fails (a fresh
    container has empty package lists).
    """
    if os.geteuid() != 0:
        raise DovecotUnavailable(
            f"{binary} is missing; install it with `sudo apt-get install -y {package}` "
            "(the test harness installs it by itself only when it runs as root)"
        )
    result = _apt_get("install", "-y", "--no-install-recommends", package)
    if result.returncode != 0 or not os.path.exists(binary):
        update = _apt_get("update")
        result = _apt_get("install", "-y", "--no-install-recommends", package)
        if result.returncode != 0 or not os.path.exists(binary):
            raise DovecotUnavailable(
                f"`apt-get install -y {package}` failed, so {binary} is missing:\n"
                f"{update.stdout[-1500:]}\n{result.stdout[-3000:]}"
            )


def ensure_dovecot() -> str:
    """Return the path of the dovecot binary, installing ``dovecot-imapd`` if root needs to."""
    if not os.path.exists(DOVECOT_BINARY):
        apt_install(DOVECOT_PACKAGE, DOVECOT_BINARY)
    return DOVECOT_BINARY


def make_self_signed_cert(directory: Path, common_name: str = "localhost") -> tuple[Path, Path]:
    """Write ``cert.pem`` and ``key.pem`` (EC P-256, 10 years) into *directory*.

    The certificate names DNS:localhost and IP:127.0.0.1 in subjectAltName and is its own
    CA, so ``ssl.create_default_context(cafile=cert)`` verifies it for either name.
    """
    directory.mkdir(parents=True, exist_ok=True)
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run(
        [
            "openssl", "req", "-x509", "-nodes", "-days", "3650",
            "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
            "-keyout", str(key), "-out", str(cert),
            "-subj", f"/CN={common_name}",
            "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1",
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,digitalSignature,keyCertSign",
            "-addext", "extendedKeyUsage=serverAuth",
        ],
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    os.chmod(key, 0o600)
    os.chmod(cert, 0o644)
    return cert, key


def make_traversable(path: Path) -> None:
    """Add the others' execute bit to *path* and each of its parents that lacks it."""
    for part in [path, *path.parents]:
        mode = part.stat().st_mode
        if not mode & stat.S_IXOTH:
            os.chmod(part, stat.S_IMODE(mode) | stat.S_IXOTH)


_USER_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]*")


@dataclass(frozen=True)
class MailIdentity:
    """Which system user and group own the mail of every test user."""

    uid: int
    gid: int
    internal_user: str
    login_user: str


def _mail_identity() -> MailIdentity:
    if os.geteuid() == 0:
        nobody = pwd.getpwnam("nobody")
        return MailIdentity(nobody.pw_uid, nobody.pw_gid, "dovecot", "dovenull")
    me = pwd.getpwuid(os.geteuid()).pw_name
    return MailIdentity(os.geteuid(), os.getegid(), me, me)


def _appended_uids(response) -> list[int]:
    """The UIDs named by an ``[APPENDUID validity 4:6,9]`` response code.

    ``append`` returns the tagged line as bytes; ``multiappend`` returns
    ``("OK", [line])``.
    """
    if isinstance(response, tuple):
        response = b" ".join(line for line in response[1] if isinstance(line, bytes))
    match = re.search(rb"\[APPENDUID \d+ ([\d:,]+)\]", response or b"")
    if not match:
        return []
    uids: list[int] = []
    for part in match.group(1).split(b","):
        low, _, high = part.partition(b":")
        uids.extend(range(int(low), int(high or low) + 1))
    return uids


class DovecotServer:
    """A Dovecot IMAP server living entirely in *root_dir*.

    Without *root_dir* it makes its own under the system temp dir, deleted on leaving the
    ``with`` block or by ``remove_all()``. Not under pytest's ``tmp_path`` (see
    ``__init__``'s error). Use as a context manager or call ``start()``/``stop()``. Attributes: ``host``,
    ``port`` (plain IMAP), ``ssl_port`` (implicit TLS), ``cafile`` (the self-signed
    certificate, to verify TLS against), ``users`` (name → password).
    """

    def __init__(self, root_dir: str | os.PathLike | None = None, host: str = LOOPBACK) -> None:
        self._own_dir = root_dir is None
        if root_dir is None:
            root_dir = tempfile.mkdtemp(prefix="followup-dovecot-")
        self.root = Path(root_dir).resolve()
        if any(part.name.startswith("pytest-of-") for part in self.root.parents):
            raise ValueError(
                f"{self.root} is under pytest's basetemp, which pytest chmods back to 0700 "
                "at the start of every session (also other people's), and Dovecot's "
                "unprivileged processes must traverse every parent: use "
                "DovecotServer() (own dir under the system temp dir) or tempfile.mkdtemp()"
            )
        self.host = host
        self.port: int | None = None
        self.ssl_port: int | None = None
        self.users: dict[str, str] = {}
        self.identity = _mail_identity()
        self.base_dir = self.root / "run"
        self.state_dir = self.root / "state"
        self.home_root = self.root / "home"
        self.passwd_dir = self.root / "passwd"
        self.config_file = self.root / "dovecot.conf"
        self.log_file = self.root / "dovecot.log"
        self.cafile: Path | None = None
        self._process: subprocess.Popen | None = None
        self._prepared = False

    # ---- life cycle -------------------------------------------------------------------

    def __enter__(self) -> "DovecotServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        if self._own_dir:
            self.remove_all()
        else:
            self.stop()

    def _prepare(self) -> None:
        ensure_dovecot()
        self.root.mkdir(parents=True, exist_ok=True)
        os.chmod(self.root, 0o755)
        make_traversable(self.root)
        for directory in (self.state_dir, self.home_root, self.passwd_dir):
            directory.mkdir(exist_ok=True)
            os.chmod(directory, 0o755)
        os.chown(self.home_root, self.identity.uid, self.identity.gid)
        cert, key = make_self_signed_cert(self.root / "ssl")
        self.cafile = cert
        self._prepared = True

    def config_text(self) -> str:
        """The dovecot.conf this server runs with."""
        ident = self.identity
        dh = f"ssl_dh = <{DH_PARAMS}\n" if os.path.exists(DH_PARAMS) else ""
        mailboxes = "".join(
            f"  mailbox {name} {{\n    special_use = {attr}\n    auto = subscribe\n  }}\n"
            for name, attr in SPECIAL_USE.items()
        )
        return f"""# Written by tests/services/dovecot.py; nothing from /etc is read.
base_dir = {self.base_dir}
state_dir = {self.state_dir}
instance_name = followup-test-{self.port}
log_path = {self.log_file}
protocols = imap
listen = {self.host}
shutdown_clients = yes
stats_writer_socket_path =

default_internal_user = {ident.internal_user}
default_internal_group = {grp.getgrgid(pwd.getpwnam(ident.internal_user).pw_gid).gr_name}
default_login_user = {ident.login_user}
first_valid_uid = {min(ident.uid, 500)}
first_valid_gid = {min(ident.gid, 1)}

ssl = yes
ssl_cert = <{self.cafile}
ssl_key = <{self.root / "ssl" / "key.pem"}
{dh}disable_plaintext_auth = no
auth_mechanisms = plain login
auth_verbose = yes
auth_failure_delay = 0

mail_location = maildir:~/Maildir
mail_fsync = never
mail_max_userip_connections = 1000

passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.passwd_dir}/%u
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {self.passwd_dir}/%u
  default_fields = uid={ident.uid} gid={ident.gid} home={self.home_root}/%u
}}

namespace inbox {{
  inbox = yes
  separator = /
  prefix =
{mailboxes}}}

protocol imap {{
  mail_max_userip_connections = 1000
}}

service imap-login {{
  chroot =
  inet_listener imap {{
    address = {self.host}
    port = {self.port}
  }}
  inet_listener imaps {{
    address = {self.host}
    port = {self.ssl_port}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""

    def start(self) -> "DovecotServer":
        """Write the config and start the server on free ports (kept across restarts)."""
        if not self._prepared:
            self._prepare()
        keep_ports = self.port is not None
        for attempt in range(3):
            if not keep_ports:
                self.port, self.ssl_port = free_port(self.host), free_port(self.host)
                while self.ssl_port == self.port:
                    self.ssl_port = free_port(self.host)
            self.config_file.write_text(self.config_text())
            try:
                self._launch()
                return self
            except DovecotStartError:
                if keep_ports or attempt == 2 or "in use" not in self.log_tail():
                    raise
        return self

    def _launch(self) -> None:
        log_offset = self.log_file.stat().st_size if self.log_file.exists() else 0
        with open(self.root / "dovecot.stdout", "ab") as out:
            self._process = subprocess.Popen(
                [DOVECOT_BINARY, "-F", "-c", str(self.config_file)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                preexec_fn=die_with_parent,
            )
        atexit.register(self.stop)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            if port_accepts(self.host, self.port) and port_accepts(self.host, self.ssl_port):
                return
            time.sleep(0.05)
        self.stop()
        raise DovecotStartError(
            f"dovecot did not start on {self.host}:{self.port}/{self.ssl_port}:\n"
            f"{self.log_tail(since=log_offset)}"
        )

    def log_tail(self, since: int = 0, chars: int = 4000) -> str:
        """The end of the server log (and of its stdout), for error messages."""
        text = ""
        for path in (self.log_file, self.root / "dovecot.stdout"):
            if path.exists():
                with open(path, "rb") as fh:
                    fh.seek(since if path == self.log_file else 0)
                    text += fh.read().decode("utf-8", "replace")[-chars:]
        return text

    @property
    def pid(self) -> int | None:
        """The master's pid from ``base_dir/master.pid``, or None when not running."""
        try:
            return int((self.base_dir / "master.pid").read_text().strip())
        except (OSError, ValueError):
            return None

    @property
    def running(self) -> bool:
        return self._process is not None and self._process.poll() is None

    def stop(self) -> None:
        """SIGTERM the master (pid from master.pid); wait for the ports to free.

        The master exits at once only when no login process is left: one still waiting for
        its client (a half-open TLS handshake, a port probe) holds it up to ~6 s. After
        ``GRACE_SECONDS`` the rest of the process group (the master runs in a session of
        its own) is killed with SIGKILL; mail is on disk by then (each APPEND/STORE is
        written before its tagged OK).
        """
        process, self._process = self._process, None
        if process is None:
            return
        atexit.unregister(self.stop)
        pid = self.pid or process.pid
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            process.wait(timeout=GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            pass
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=STOP_TIMEOUT)
        for port in (self.port, self.ssl_port):
            if port is not None:
                wait_for_port(self.host, port, up=False, timeout=STOP_TIMEOUT)

    def restart(self) -> "DovecotServer":
        """Stop and start again on the same ports; users and mail are kept.

        Open client sessions are dropped: their next command raises
        ``IMAPClientAbortError`` ("socket error: EOF"). Do not restart the session-wide
        ``dovecot`` fixture (other tests' connections would break): make a server of
        your own for that.
        """
        self.stop()
        return self.start()

    # ---- users and mail ---------------------------------------------------------------

    def add_user(self, name: str, password: str) -> None:
        """Create a user; it can log in at once, without a reload.

        Each user has a passwd-file of its own (``passwd/NAME``, the passdb path holds
        ``%u``): Dovecot re-checks a passwd-file at most once per second, so appending to
        one shared file is not seen by a login in the same second; a new file is read on
        first use.
        """
        if not _USER_NAME.fullmatch(name):
            raise ValueError(f"test user names match {_USER_NAME.pattern}: {name!r}")
        if ":" in password or "\n" in password:
            raise ValueError("passwords may not contain ':' or newlines")
        if not self._prepared:
            self._prepare()
        self.users[name] = password
        self._write_passwd(name)

    def set_password(self, name: str, password: str) -> None:
        """Change a user's password (for tests of authentication failures).

        Takes up to a second to be seen (Dovecot's once-per-second passwd-file check), so
        this waits for the next second before returning.
        """
        if name not in self.users:
            raise KeyError(name)
        self.users[name] = password
        self._write_passwd(name)
        time.sleep(1.1)

    def _write_passwd(self, name: str) -> None:
        # Written whole and renamed, so the auth process never reads half a file.
        path = self.passwd_dir / name
        tmp = self.passwd_dir / f".{name}.tmp"
        tmp.write_text(f"{name}:{{PLAIN}}{self.users[name]}::::::\n")
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)

    def home(self, user: str) -> Path:
        """The user's home dir; mail is in ``home(user) / "Maildir"``."""
        return self.home_root / user

    def client(self, user: str, *, tls: bool = False, timeout: float = 30.0):
        """A logged-in ``imapclient.IMAPClient`` for *user*.

        Plain IMAP on ``port`` by default; with *tls*, implicit TLS on ``ssl_port`` to
        "localhost", verified against ``cafile``.
        """
        import imapclient

        if tls:
            context = ssl.create_default_context(cafile=str(self.cafile))
            conn = imapclient.IMAPClient(
                "localhost", self.ssl_port, ssl=True, ssl_context=context, timeout=timeout
            )
        else:
            conn = imapclient.IMAPClient(self.host, self.port, ssl=False, timeout=timeout)
        try:
            conn.login(user, self.users[user])
        except Exception:
            conn.shutdown()
            raise
        return conn

    def append(
        self,
        user: str,
        folder: str,
        raw: bytes,
        flags: Iterable[bytes | str] = (),
        msg_time: dt.datetime | None = None,
    ) -> int | None:
        """APPEND *raw* to *folder*; return the new message's UID (from APPENDUID)."""
        conn = self.client(user)
        try:
            response = conn.append(folder, raw, flags=tuple(flags), msg_time=msg_time)
        finally:
            conn.logout()
        uids = _appended_uids(response)
        return uids[0] if uids else None

    def append_many(
        self,
        user: str,
        folder: str,
        messages: Iterable[bytes | dict],
        batch: int = 500,
    ) -> list[int]:
        """MULTIAPPEND *messages* in batches over one connection; return their UIDs.

        Each item is raw bytes or a dict ``{"msg": bytes, "flags": (...), "date": datetime}``
        as ``IMAPClient.multiappend`` takes. Thousands of messages a second on loopback,
        against ~500/s for one APPEND each.
        """
        uids: list[int] = []
        conn = self.client(user)
        try:
            pending: list = []
            for message in messages:
                pending.append(message)
                if len(pending) >= batch:
                    uids += _appended_uids(conn.multiappend(folder, pending))
                    pending = []
            if pending:
                uids += _appended_uids(conn.multiappend(folder, pending))
        finally:
            conn.logout()
        return uids

    def create_folder(self, user: str, folder: str) -> None:
        conn = self.client(user)
        try:
            conn.create_folder(folder)
            conn.subscribe_folder(folder)
        finally:
            conn.logout()

    def delete_folder(self, user: str, folder: str) -> None:
        conn = self.client(user)
        try:
            conn.delete_folder(folder)
        finally:
            conn.logout()

    def remove_all(self) -> None:
        """Stop the server and delete its directory."""
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


class OAuth2Dovecot(DovecotServer):
    """The harness's Dovecot plus XOAUTH2/OAUTHBEARER checked by an introspection URL."""

    introspection_url = ""

    def config_text(self) -> str:
        text = super().config_text()
        conf = self.root / "oauth2.conf.ext"
        conf.write_text(
            "introspection_mode = post\n"
            f"introspection_url = {self.introspection_url}\n"
            "username_attribute = username\nactive_attribute = active\nactive_value = true\n"
        )
        conf.chmod(0o644)
        text = text.replace("auth_mechanisms = plain login", "auth_mechanisms = plain login xoauth2 oauthbearer")
        oauth_passdb = f"passdb {{\n  driver = oauth2\n  mechanisms = xoauth2 oauthbearer\n  args = {conf}\n}}\n"
        return text.replace("passdb {", oauth_passdb + "passdb {", 1)
