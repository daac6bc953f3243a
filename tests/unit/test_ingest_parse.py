"""Unit cases of the parser that the fixture corpus does not show one by one: header
fallbacks, dates, ids, HTML text, kinds, participants and subject normalisation."""

from __future__ import annotations

from datetime import datetime, timezone

from inbox_sync.html_text import html_to_text
from inbox_sync.parse import SYNTHETIC_DOMAIN, parse_message
from followup.domain.addresses import company_from_domain
from inbox_sync.participants import AccountIdentity

WHEN = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def msg(*headers: str, body: str = "Hello") -> bytes:
    return ("\r\n".join(headers) + "\r\n\r\n" + body + "\r\n").encode("utf-8")


def test_unknown_charset_in_an_encoded_word_is_read_with_a_warning():
    p = parse_message(msg("From: a@x.example", "Subject: =?x-klingon?q?Hallo_Welt?=", "Date: Mon, 2 Mar 2026 09:00:00 +0000"))
    assert p.subject == "Hallo Welt"
    assert any("Subject" in w for w in p.warnings)


def test_group_syntax_and_odd_address_lists():
    p = parse_message(msg("From: \"Smith, Anna (Sales)\" <Anna@X.example>", "To: undisclosed-recipients:;",
                          "Cc: team: b@y.example, c@z.example;, d@w.example",
                          "Date: Mon, 2 Mar 2026 09:00:00 +0000"))
    assert (p.from_name, p.from_addr) == ("Smith, Anna (Sales)", "anna@x.example")
    assert p.to_addrs == []
    assert p.cc_addrs == ["b@y.example", "c@z.example", "d@w.example"]
    assert p.warnings == ()


def test_date_fallbacks():
    future = parse_message(msg("From: a@x.example", "Date: Mon, 2 Mar 2099 09:00:00 +0000"), internal_date=WHEN)
    assert future.sent_at == WHEN and future.date_source == "internal"
    naive = parse_message(msg("From: a@x.example", "Date: 2 Mar 2026 10:00:00"))
    assert naive.sent_at == datetime(2026, 3, 2, 10, 0, tzinfo=timezone.utc)
    named_zone = parse_message(msg("From: a@x.example", "Date: Mon, 2 Mar 2026 10:00:00 +0100 (CET)"))
    assert named_zone.sent_at == WHEN
    received = parse_message(msg("Received: by a; Mon, 2 Mar 2026 09:05:00 +0000",
                                 "Received: by b; Mon, 2 Mar 2026 09:00:00 +0000", "From: a@x.example"))
    assert received.sent_at == WHEN and received.date_source == "received"
    nothing = parse_message(msg("From: a@x.example"))
    assert nothing.sent_at.year == 1970 and nothing.date_source == "none"


def test_the_writers_own_zone_is_kept_beside_the_utc_time():
    def offset(date: str, internal_date=None):
        return parse_message(msg("From: a@x.example", f"Date: {date}"), internal_date=internal_date).sent_utc_offset

    assert offset("Tue, 3 Mar 2026 08:30:00 +0900") == 540  # a mail from Tokyo
    assert offset("Mon, 2 Mar 2026 18:00:00 -0500 (EST)") == -300
    assert offset("Mon, 2 Mar 2026 09:00:00 +0530") == 330
    assert offset("Mon, 2 Mar 2026 09:00:00 +0000") == 0
    assert offset("Mon, 2 Mar 2026 09:00:00 -0000") is None  # RFC 5322: the zone is not known
    assert offset("Mon, 2 Mar 2026 09:00:00 +9900") is None  # no such zone
    assert offset("2 Mar 2026 10:00:00") is None
    assert offset("Mon, 2 Mar 2099 09:00:00 +0200", internal_date=WHEN) is None  # the date came from the server


def test_synthetic_message_id_is_stable_and_content_bound():
    one = parse_message(msg("From: a@x.example", "Subject: s", body="one"))
    again = parse_message(msg("From: a@x.example", "Subject: s", body="one"))
    other = parse_message(msg("From: a@x.example", "Subject: s", body="two"))
    assert one.synthetic_id and one.message_id.endswith(SYNTHETIC_DOMAIN)
    assert one.message_id == again.message_id != other.message_id


def test_transport_headers_do_not_change_the_content_hash():
    base = ["From: a@x.example", "To: b@y.example", "Subject: s", "Message-ID: <1@x>",
            "Date: Mon, 2 Mar 2026 09:00:00 +0000"]
    a = parse_message(msg(*base, body="text"))
    b = parse_message(msg("Received: by mx; Mon, 2 Mar 2026 09:00:01 +0000", *base, "X-Gmail-Labels: Inbox",
                          "Status: RO", body="text  "))
    c = parse_message(msg(*base, body="different text"))
    assert a.content_hash == b.content_hash != c.content_hash


