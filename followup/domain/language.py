"""The language a thread is written in, for texts the service writes into it (drafts).

py3langid (a kept, offline language identifier that ships its model in the package) is
asked to choose among the languages the draft texts exist in only; a text too short or
too mixed to tell (its probability below `MIN_CONFIDENCE`) is `DEFAULT_LANGUAGE`. The
model takes about a second to load, so it is loaded on the first use, not at import.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Iterable

DEFAULT_LANGUAGE = "en"

MIN_CONFIDENCE = 0.7
"""Below this probability the text is not trusted to be in the language found."""

MAX_CHARS = 2000
"""Characters of text looked at: enough to tell, and bounded for long threads."""


@lru_cache(maxsize=8)
def _identifier(languages: tuple[str, ...]):
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier


def detect_language(texts: Iterable[str], languages: Iterable[str]) -> str:
    """The language of `texts` (joined) among `languages`, or `DEFAULT_LANGUAGE`."""
    text = "\n".join(t for t in texts if t and t.strip())[:MAX_CHARS]
    choices = tuple(sorted(set(languages)))
    if not text.strip() or not choices:
        return DEFAULT_LANGUAGE
    language, probability = _identifier(choices).classify(text)
    return language if probability >= MIN_CONFIDENCE else DEFAULT_LANGUAGE
