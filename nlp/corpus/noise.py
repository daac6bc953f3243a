"""Noise on generated text: typos and a casual register (lower case, "u", "pls", "thx")."""

from __future__ import annotations

import random
import re


def typo(word: str, rng: random.Random) -> str:
    if len(word) < 4 or not word.isalpha():
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.random()
    if kind < 0.4:
        return word[:i] + word[i + 1] + word[i] + word[i + 2:]
    if kind < 0.7:
        return word[:i] + word[i + 1:]
    return word[:i] + word[i] + word[i:]


def add_typos(text: str, rng: random.Random, rate: float) -> str:
    return " ".join(typo(w, rng) if rng.random() < rate else w for w in text.split(" "))


def casualise(text: str, rng: random.Random) -> str:
    if rng.random() < 0.5:
        text = text.lower()
    if rng.random() < 0.4:
        text = text.rstrip(".")
    repl = [(r"\byou\b", "u"), (r"\bplease\b", "pls"), (r"\bthanks\b", "thx"), (r"\bare\b", "r"),
            (r"\bbecause\b", "cuz"), (r"\bI am\b", "im"), (r"\bwant to\b", "wanna")]
    for pat, new in repl:
        if rng.random() < 0.3:
            text = re.sub(pat, new, text, flags=re.I)
    if rng.random() < 0.3:
        text = add_typos(text, rng, 0.08)
    return text

