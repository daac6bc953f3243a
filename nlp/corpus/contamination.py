"""The near-copy measure: is a training sentence a copy or close paraphrase of eval text?

``../shared/eval/`` (beside the repository) holds real text nobody on the team wrote; it
measures generalisation only as long as none of it, or a close paraphrase of it, is trained
on. ``tests/unit/test_nlp_corpus.py`` applies this measure to the team corpus and to the real
sources in ``nlp/corpus/real/``; :mod:`nlp.corpus.sources` drops near-copies when copying.

The measure, per sentence: both sides are reduced to their content words (lower-cased
words minus a list of function words, greetings and courtesy words), and a corpus sentence
is a near-copy of an eval sentence when the longest common subsequence (LCS) of those word
sequences

* is at least ``MIN_SHARED`` (4) content words and covers at least ``MIN_COVER`` (75 %) of
  the corpus sentence's content words, or
* is at least ``LONG_SHARED`` (6) content words and covers at least 60 % of them.

A subsequence, not a run, because the paraphrases found in the corpus (commit e6d22a1) kept
the eval sentence's words in order while inserting or dropping a few: "He would like to
keep David on until May to finish a few projects" against "... until May 15 to finish up
some things ...", "I picked up your resume and forwarded it to our recruiter", "Balboa
filing is cancelled for the time being"; all three are caught. Stock phrases have fewer
than four content words ("Let me know what you think" has one: ``think``; "Looking
forward to hearing from you" has three), so they never count, and nothing is whitelisted.

Emails in the eval files are hard-wrapped, so eval text is split into sentences at
punctuation and blank lines only; corpus text (never wrapped) also at every line break.
"""

from __future__ import annotations

import re
from collections import defaultdict

MIN_SHARED, MIN_COVER = 4, 0.75
LONG_SHARED, LONG_COVER = 6, 0.6

WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
FUNCTION_WORDS = frozenset("""
a an the and or but if then so to of in on at by for with from as into about over after before
i me my mine we us our you your yours he him his she her it its they them their this that these those there here
is are was were be been being am do does did done have has had will would shall should can could might must
not no just also too very really please thanks thank hi hello dear let know what when where who why how which
get got s t ll re ve d m all any some up out xx xxxx
""".split())  # "may" stays: it is a month as often as a modal in mail


def content_words(sentence: str) -> list[str]:
    return [w for w in WORD.findall(sentence.lower()) if w not in FUNCTION_WORDS]


def eval_sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?;:])\s+|\n\s*\n", text) if s.strip()]


def corpus_sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"(?<=[.!?;:])\s+|\n+", text) if s.strip()]


def lcs_length(a: list[str], b: list[str]) -> int:
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1]


def is_near_copy(corpus_words: list[str], eval_words: list[str]) -> bool:
    if not corpus_words:
        return False
    shared = lcs_length(corpus_words, eval_words)
    cover = shared / len(corpus_words)
    return (shared >= MIN_SHARED and cover >= MIN_COVER) or (shared >= LONG_SHARED and cover >= LONG_COVER)


class EvalIndex:
    """Eval sentences by content word, so each corpus sentence is compared with few of them."""

    def __init__(self, texts: list[str]):
        self.sentences: list[tuple[str, list[str]]] = []
        self.by_word: dict[str, list[int]] = defaultdict(list)
        for text in texts:
            for sentence in eval_sentences(text):
                words = content_words(sentence)
                if len(words) < MIN_SHARED:
                    continue
                for word in set(words):
                    self.by_word[word].append(len(self.sentences))
                self.sentences.append((sentence, words))

    def near_copy(self, sentence: str) -> str | None:
        words = content_words(sentence)
        if len(set(words)) < MIN_SHARED:
            return None
        counts: dict[int, int] = defaultdict(int)
        for word in set(words):
            for i in self.by_word.get(word, ()):
                counts[i] += 1
        for i, n in counts.items():
            if n >= MIN_SHARED and is_near_copy(words, self.sentences[i][1]):
                return self.sentences[i][0]
        return None


def near_copied_sentence(index: EvalIndex, text: str) -> str | None:
    """The first sentence of a training text that is a near-copy of an indexed eval sentence."""
    for sentence in corpus_sentences(text):
        if index.near_copy(sentence):
            return sentence
    return None
