"""The company a person works at, from what they wrote: the `Organization` header, the
display name ("Fiona MacLeod | Ember Bakery"), the signature, and the domain only as the last
resort ("emberbakery.co.uk" -> "Emberbakery" reads worse than the signature's "Ember Bakery").

The one place that decides a company's name: the store fills `Contact.company` with
`company_name`, the rules fall back to it, the list and the digest show what it chose.
A free-mail address (`addresses.FREEMAIL_DOMAINS`) never gives a company: no one works at "Gmail".
"""

from __future__ import annotations

import re

from followup.domain.addresses import FREEMAIL_DOMAINS, company_from_domain, domain_of

MAX_COMPANY = 300
MAX_SIGNATURE_LINES = 12
"""A signature is at the end of the person's own text; further up it is prose."""

# "Fiona MacLeod | Ember Bakery", "Fiona MacLeod - Ember Bakery", "Fiona (Ember Bakery)",
# "Fiona MacLeod at Ember Bakery": the part after the separator names the company. A comma
# separates only a part that spells the domain: "MacLeod, Fiona" is one person.
_DISPLAY_SEPARATORS = re.compile(r"\s*\|\s*|\s+(?:–|—|-|@|at)\s+")
_IN_PARENS = re.compile(r"^(?P<person>[^()]+?)\s*\((?P<company>[^()]+)\)\s*$")
_NOT_A_COMPANY = re.compile(r"^(?:via\s.*|mobile|iphone|android|work|home|private|personal)$", re.IGNORECASE)


def _letters(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.casefold())


def _clean(text: str) -> str:
    return " ".join(text.split()).strip(" .,;:|-–—\"'")[:MAX_COMPANY]


def domain_label(address: str) -> str:
    """The name part of an address's domain, letters only: "fiona@mail.ember-bakery.co.uk" ->
    "emberbakery"; "" for a free-mail address."""
    slug = company_from_domain(address)
    return _letters(slug)


def _matches_domain(candidate: str, label: str) -> bool:
    """"Ember Bakery Ltd" for "emberbakery": the letters of the name start with the domain's."""
    letters = _letters(candidate)
    return bool(label) and len(letters) >= 2 and (letters.startswith(label) or label.startswith(letters))


def company_from_display_name(display_name: str, address: str = "") -> str:
    """"Fiona MacLeod | Ember Bakery" -> "Ember Bakery"; "Fiona MacLeod" -> "" (a name alone
    says nothing). With an address, a part that spells the domain wins ("Sales, Acme Corp")."""
    name = " ".join((display_name or "").split())
    if not name:
        return ""
    label = domain_label(address) if address else ""
    parens = _IN_PARENS.match(name)
    parts = [parens["person"], parens["company"]] if parens else _DISPLAY_SEPARATORS.split(name)
    parts = [_clean(part) for part in parts if _clean(part)]
    if len(parts) < 2 and label and "," in name:
        parts = [_clean(part) for part in name.split(",") if _clean(part)]
        return next((part for part in parts[1:] if _matches_domain(part, label)), "")
    if len(parts) < 2:
        # One part: a company only if it spells the domain ("Ember Bakery" <info@emberbakery.com>).
        return parts[0] if parts and label and _matches_domain(parts[0], label) else ""
    for part in parts:
        if label and _matches_domain(part, label):
            return part
    company = parts[-1]
    return "" if _NOT_A_COMPANY.match(company) else company


def person_from_display_name(display_name: str) -> str:
    """"Fiona MacLeod | Ember Bakery" -> "Fiona MacLeod": the person, without the company that
    `company_from_display_name` takes from it (so the list names each once)."""
    name = " ".join((display_name or "").split())
    parens = _IN_PARENS.match(name)
    if parens:
        return _clean(parens["person"])
    parts = [_clean(part) for part in _DISPLAY_SEPARATORS.split(name) if _clean(part)]
    return parts[0] if parts else ""


def signature_block(own_text: str, quoted_text: str) -> str:
    """Where a signature can be: the last lines of the own text and the first of what follows
    it (the parser puts the signature, split off at "-- " or a valediction, there)."""
    own = [line for line in (own_text or "").split("\n") if line.strip()][-MAX_SIGNATURE_LINES:]
    after = [line for line in (quoted_text or "").split("\n") if line.strip()][:MAX_SIGNATURE_LINES]
    return "\n".join(own + after)


def company_from_signature(signature_text: str, address: str) -> str:
    """The line (or part of a line) of `signature_block` that spells the sender's domain:
    "Ember Bakery Ltd · 12 Harbour St" for fiona@emberbakery.co.uk -> "Ember Bakery Ltd".
    Only what matches the domain is taken, so a street or a job title is never a company."""
    label = domain_label(address)
    if not label or not signature_text:
        return ""
    lines = [line.strip() for line in signature_text.replace("\r", "").split("\n") if line.strip()]
    for line in lines[: 2 * MAX_SIGNATURE_LINES]:
        if "@" in line or "://" in line or line.lower().startswith("www."):
            continue
        for part in re.split(r"\s*(?:\||·|•|–|—|,|\s-\s)\s*", line):
            part = _clean(part)
            if len(part) <= 80 and " " in part and _matches_domain(part, label):
                return part
    return ""


def company_name(address: str, *, display_name: str = "", organization: str = "", signature_text: str = "") -> str:
    """The company to show for `address`, best source first: the `Organization` header, the
    display name, the signature, then the domain. "" for free-mail with nothing else said."""
    if organization and _clean(organization) and not _NOT_A_COMPANY.match(_clean(organization)):
        return _clean(organization)
    for found in (company_from_display_name(display_name, address),
                  company_from_signature(signature_text, address)):
        if found:
            return found
    if domain_of(address) in FREEMAIL_DOMAINS:
        return ""
    return company_from_domain(address)
