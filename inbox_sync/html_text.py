"""HTML mail bodies as readable plain text, through a real HTML parser (selectolax/lexbor).

Block elements start new lines, list items get a dash, links keep their text, and
`<blockquote>` content is prefixed with "> " so that quote stripping treats an HTML reply
the same way as a plain-text one. Scripts, styles and the head are dropped. The walk uses an
explicit stack, so absurdly deep nesting cannot exhaust the recursion limit.
"""

from __future__ import annotations

import re

from selectolax.lexbor import LexborHTMLParser

BLOCK_TAGS = frozenset(
    "address article aside blockquote center dd div dl dt fieldset figcaption figure footer "
    "form h1 h2 h3 h4 h5 h6 header hr li main nav ol p pre section table tbody thead tfoot "
    "tr ul body html".split()
)
SKIP_TAGS = frozenset("head style script title template noscript svg object iframe".split())

_SPACES_RE = re.compile(r"[ \t\u00a0\u200b\u200c\u200d\u200e\u200f\ufeff]+")
_BLANK_LINES_RE = re.compile(r"\n{3,}")


def html_to_text(html: str) -> str:
    """Readable text of an HTML document or fragment; never raises."""
    if not html or not html.strip():
        return ""
    try:
        tree = LexborHTMLParser(html)
        root = tree.body or tree.root
    except Exception:  # noqa: BLE001 - the parser is lenient; this is a last resort
        return html
    if root is None:
        return ""
    out = _Writer()
    stack: list[tuple[object, bool]] = [(root, False)]
    while stack:
        node, leaving = stack.pop()
        if leaving:
            out.leave(node)
            continue
        tag = node.tag
        if tag == "-text":
            out.text(node.text_content or "")
            continue
        if tag in SKIP_TAGS or tag in ("-comment", "!doctype"):
            continue
        out.enter(node)
        stack.append((node, True))
        children = []
        child = node.child
        while child is not None:
            children.append(child)
            child = child.next
        for child in reversed(children):
            stack.append((child, False))
    return out.result()


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []
        self.current: list[str] = []
        self.quote_depth = 0
        self.pre_depth = 0
        self.list_depth = 0

    def text(self, text: str) -> None:
        if self.pre_depth:
            parts = text.split("\n")
            for i, part in enumerate(parts):
                if i:
                    self.newline(force=True)
                self.current.append(part)
            return
        text = text.replace("\r", " ").replace("\n", " ")
        text = _SPACES_RE.sub(" ", text)
        if not self.current:
            text = text.lstrip()
        elif self.current[-1].endswith(" "):
            text = text.lstrip()
        if text:
            self.current.append(text)

    def newline(self, force: bool = False) -> None:
        line = "".join(self.current).rstrip()
        if line or force:
            prefix = "> " * self.quote_depth
            self.lines.append((prefix + line).rstrip() if line else prefix.rstrip())
        self.current = []

    def blank(self) -> None:
        self.newline()
        if self.lines and self.lines[-1].strip("> ") != "":
            self.lines.append(("> " * self.quote_depth).rstrip())

    def enter(self, node) -> None:
        tag = node.tag
        if tag == "br":
            self.newline(force=True)
        elif tag == "hr":
            self.newline()
            self.lines.append(("> " * self.quote_depth) + "----")
        elif tag == "img":
            alt = (node.attributes.get("alt") or "").strip()
            if alt:
                self.text(f" {alt} ")
        elif tag in ("td", "th"):
            if self.current:
                self.current.append(" ")
        elif tag in BLOCK_TAGS:
            if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"):
                self.blank()
            else:
                self.newline()
            if tag == "blockquote" or (tag == "div" and _is_quote_div(node)):
                self.quote_depth += 1
            elif tag == "pre":
                self.pre_depth += 1
            elif tag in ("ul", "ol"):
                self.list_depth += 1
            elif tag == "li":
                self.current.append("  " * max(self.list_depth - 1, 0) + "- ")

    def leave(self, node) -> None:
        tag = node.tag
        if tag in BLOCK_TAGS:
            if tag in ("p", "h1", "h2", "h3", "h4", "h5", "h6", "table", "ul", "ol"):
                self.blank()
            else:
                self.newline()
            if tag == "blockquote" or (tag == "div" and _is_quote_div(node)):
                self.quote_depth = max(self.quote_depth - 1, 0)
            elif tag == "pre":
                self.pre_depth = max(self.pre_depth - 1, 0)
            elif tag in ("ul", "ol"):
                self.list_depth = max(self.list_depth - 1, 0)

    def result(self) -> str:
        self.newline()
        text = "\n".join(self.lines).strip("\n")
        return _BLANK_LINES_RE.sub("\n\n", text).strip()


def _is_quote_div(node) -> bool:
    """Quote containers that clients write as a div (Yahoo); Gmail's div wraps a blockquote."""
    try:
        classes = node.attributes.get("class") or ""
    except Exception:  # noqa: BLE001
        return False
    return "yahoo_quoted" in classes
