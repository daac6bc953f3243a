""""Open in mail client": a link that opens the conversation where the rep writes mail.

- Gmail: the web search for the message by its Message-ID (``rfc822msgid:``), which opens
  the conversation in whichever of the rep's Gmail accounts holds it.
- Outlook / Microsoft 365: the sync keeps no Outlook item id (IMAP does not expose it), so
  there is no deep link; the mailto below is offered instead.
- Anything else: a ``mailto:`` with the contact, the ``Re:`` subject and the draft's text.
"""

from __future__ import annotations

from email.utils import parseaddr
from urllib.parse import quote

from followup.drafts import Draft
from followup.db.models import MailAccount

GMAIL_HOSTS = ("imap.gmail.com", "imap.googlemail.com")

MAX_MAILTO_BODY = 1500
"""Characters of text put into a mailto: link (some clients refuse longer URLs)."""


def is_gmail(account: MailAccount) -> bool:
    return (account.imap_host or "").lower() in GMAIL_HOSTS


def gmail_link(message_id: str) -> str:
    return "https://mail.google.com/mail/u/0/#search/" + quote(f"rfc822msgid:{message_id}", safe="")


def mailto_link(draft: Draft) -> str:
    """RFC 6068: bare addresses (no display names), every value percent-encoded."""
    def addresses(values) -> str:
        return ",".join(quote(parseaddr(v)[1], safe="@") for v in values)

    query = f"subject={quote(draft.subject, safe='')}&body={quote(draft.text[:MAX_MAILTO_BODY], safe='')}"
    if draft.cc:
        query += "&cc=" + addresses(draft.cc)
    return f"mailto:{addresses(draft.to)}?{query}"


def reply_link(account: MailAccount, draft: Draft) -> tuple[str, str]:
    """(label, URL) of the best link for the account."""
    if is_gmail(account) and draft.in_reply_to:
        return "Open in Gmail", gmail_link(draft.in_reply_to)
    return "Write in my mail app", mailto_link(draft)
