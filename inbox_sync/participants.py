"""Who a message is between, from the account's point of view: its direction, and which
participants are the user, colleagues (internal) or the outside world (external, the
people follow-ups are about). What an address says on its own (free-mail, no-reply, the
company of its domain) is `followup.domain.addresses`.
"""

from __future__ import annotations

from dataclasses import dataclass

from followup.domain.addresses import FREEMAIL_DOMAINS
from followup.domain.vocabulary import Direction

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
