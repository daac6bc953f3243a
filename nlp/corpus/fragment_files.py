"""The team's hand-written fragments, read from the data files under ``fragments/<lang>/``.

Each ``fragments/<lang>/<label>/<register>.jsonl`` line is one fragment::

    {"id": "en-inquiry-ask-1a2b3c4d", "list": "INQUIRY_ASK", "text": "...", "needs_reply": true}

``id`` is stable (language, label, register and a hash of the text as first written), so
adding or editing one fragment never renames another. ``list`` is the name the generator
composes by; a file's lines keep their order, because the generator's seeded choices index
into the lists. ``label`` "any" holds the label-neutral pieces (greetings, closings, sentence
frames). ``tables.json`` holds the slot tables (domains with companies and products, names,
cities, months, subjects per label): values filled into fragments, not fragments themselves.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

FRAGMENTS_DIR = Path(__file__).resolve().parent / "fragments"


def read_fragments(lang: str = "en", root: Path = FRAGMENTS_DIR) -> list[dict]:
    """Every fragment of one language, file by file in path order, lines in file order."""
    rows = []
    for path in sorted((root / lang).glob("*/*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for number, line in enumerate(fh, 1):
                if not line.strip():
                    continue
                row = json.loads(line)
                missing = {"id", "list", "text", "needs_reply"} - row.keys()
                if missing:
                    raise ValueError(f"{path}:{number}: fragment lacks {', '.join(sorted(missing))}")
                rows.append(row | {"label": path.parent.name, "register": path.stem})
    return rows


def load_lists(lang: str = "en", root: Path = FRAGMENTS_DIR) -> SimpleNamespace:
    """The fragments as the generator reads them: one attribute per list name (``INQUIRY_ASK``,
    ``TWEET_SALE``, …) holding its texts in file order, plus the slot tables of ``tables.json``."""
    lists: dict[str, list[str]] = {}
    ids: set[str] = set()
    for row in read_fragments(lang, root):
        if row["id"] in ids:
            raise ValueError(f"fragment id {row['id']!r} appears twice in {root / lang}")
        ids.add(row["id"])
        lists.setdefault(row["list"], []).append(row["text"])
    tables = json.loads((root / lang / "tables.json").read_text(encoding="utf-8"))
    clash = lists.keys() & tables.keys()
    if clash:
        raise ValueError(f"names both a fragment list and a slot table: {', '.join(sorted(clash))}")
    return SimpleNamespace(**lists, **tables)
