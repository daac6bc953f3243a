"""Who a message is between, from the account's point of view: its direction, and which
participants are the user, colleagues (internal) or the outside world (external, the
people follow-ups are about). Also a company name guessed from an address's domain.
"""

from __future__ import annotations

from dataclasses import dataclass

from followup.domain.vocabulary import Direction

FREEMAIL_DOMAINS = frozenset(
    """gmail.com googlemail.com yahoo.com yahoo.co.uk yahoo.fr yahoo.de ymail.com hotmail.com
    hotmail.co.uk hotmail.fr hotmail.de outlook.com outlook.de outlook.fr live.com live.de
    live.fr msn.com aol.com icloud.com me.com mac.com gmx.de gmx.net gmx.com gmx.at gmx.ch
    web.de t-online.de freenet.de posteo.de mailbox.org proton.me protonmail.com pm.me
    zoho.com yandex.ru yandex.com mail.ru orange.fr wanadoo.fr free.fr laposte.net sfr.fr
    libero.it virgilio.it tiscali.it seznam.cz wp.pl o2.pl onet.pl interia.pl bluewin.ch
    comcast.net verizon.net att.net sbcglobal.net qq.com 163.com 126.com naver.com
    fastmail.com fastmail.fm hey.com tutanota.com example.com""".split()
)
"""Domains of mail providers: an address there says nothing about the person's company."""

_SECOND_LEVEL = frozenset("co com net org ac gov edu ltd plc ne or go".split())


@dataclass(frozen=True)
class AccountIdentity:
    """The account's own addresses and the domains that count as internal."""

    addresses: frozenset[str]
    internal_domains: frozenset[str]

    @classmethod
    def of(cls, account) -> "AccountIdentity":
        addresses = frozenset(a.strip().lower() for a in (account.addresses or []) if a)
        domains = {d.strip().lower().lstrip("@") for d in (account.internal_domains or []) if d}
        # The user's own company domain is internal; a freemail domain is not.
        domains |= {a.rpartition("@")[2] for a in addresses} - FREEMAIL_DOMAINS
        return cls(addresses=addresses, internal_domains=frozenset(domains))

    def is_own(self, addr: str) -> bool:
        addr = addr.lower()
        if addr in self.addresses:
            return True
        local, at, domain = addr.partition("@")
        if "+" in local:
            return f"{local.split('+', 1)[0]}{at}{domain}" in self.addresses
        return False

    def is_internal(self, addr: str) -> bool:
        return self.is_own(addr) or addr.rpartition("@")[2].lower() in self.internal_domains

    def direction(self, from_addr: str) -> Direction:
        return Direction.OUTBOUND if from_addr and self.is_own(from_addr) else Direction.INBOUND

    def external(self, addrs) -> list[str]:
        """The external addresses among `addrs`, de-duplicated, in order."""
        seen: list[str] = []
        for addr in addrs:
            if addr and not self.is_internal(addr) and addr not in seen:
                seen.append(addr)
        return seen


def company_from_domain(addr: str) -> str:
    """"anna@acme-tools.co.uk" -> "Acme Tools"; freemail addresses give ""."""
    domain = addr.rpartition("@")[2].lower().strip(".")
    if not domain or domain in FREEMAIL_DOMAINS:
        return ""
    labels = [label for label in domain.split(".") if label]
    if len(labels) < 2:
        return labels[0].title() if labels else ""
    labels = labels[:-1]  # the top-level domain
    if len(labels) >= 2 and labels[-1] in _SECOND_LEVEL:
        labels = labels[:-1]
    name = labels[-1]
    if name in ("mail", "email", "smtp", "mx") and len(labels) >= 2:
        name = labels[-2]
    return " ".join(part.capitalize() for part in name.replace("_", "-").split("-") if part)[:300]
