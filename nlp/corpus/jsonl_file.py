"""The one writer of the corpus files: a JSON object per line, UTF-8, non-ASCII kept as is."""

from __future__ import annotations

import json
from pathlib import Path


def write(path: Path, rows: list[dict]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