def test_references_are_cleaned_and_self_references_dropped():
    p = parse_message(msg("From: a@x.example", "Message-ID: <me@x>",
                          "References: <a@x>\r\n\t<b@x> <me@x> garbage", "In-Reply-To: Your message <b@x> of Monday"))
    assert p.references == ("a@x", "b@x") and p.in_reply_to == "b@x"


def test_html_to_text_keeps_structure():
    text = html_to_text("<p>Hi&nbsp;there</p><ul><li>one</li><li>two</li></ul>"
                        "<table><tr><td>a</td><td>b</td></tr></table><pre>  x\n  y</pre>"
                        "<p>see <a href='http://x'>the link</a></p><style>p{}</style><script>x()</script>")
    assert text.split("\n") == ["Hi there", "", "- one", "- two", "", "a b", "", "  x", "  y", "", "see the link"]


def test_blockquote_becomes_quoted_lines():
    assert html_to_text("<div>mine</div><blockquote>theirs<blockquote>older</blockquote></blockquote>") \
        == "mine\n> theirs\n> > older"


def test_participants_and_company():
    identity = AccountIdentity.of(type("A", (), {"addresses": ["rep@acme.test", "me@gmail.com"],
                                                  "internal_domains": ["acme-group.test"]})())
    assert identity.direction("rep+news@acme.test") == "outbound"
    assert identity.direction("anna@globex.example") == "inbound"
    assert identity.external(["colleague@acme.test", "x@acme-group.test", "anna@globex.example",
                              "friend@gmail.com"]) == ["anna@globex.example", "friend@gmail.com"]
    assert company_from_domain("anna@mail.acme-tools.co.uk") == "Acme Tools"
    assert company_from_domain("bob@gmail.com") == ""
    assert company_from_domain("eva@sales.stark-industries.com") == "Stark Industries"


def test_content_type_and_boundary_fast_paths_agree_with_the_standard_library():
    from email.message import Message

    from inbox_sync.mime import _content_type, _simple_boundary

    values = ['multipart/alternative; boundary="b1"', "multipart/mixed; boundary=b2",
              'multipart/mixed;\r\n boundary="----=_Part_1"', 'multipart/mixed; BOUNDARY="x y "',
              'multipart/mixed; boundary = "z"', 'multipart/mixed; boundary=""',
              "Multipart/Mixed ; boundary=q.r/s:t?", 'multipart/mixed; boundary="=_abc=="',
              # not simple: the standard library decides
              'multipart/mixed; boundary="<x>"', 'multipart/mixed; boundary="a;b"',
              "multipart/mixed; charset=x; boundary=y", "multipart/mixed; boundary*=utf-8''x",
              'multipart/mixed; boundary="a\\"b"', "multipart/mixed; boundary=",
              "text/plain", "TEXT/HTML; charset=utf-8", "text", "a/b/c", "", " ; x=y"]
    for value in values:
        msg = Message()
        msg._headers = [("Content-Type", value)]
        assert _content_type(value) == msg.get_content_type(), value
        fast = _simple_boundary(value)
        assert fast is None or fast == msg.get_boundary(), value
    assert _content_type(None) == Message().get_content_type()


def test_the_organization_header_is_kept_for_the_company():
    raw = (b"From: Fiona MacLeod <fiona@emberbakery.co.uk>\r\nTo: rep@example.com\r\nSubject: Order\r\n"
           b"Organization: Ember Bakery Ltd\r\nMessage-ID: <org-1@emberbakery.co.uk>\r\n\r\nHello\r\n")
    assert parse_message(raw).organization == "Ember Bakery Ltd"
    assert parse_message(raw.replace(b"Organization: Ember Bakery Ltd\r\n", b"")).organization == ""


def test_the_language_of_subject_and_own_text():
    headers = ("From: a@x.example", "Date: Mon, 2 Mar 2026 09:00:00 +0000")
    spanish = parse_message(msg(*headers, "Subject: Presupuesto",
                                body="¿Podrían enviarnos un presupuesto para 300 cajas? Atentamente, Ana"))
    assert spanish.language == "es"
    quoted = parse_message(msg(*headers, "Subject: Re: order",
                               body="Thanks, that works for us.\r\n\r\n> Merci pour votre commande, "
                                    "la marchandise sera exp\u00e9di\u00e9e demain."))
    assert quoted.language == "en"  # the reader's own words, not the quote
    assert parse_message(msg(*headers, "Subject: ", body="")).language is None


def test_the_language_is_that_of_the_mails_opening_not_of_a_long_paste_after_it():
    headers = ("From: a@x.example", "Date: Mon, 2 Mar 2026 09:00:00 +0000", "Subject: Fehler beim Import")
    german = ("Guten Tag Herr Becker,\r\n\r\nbeim Import der Bestellung bekommen wir seit gestern "
              "den folgenden Fehler. K\u00f6nnen Sie bitte nachsehen, woran das liegt?\r\n\r\n")
    log = "ERROR the order could not be imported because the customer record was not found\r\n" * 20
    assert len(german) < 300 < len(german + log)
    assert parse_message(msg(*headers, body=german + log)).language == "de"
