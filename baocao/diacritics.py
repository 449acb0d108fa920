"""Diacritics put back on a question typed without them, from the reports' own words.

"ngo quyen co bao nhieu ho ngheo" is read by BM25 through folded tokens, but the embedding
model reads unaccented Vietnamese poorly (the retriever gave such questions no dense weight at
all). The restorer learns, from the indexed reports' text (and the thesaurus' phrases), how each
unaccented syllable is written and which written syllables follow each other, and picks the
most likely accented sentence (a bigram model with stupid back-off, decoded by Viterbi over
each run of unaccented words). A word the reports never write is left as typed. Nothing here
is a word list: the vocabulary is the corpus in the index.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from itertools import pairwise

from baocao.vntext import canonical_tones, fold, nfc

_TOKEN_RE = re.compile(r"\d+(?:[.,]\d+)*|[^\W\d_]+", re.UNICODE)
_RUN_RE = re.compile(r"(?:\d+(?:[.,]\d+)*|[^\W\d_]+)(?:\s+(?:\d+(?:[.,]\d+)*|[^\W\d_]+))*", re.UNICODE)
_RUN_SPLIT = re.compile(r"[^\w\s.,]+|[.,](?!\d)|\n")
NUM = "0"  # every number is this one token


def _tokens(run: str) -> list[str]:
    return [NUM if t[0].isdigit() else t for t in _TOKEN_RE.findall(run)]


BACKOFF = 0.4  # stupid back-off (Brants et al., 2007): the usual constant, not tuned here


class Restorer:
    def __init__(self, texts: Iterable[str]) -> None:
        self.unigram: Counter[str] = Counter()
        self.bigram: Counter[tuple[str, str]] = Counter()
        # folded syllable as typed -> canonical forms ("ky" -> "kí", "kì": the canonical
        # spelling of "ký" folds to "ki", so the key is the fold of the written word)
        self.forms: dict[str, set[str]] = defaultdict(set)
        self.spellings: dict[str, Counter[str]] = defaultdict(Counter)  # canonical -> as written
        self._canon: dict[str, str] = {}
        for text in texts:
            self.add(text)

    def add(self, text: str) -> None:
        # a bigram is two tokens of one run (punctuation and line breaks cut the runs); a number
        # is one token NUM, so "năm 2023 đạt" teaches that "đạt" follows a number
        for run in _RUN_SPLIT.split(nfc(text).lower()):
            written = _tokens(run)
            words = [self._canonical(w) for w in written]
            self.unigram.update(words)
            self.bigram.update(pairwise(words))
            for w, c in zip(written, words, strict=True):
                self.forms[fold(w)].add(c)
                self.spellings[c][w] += 1

    def _canonical(self, word: str) -> str:
        c = self._canon.get(word)
        if c is None:
            c = self._canon[word] = canonical_tones(word)
        return c

    def _written(self, canonical: str) -> str:
        """The spelling the reports use most for a canonical form ("tỉ" -> "tỷ")."""
        seen = self.spellings.get(canonical)
        return seen.most_common(1)[0][0] if seen else canonical

    @property
    def total(self) -> int:
        return sum(self.unigram.values()) or 1

    def _score(self, prev: str | None, word: str, total: int) -> float:
        uni = self.unigram[word]
        if prev is not None and self.bigram[prev, word]:
            return math.log(self.bigram[prev, word] / self.unigram[prev])
        return math.log(BACKOFF * (uni or 0.5) / total)

    def _decode(self, words: list[str]) -> list[str]:
        """Most likely written form of a run of unaccented (lower-case) words."""
        total = self.total
        options = [sorted(self.forms.get(w, ())) or [w] for w in words]
        best: dict[str, tuple[float, list[str]]] = {c: (self._score(None, c, total), [c]) for c in options[0]}
        for opts in options[1:]:
            nxt: dict[str, tuple[float, list[str]]] = {}
            for c in opts:
                nxt[c] = max(
                    ((s + self._score(p, c, total), [*path, c]) for p, (s, path) in best.items()),
                    key=lambda t: t[0],
                )
            best = nxt
        return max(best.values(), key=lambda t: t[0])[1]

    def restore(self, text: str) -> str:
        """``text`` with its unaccented words written as the reports write them (case kept);
        a run typed with accents anywhere is left as it is."""
        if not self.unigram:
            return text
        out: list[str] = []
        last = 0
        for m in _RUN_RE.finditer(text):
            spans = list(_TOKEN_RE.finditer(text, m.start(), m.end()))
            typed = [t.group(0) for t in spans]
            lows = [NUM if t[0].isdigit() else t.lower() for t in typed]
            if not any(t[0].isalpha() for t in typed) or any(fold(w) != w for w in lows):
                continue
            for t, w in zip(spans, self._decode(lows), strict=True):
                if w != NUM:
                    out.append(text[last : t.start()])
                    out.append(_case_like(t.group(0), self._written(w)))
                    last = t.end()
        out.append(text[last:])
        return "".join(out)


def _case_like(typed: str, written: str) -> str:
    if typed.isupper() and len(typed) > 1:
        return written.upper()
    if typed[:1].isupper():
        return written[:1].upper() + written[1:]
    return written
