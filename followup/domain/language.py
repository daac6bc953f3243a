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


MESSAGE_LANGUAGES = ("de", "en", "es", "fr", "it", "nl", "pt")
"""The languages the classifier is trained on (issue #20): a message's language is one of these."""

MESSAGE_CHARS = 300
"""Characters of a message looked at at ingestion: the subject and the opening of the own
text, in the writer's language even when a pasted log or forward follows; bounded so long
mail costs no more than short. Against the first 1,000 characters (2026-12-03): the same
language for all 960 texts of nlp/corpus/dev_multilingual.jsonl and 5,000 of bench/import.py's
mail, 204 of the 206 messages of ../shared/corpora (two short English texts between "en" and
unknown); identification then costs about 15 % less on the bench mail (most of it is per call)."""


def message_language(subject: str, own_text: str) -> str | None:
    """The language of one message among `MESSAGE_LANGUAGES`; None when there is no text
    or it is too short or mixed to tell (stored as unknown rather than guessed English)."""
    text = "\n".join(t for t in (subject, own_text) if t and t.strip())[:MESSAGE_CHARS]
    if not text.strip():
        return None
    language, probability = _identifier(MESSAGE_LANGUAGES).classify(text)
    return language if probability >= MIN_CONFIDENCE else None
