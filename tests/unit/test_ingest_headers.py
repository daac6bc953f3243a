"""Header decoding against `email.policy.default`, the parser the design names.

`inbox_sync.headers` decodes the compat32 way first and goes to policy.default only when
that fails, because policy.default's header objects cost about as much as the whole
per-message budget of the import (see the module docstring). These tests hold it to the
same results as policy.default on the team's fixture corpus and on a list of tricky
headers, and pin the few places where it deliberately reads more than policy.default does.
"""

from __future__ import annotations

from email import policy

import pytest

from inbox_sync.headers import HeaderReader, _clean, _unfold, normalise_address, split_header_block
from tests.paths import MAIL_FIXTURES as FIXTURES

TEXT_HEADERS = ("Subject",)
ADDRESS_HEADERS = ("From", "To", "Cc", "Reply-To", "Sender")


def policy_text(name: str, raw: str) -> tuple[str, bool]:
    """policy.default's reading of a text header, and whether it recorded defects."""
    header = policy.default.header_factory(name, _unfold(raw))
    return _clean(str(header)), bool(header.defects)


def policy_addresses(name: str, raws: list[str]) -> tuple[list[tuple[str, str]], bool]:
    """policy.default's (display name, address) pairs, normalised as HeaderReader does."""
    pairs, seen, defects = [], set(), False
    for raw in raws:
        header = policy.default.header_factory(name, _unfold(raw))
        defects = defects or bool(header.defects)
        for address in header.addresses:
            addr = normalise_address(address.addr_spec)
            if addr and "@" in addr and addr not in seen:
                seen.add(addr)
                pairs.append((_clean(str(address.display_name or "")).strip("'\" "), addr))
    return pairs, defects


def readings(raw: bytes):
    """(header name, ours, policy.default's, policy.default had defects) for one message."""
    warnings: list[str] = []
    headers, _ = split_header_block(raw, warnings)
    reader = HeaderReader(headers, warnings)
    for name in TEXT_HEADERS:
        if reader.raw(name):
            theirs, defects = policy_text(name, reader.raw(name)[0])
            yield name, reader.text(name), theirs, defects
    for name in ADDRESS_HEADERS:
        if reader.raw(name):
            theirs, defects = policy_addresses(name, reader.raw(name))
            yield name, reader.addresses(name), theirs, defects


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.eml")), ids=lambda p: p.name)
def test_fixture_headers_read_as_policy_default_reads_them(path):
    for name, ours, theirs, _ in readings(path.read_bytes()):
        assert ours == theirs, name


TRICKY = [
    "Subject: =?utf-8?q?R=C3=A9ponse_automatique=3A_Commande_778?=",
    "Subject: =?UTF-8?B?VGlsYnVkIHDDpSAxMDAgc3R5a2tlcg==?=\r\n =?UTF-8?Q?_=E2=80=93_hurtigt?=",
    "Subject: Re: =?iso-8859-1?q?Angebot_f=FCr?= 100 =?iso-8859-1?q?St=FCck?=",
    "Subject: =?ISO-2022-JP?B?GyRCOCtAUTBNTWobKEI=?=",
    "Subject: =?koi8-r?B?8MzB1MXW?=",
    "Subject: =?windows-1252?q?=93Quote=94_=96_order?=",
    "Subject: plain text with  two   spaces\r\n\tand a fold",
    "Subject: =?utf-8?q?a?= =?utf-8?q?b?= between words",
    "From: =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <joerg@mueller-bau.example>",
    "From: \"=?utf-8?q?Meyer=2C_Ben?=\" <ben@initech.example>",
    "From: \"Smith, Anna (Sales)\" <Anna@X.example>",
    "From: Anna Smith <anna@x.example>",
    "From: anna@x.example",
    "From: <anna@x.example>",
    "To: =?utf-8?q?M=C3=BCller=2C_Hans?= <hans@mueller-bau.example>, rep@acme.test",
    "To: a@x.example, \"B, C\" <b@y.example>,\r\n d@z.example",
    "Cc: team: b@y.example, c@z.example;, d@w.example",
    "To: undisclosed-recipients:;",
    "Reply-To: \"O'Brien\" <ob@x.example>",
    "To: Anna <anna@x.example>, Anna <ANNA@x.example>",
]


@pytest.mark.parametrize("line", TRICKY)
def test_tricky_headers_read_as_policy_default_reads_them(line):
    raw = (line + "\r\n\r\nbody\r\n").encode("utf-8")
    found = list(readings(raw))
    assert found
    for name, ours, theirs, _ in found:
        assert ours == theirs, name


DELIBERATE = [
    # An old-style comment names the sender: policy.default drops it without a defect.
    ("From: doe@example.com (John Doe)", [("John Doe", "doe@example.com")]),
    ("From: MAILER-DAEMON@example.com (Mail Delivery System)",
     [("Mail Delivery System", "mailer-daemon@example.com")]),
    # An unquoted display name holding an "@": policy.default records defects and returns
    # the display name as the address; the angle address is the one mail goes to.
    ("From: alice@example.com <bob@example.com>", [("alice@example.com", "bob@example.com")]),
]


@pytest.mark.parametrize("line,expected", DELIBERATE)
def test_deliberate_departures_from_policy_default(line, expected):
    raw = (line + "\r\n\r\nbody\r\n").encode("utf-8")
    [(name, ours, theirs, _)] = list(readings(raw))
    assert ours == expected
    assert theirs != expected


def test_raw_8bit_inside_an_encoded_word_is_decoded():
    """Latin-1 bytes written raw inside an encoded word (seen in old mailers): policy.default
    leaves the whole word undecoded, without a defect; we read the text."""
    raw = b"Subject: =?iso-8859-1?Q?Die_Hasen_und_die_Fr\xf6sche?=\r\n\r\nbody\r\n"
    [(_, ours, theirs, _)] = list(readings(raw))
    assert ours == "Die Hasen und die Frösche"
    assert theirs.startswith("=?iso-8859-1?Q?")
