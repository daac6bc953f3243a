"""`followup account ...`: mail accounts."""

from __future__ import annotations


import click
from sqlmodel import select

from followup.cli.context import echo_json, json_option, read_secret, runtime
from followup.cli.oauth_connect import account_connect
from followup.db.accounts import create_account, find_account
from followup.db.session import session_scope
from followup.db.models import MailAccount, User
from followup.domain.vocabulary import Security
from followup.db.users import normalise_email


@click.group("account")
def account_group() -> None:
    """Mailboxes connected to the service."""


account_group.add_command(account_connect)


@account_group.command("add")
@click.option("--user", "user_email", required=True, help="The owner (a user's email).")
@click.option("--imap-host", default=None, help="IMAP server; omit for an import-only account.")
@click.option("--port", type=int, default=None, help="IMAP port (993 for ssl, 143 otherwise).")
@click.option("--security", type=click.Choice([s.value for s in Security]), default="ssl")
@click.option("--insecure", is_flag=True, help="Skip TLS certificate verification.")
@click.option("--login", default=None, help="IMAP login name.")
@click.option("--address", "addresses", multiple=True, help="Your address or alias (repeat).")
@click.option("--internal-domain", "internal_domains", multiple=True, help="A domain of your company (repeat).")
@click.option("--oauth2-token-cmd", default=None, help="Command that prints a fresh XOAUTH2 access token.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First sync reaches back to this date (default: 90 days).")
@click.option("--writeback", is_flag=True, help="Mark threads needing follow-up in the mailbox itself.")
@json_option
def account_add(user_email, imap_host, port, security, insecure, login, addresses,
                internal_domains, oauth2_token_cmd, since, writeback, as_json) -> None:
    """Connect a mailbox. The IMAP password is read from stdin."""
    if imap_host and security == Security.NONE and not _is_loopback(imap_host):
        raise click.UsageError("--security none is only allowed to a loopback address")
    password = None
    if imap_host and not oauth2_token_cmd:
        password = read_secret("IMAP password")
    rt = runtime()
    with session_scope(rt.engine) as session:
        user = session.exec(select(User).where(User.email == normalise_email(user_email))).first()
        if user is None:
            raise click.ClickException(f"no user {user_email!r} (add one with `followup user add`)")
        account = create_account(
            session, rt.settings.secret_key, user=user, addresses=list(addresses),
            imap_host=imap_host, imap_port=port, security=security, verify_tls=not insecure,
            login=login, password=password, oauth2_token_cmd=oauth2_token_cmd,
            internal_domains=list(internal_domains),
            sync_since=since.date() if since else None, writeback=writeback,
        )
        result = _account_summary(account)
    if as_json:
        echo_json(result)
    else:
        kind = f"IMAP {imap_host}" if imap_host else "import-only"
        click.echo(f"account {result['id']} added ({kind}, addresses {', '.join(result['addresses'])})")


@account_group.command("list")
@json_option
def account_list(as_json: bool) -> None:
    """List accounts with their sync status."""
    rt = runtime()
    with session_scope(rt.engine) as session:
        rows = [
            _account_summary(a) | {"user": u.email}
            for a, u in session.exec(
                select(MailAccount, User).join(User).order_by(MailAccount.id)
            )
        ]
    if as_json:
        echo_json(rows)
        return
    if not rows:
        click.echo("no accounts (add one with `followup account add`)")
    for row in rows:
        host = row["imap_host"] or "import-only"
        error = f"  last error: {row['last_error']}" if row["last_error"] else ""
        click.echo(f"{row['id']:>4}  {row['user']:<30} {', '.join(row['addresses']):<35} {host:<25} {row['sync_status']}{error}")


@account_group.command("update")
@click.argument("account_ref", metavar="ID")
@click.option("--writeback/--no-writeback", default=None,
              help="Mark threads needing follow-up in the mailbox itself (or stop, removing the marks).")
@click.option("--keyword", default=None, help="The IMAP keyword to use (default $FollowUp; a label on Gmail).")
@json_option
def account_update(account_ref, writeback, keyword, as_json) -> None:
    """Change an account's write-back settings; they apply from the next sync."""
    from followup.nudges.writeback.keyword import WritebackError, check_keyword

    if keyword is not None:
        try:
            keyword = check_keyword(keyword)
        except WritebackError as exc:
            raise click.ClickException(f"--keyword: {exc}") from None
    rt = runtime()
    with session_scope(rt.engine) as session:
        account = find_account(session, account_ref)
        if writeback and not account.imap_host:
            raise click.ClickException(f"account {account.id} is import-only: there is no mailbox to write to")
        if writeback is not None:
            account.writeback = writeback
        if keyword is not None:
            account.writeback_keyword = keyword
        session.add(account)
        result = _account_summary(account) | {"writeback_keyword": account.writeback_keyword}
    if as_json:
        echo_json(result)
    else:
        state = "on" if result["writeback"] else "off"
        click.echo(f"account {result['id']}: write-back {state} (keyword {result['writeback_keyword']})")


@account_group.command("test")
@click.argument("account_ref", metavar="ID")
@json_option
def account_test(account_ref, as_json: bool) -> None:
    """Log in and show the server's capabilities and the folders that will be synced."""
    from inbox_sync.imap_errors import ImapError
    from inbox_sync.sync.reports import SyncError
    from inbox_sync.sync.check import check_account

    rt = runtime()
    with session_scope(rt.engine) as session:
        account_id = find_account(session, account_ref).id
    try:
        check = check_account(rt.engine, account_id, secret_key=rt.settings.secret_key)
    except (ImapError, SyncError) as exc:
        raise click.ClickException(f"account {account_id}: {exc}") from None
    if as_json:
        echo_json(check.to_dict())
        return
    click.echo(f"account {account_id}: logged in to {check.server} in {check.seconds:.2f} s")
    click.echo(f"capabilities: {' '.join(check.capabilities)}")
    click.echo("folders to sync:")
    for folder in check.folders:
        click.echo(f"  {folder['name']:<30} {folder['role']:<8} {folder['messages']} messages")


def _account_summary(account: MailAccount) -> dict:
    return {
        "id": account.id,
        "addresses": account.addresses,
        "internal_domains": account.internal_domains,
        "imap_host": account.imap_host,
        "imap_port": account.imap_port,
        "security": account.security,
        "login": account.login,
        "sync_status": account.sync_status,
        "last_sync_at": account.last_sync_at.isoformat() if account.last_sync_at else None,
        "last_error": account.last_error,
        "writeback": account.writeback,
    }


def _is_loopback(host: str) -> bool:
    import ipaddress
    import socket

    try:
        return all(
            ipaddress.ip_address(info[4][0]).is_loopback
            for info in socket.getaddrinfo(host, None)
        )
    except (OSError, ValueError):
        return False
