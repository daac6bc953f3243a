"""`followup account connect --provider NAME --user EMAIL`: "Connect with …" for admins without a
browser on the server (issue #19).

It prints the provider's URL to open in any browser. When FOLLOWUP_BASE_URL is a loopback
address whose port is free, it listens there for the provider's redirect to /oauth/callback
(the redirect URI registered at the provider); otherwise, or with ``--paste``, it asks for the
address the browser ended at (the page may say it is not valid there: the command holds
the state, not that page). The state and PKCE verifier stay in this process.
"""

from __future__ import annotations

import ipaddress
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlsplit

import click

from followup.cli.context import runtime
from followup.db.oauth_grants import connect_account
from followup.db.session import session_scope
from followup.db.users import find_user
from followup.oauth_providers import CALLBACK_PATH, load_providers, redirect_uri

DEFAULT_WAIT = 600
"""Seconds to wait for the browser's redirect before giving up."""


@click.command("connect")
@click.option("--provider", "provider_name", required=True, help="google, microsoft or a FOLLOWUP_OAUTH_PROVIDERS name.")
@click.option("--user", "user_email", required=True, help="The owner (a user's email).")
@click.option("--paste", is_flag=True, help="Do not listen for the redirect: paste the address it ended at.")
@click.option("--wait", type=click.IntRange(1, 3600), default=DEFAULT_WAIT, show_default=True,
              help="Seconds to wait for the redirect.")
def account_connect(provider_name: str, user_email: str, paste: bool, wait: int) -> None:
    """Connect a mailbox by signing in at its provider (OAuth2); the first sync is `followup sync`."""
    rt = runtime()
    providers = load_providers()
    provider = providers.get(provider_name.lower())
    if provider is None:
        raise click.BadParameter(f"{provider_name!r} is not one of {', '.join(providers)}", param_hint="--provider")
    if not provider.configured:
        raise click.ClickException(f"--provider {provider.name}: set {', '.join(provider.missing)} first")
    with session_scope(rt.engine) as session:
        if find_user(session, user_email) is None:
            raise click.ClickException(f"no user {user_email!r} (add one with `followup user add`)")
    # Imported here: authlib and its crypto (0.3 s) only for this command, not for every `followup`.
    from inbox_sync.oauth import finish_authorization, start_authorization

    callback = redirect_uri(rt.settings.base_url)
    pending = start_authorization(provider, callback)
    listener = None if paste else _listen(callback)
    click.echo(f"Open this address in a browser and sign in to {provider.label}:\n\n  {pending.url}\n")
    if listener is not None:
        click.echo(f"Waiting for the redirect to {callback} (up to {wait} s) …")
        returned = listener.wait(wait)
        if returned is None:
            raise click.ClickException(f"no redirect came back within {wait} s; try again (or with --paste)")
    else:
        returned = click.prompt("Then paste the address your browser ended at", prompt_suffix="\n> ").strip()
    query = parse_qs(urlsplit(returned).query)
    if query.get("error"):
        raise click.ClickException(f"{provider.label} did not connect the mailbox: {query['error'][0][:100]}")
    if query.get("state", [""])[0] != pending.state:
        raise click.ClickException("that address is not the answer to this sign-in (its state differs); start again")
    authorized = finish_authorization(provider, callback, pending, callback + "?" + urlsplit(returned).query)
    with session_scope(rt.engine) as session:
        user = find_user(session, user_email)
        account, created = connect_account(session, rt.settings.secret_key, user=user, provider=provider,
                                           address=authorized.address, token=authorized.token)
        account_id = account.id
    what = "added" if created else "signed in again"
    click.echo(f"account {account_id} {what} ({authorized.address} with {provider.label}); "
               f"run `followup sync --account {account_id}` for the first sync")


class _Listener:
    """A one-shot HTTP server on the redirect URI's loopback address: it keeps the first callback."""

    def __init__(self, server: HTTPServer) -> None:
        self.server = server
        self.url: str | None = None
        self.done = threading.Event()

    def wait(self, seconds: float) -> str | None:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        try:
            self.done.wait(seconds)
        finally:
            self.server.shutdown()
            self.server.server_close()
        return self.url


def _listen(callback: str) -> _Listener | None:
    parts = urlsplit(callback)
    try:
        loopback = ipaddress.ip_address(parts.hostname or "").is_loopback
    except ValueError:
        loopback = parts.hostname == "localhost"
    if parts.scheme != "http" or not loopback:
        return None  # the redirect goes to the deployed web app: the user pastes it
    holder: list[_Listener] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if urlsplit(self.path).path != CALLBACK_PATH or holder[0].url is not None:
                self.send_error(404)
                return
            holder[0].url = self.path
            body = b"Signed in. You can close this tab and go back to the terminal.\n"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            holder[0].done.set()

        def log_message(self, *args) -> None:  # the query holds the code: not for the terminal
            pass

    try:
        server = HTTPServer((parts.hostname, parts.port or 80), Handler)
    except OSError:
        return None  # the port is taken (followup serve runs there): paste instead
    holder.append(_Listener(server))
    return holder[0]
