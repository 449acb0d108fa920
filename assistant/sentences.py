"""Split passages into sentences / list items and score them against a question."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

from baocao.vntext import fold, tokenize
from ingest.sentences import Sentence, split_sentences

__all__ = ["Sentence", "TermWeights", "coverage", "split_sentences", "token_sets"]


Alternatives = tuple[tuple[str, ...], ...]


@dataclass
class TermWeights:
    """Question terms as "units", each with an idf weight. A unit is one or more
    alternative token sequences: a syllable, a two-syllable word the corpus knows as one,
    or a thesaurus phrase together with the report's wording for it ("mẫu giáo" |
    "mầm non"). A unit matches a text exactly or folded (no diacritics); a sequence of
    several syllables matches best when its syllables are adjacent."""

    units: list[tuple[Alternatives, float]]

    @property
    def total(self) -> float:
        return sum(w for _, w in self.units)


@lru_cache(maxsize=20_000)
def token_sets(text: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    toks = tokenize(text)
    folded = [fold(t) for t in toks]
    bigrams = {f"{a}_{b}" for a, b in pairwise(toks)} | {f"~{a}_{b}" for a, b in pairwise(folded)}
    if "%" in text:  # "92,5%" answers "bao nhiêu phần trăm"
        bigrams.update(("phần_trăm", "~phan_tram"))
    return frozenset(toks), frozenset(folded), frozenset(bigrams)


@lru_cache(maxsize=50_000)
def _seq_keys(seq: tuple[str, ...]) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
    """A question sequence's folded syllables and its exact / folded bigram keys (computed once
    per sequence, not once per candidate sentence)."""
    folded = tuple(fold(t) for t in seq)
    return (
        folded,
        tuple(f"{a}_{b}" for a, b in pairwise(seq)),
        tuple(f"~{a}_{b}" for a, b in pairwise(folded)),
    )


def _seq_match(seq: tuple[str, ...], ex: frozenset[str], fo: frozenset[str], bi: frozenset[str]) -> float:
    folded, exact_bi, folded_bi = _seq_keys(seq)
    if len(seq) == 1:
        if seq[0] in ex:
            return 1.0
        return 0.9 if folded[0] in fo else 0.0
    got = 0.0
    for i in range(len(seq) - 1):
        if exact_bi[i] in bi:
            got += 1.0
        elif folded_bi[i] in bi:
            got += 0.9
        elif folded[i] in fo and folded[i + 1] in fo:
            got += 0.3  # both syllables present but apart: weak evidence of the same word
    return got / (len(seq) - 1)


def _unit_match(unit: Alternatives, ex: frozenset[str], fo: frozenset[str], bi: frozenset[str]) -> float:
    return max(_seq_match(seq, ex, fo, bi) for seq in unit)


class Matcher:
    """Coverage of one question's terms over many texts: each text's per-term matches are
    computed once (a candidate is read alone, with its context and with its lead)."""

    def __init__(self, weights: TermWeights) -> None:
        self.weights = weights
        self.total = weights.total
        self._memo: dict[str, tuple[float, ...]] = {}

    def matches(self, text: str) -> tuple[float, ...]:
        hit = self._memo.get(text)
        if hit is None:
            ex, fo, bi = token_sets(text)
            hit = tuple(_unit_match(unit, ex, fo, bi) for unit, _w in self.weights.units)
            self._memo[text] = hit
        return hit

    def coverage(self, text: str, context: str = "", context_factor: float = 0.6) -> float:
        """Share of the question's weighted units found in ``text`` (``context`` counts less)."""
        if self.total <= 0:
            return 0.0
        own = self.matches(text)
        ctx = self.matches(context) if context else None
        got = 0.0
        for i, (_unit, w) in enumerate(self.weights.units):
            m = own[i]
            if m < 1.0 and ctx is not None:
                m = max(m, context_factor * ctx[i])
            got += m * w
        return got / self.total


def coverage(weights: TermWeights, text: str, context: str = "", context_factor: float = 0.6) -> float:
    """Share of the question's weighted units found in ``text`` (``context`` counts less)."""
    return Matcher(weights).coverage(text, context, context_factor)
