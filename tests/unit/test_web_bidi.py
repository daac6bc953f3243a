"""Bidi controls in mail-supplied strings are shown, not obeyed: the `from_mail` filter and the
digest's text (in a real headless Chromium: tests/e2e/test_web_bidi.py)."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from markupsafe import Markup

from followup.nudges.digest import DigestTask, build_digest
from web.formatting import from_mail

SPOOF = "invoice\u202egpj.exe"


def test_the_filter_isolates_escapes_and_names_each_control():
    assert from_mail(SPOOF) == Markup(
        '<bdi>invoice<span class="bidi-control" title="U+202E RIGHT-TO-LEFT OVERRIDE">⟨U+202E⟩</span>'
        "gpj.exe</bdi>")
    assert from_mail("<b>Tom</b> \u2066x\u2069") == Markup(
        '<bdi>&lt;b&gt;Tom&lt;/b&gt; <span class="bidi-control" title="U+2066 LEFT-TO-RIGHT ISOLATE">'
        '⟨U+2066⟩</span>x<span class="bidi-control" title="U+2069 POP DIRECTIONAL ISOLATE">⟨U+2069⟩</span></bdi>')
    assert from_mail(Markup('<mark class="evidence">price\u200f</mark>')) == Markup(
        '<bdi><mark class="evidence">price<span class="bidi-control" title="U+200F RIGHT-TO-LEFT MARK">'
        "⟨U+200F⟩</span></mark></bdi>")
    assert from_mail(None) == Markup("<bdi></bdi>")
    assert from_mail(SPOOF).striptags() == "invoice⟨U+202E⟩gpj.exe"


@pytest.mark.parametrize("char", "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
def test_every_bidi_control_is_shown(char):
    assert char not in from_mail(f"a{char}b") and f"U+{ord(char):04X}" in from_mail(f"a{char}b")


def test_the_digest_carries_no_raw_controls():
    now = datetime(2026, 3, 10, 7, 0, tzinfo=timezone.utc)
    task = DigestTask(id=1, kind="needs_reply", nudge=f"Reply to Eve about {SPOOF}", subject=SPOOF,
                      contact="Eve\u202e", due_at=now, priority=50)
    digest = build_digest(to="rep@example.com", name="Rep\u2067", timezone="UTC", tasks=[task],
                          base_url="http://localhost", now=now)
    for text in (digest.text, digest.html):
        assert "\u202e" not in text and "\u2067" not in text
        assert "invoice⟨U+202E⟩gpj.exe" in text
