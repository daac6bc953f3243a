"""A tokenizer that keeps the text it was given.

``Doc.text`` is rebuilt token by token on every access, which costs as much as a third of
the evidence component's time on a 150-word email. This wrapper around spaCy's English
tokenizer puts the original string in ``doc.user_data["text"]`` so the rules can read it
for free. Registered as ``followup.TextKeepingTokenizer.v1``; it saves and loads exactly as
the wrapped tokenizer does.
"""

from __future__ import annotations

from typing import Any, Callable

from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import registry

TEXT_KEY = "text"


class TextKeepingTokenizer:
    def __init__(self, inner: Any):
        self.inner = inner

    def __call__(self, text: str) -> Doc:
        doc = self.inner(text)
        doc.user_data[TEXT_KEY] = text
        return doc

    def pipe(self, texts, batch_size: int = 1000):
        for text in texts:
            yield self(text)

    def __getattr__(self, name: str) -> Any:  # to_disk, from_disk, memory_zone, explain, vocab, ...
        return getattr(self.inner, name)


def doc_text(doc: Doc) -> str:
    """The doc's text, from the tokenizer's copy when it is there and still matches."""
    text = doc.user_data.get(TEXT_KEY)
    if isinstance(text, str) and len(text) == (doc[-1].idx + len(doc[-1].text_with_ws) if len(doc) else 0):
        return text
    return doc.text


@registry.tokenizers("followup.TextKeepingTokenizer.v1")
def create_text_keeping_tokenizer() -> Callable[[Language], TextKeepingTokenizer]:
    default = registry.tokenizers.get("spacy.Tokenizer.v1")()

    def make(nlp: Language) -> TextKeepingTokenizer:
        return TextKeepingTokenizer(default(nlp))

    return make
