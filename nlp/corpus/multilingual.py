"""The team's German, French, Spanish, Italian, Dutch and Portuguese corpus (issue #20 part 4).

    python -m nlp.corpus.multilingual     # rewrites train_multilingual.jsonl and dev_multilingual.jsonl

Messages are composed from the hand-written fragments in ``fragments/<lang>/`` (one list per
label and register: ``INQUIRY_FORMAL``, ``COMPLAINT_CASUAL``, …, and the label-neutral
greetings, closings and filler sentences under ``any/``). A fragment belongs to the dev split
when a hash of its stable id says so (:func:`in_dev`), so adding a fragment never moves
another between the splits and no dev sentence is ever trained on. Greetings, closings and
filler are label-neutral and shared by both splits.

Each line is ``{"text", "label"?, "needs_reply", "language"}``, the format ``followup nlp
evaluate`` reads; ``language`` gives the ``per_language`` figures.
"""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

from nlp.corpus.fragment_files import read_fragments
from nlp.corpus.jsonl_file import write
from nlp.corpus.noise import add_typos

HERE = Path(__file__).resolve().parent
LANGUAGES = ("de", "fr", "es", "it", "nl", "pt")
LABELS = ("inquiry", "sale", "complaint", "other")
REGISTERS = ("formal", "casual")
DEV_EVERY = 5
"""About one fragment in DEV_EVERY (by a hash of its id) is kept for the dev split."""
TRAIN_DOCS_PER_LANGUAGE = 1200
DEV_DOCS_PER_LANGUAGE = 160
TRAIN_PATH = HERE / "train_multilingual.jsonl"
DEV_PATH = HERE / "dev_multilingual.jsonl"


def in_dev(fragment_id: str) -> bool:
    """Whether a fragment is kept for the dev split: a hash of the id, so it never changes."""
    return int(hashlib.sha1(fragment_id.encode("utf-8")).hexdigest(), 16) % DEV_EVERY == 0


def _pools(lang: str, split: str) -> dict[str, list[dict]]:
    """The fragments of one language by list name; label lists keep only the split's fragments."""
    pools: dict[str, list[dict]] = {}
    for row in read_fragments(lang):
        if row["label"] != "any" and in_dev(row["id"]) != (split == "dev"):
            continue
        pools.setdefault(row["list"], []).append(row)
    return pools


def compose(label: str, pools: dict[str, list[dict]], rng: random.Random) -> dict:
    """One message: maybe a greeting, one to three sentences of the label (mostly one
    register), maybe a neutral sentence, maybe a closing; casual mail lower-cased or with typos."""
    register = rng.choice(REGISTERS)
    other = "casual" if register == "formal" else "formal"
    own = pools.get(f"{label.upper()}_{register.upper()}", [])
    mixed = own + pools.get(f"{label.upper()}_{other.upper()}", [])
    own = own or mixed  # a small list may keep no dev fragment of one register
    sentences = rng.sample(own, k=1) + rng.sample(mixed, k=rng.choice((0, 0, 1, 2)))
    seen, body = set(), []
    for row in sentences:
        if row["id"] not in seen:
            seen.add(row["id"])
            body.append(row)
    needs_reply = any(row["needs_reply"] for row in body)
    texts = [row["text"] for row in body]
    if rng.random() < 0.3:
        texts.insert(rng.randrange(len(texts) + 1), rng.choice(pools["FILLER"])["text"])
    if rng.random() < 0.7:
        texts.insert(0, rng.choice(pools[f"GREET_{register.upper()}"])["text"])
    if rng.random() < 0.6:
        texts.append(rng.choice(pools[f"CLOSE_{register.upper()}"])["text"])
    text = ("\n\n" if register == "formal" and rng.random() < 0.5 else " ").join(texts)
    if register == "casual":
        if rng.random() < 0.3:
            text = text.lower()
        if rng.random() < 0.3:
            text = add_typos(text, rng, 0.05)
    return {"text": text, "label": label, "needs_reply": needs_reply}


def build(split: str, docs_per_language: int, seed: int) -> list[dict]:
    """The split's messages for every language."""
    rng = random.Random(seed)
    rows = []
    for lang in LANGUAGES:
        pools = _pools(lang, split)
        for i in range(docs_per_language):
            rows.append(compose(LABELS[i % len(LABELS)], pools, rng) | {"language": lang})
    return rows


def main() -> None:
    write(TRAIN_PATH, build("train", TRAIN_DOCS_PER_LANGUAGE, seed=41))
    write(DEV_PATH, build("dev", DEV_DOCS_PER_LANGUAGE, seed=43))


if __name__ == "__main__":
    main()
