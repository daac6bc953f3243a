"""Unicode bidirectional controls in strings that come from other people's mail.

A subject, sender name or attachment name can carry controls that reorder what is shown:
"invoice\u202egpj.exe" reads "invoiceexe.jpg". Wherever such a string is shown, each control
is replaced by a visible marker naming it ("⟨U+202E⟩"), so the text reads in the order its
characters have.
"""

from __future__ import annotations

import re
import unicodedata

BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
"""ALM, LRM, RLM, the embeddings and overrides LRE RLE PDF LRO RLO, the isolates LRI RLI FSI PDI."""

BIDI_CONTROL_RE = re.compile(f"[{BIDI_CONTROLS}]")


def control_marker(char: str) -> str:
    """The visible stand-in for one control: '⟨U+202E⟩'."""
    return f"⟨U+{ord(char):04X}⟩"


def control_title(char: str) -> str:
    """What the control is: 'U+202E RIGHT-TO-LEFT OVERRIDE'."""
    return f"U+{ord(char):04X} {unicodedata.name(char, 'BIDI CONTROL')}"


def show_bidi_controls(text: str) -> str:
    """`text` with every bidi control replaced by its visible marker."""
    if not BIDI_CONTROL_RE.search(text):
        return text
    return BIDI_CONTROL_RE.sub(lambda match: control_marker(match[0]), text)
