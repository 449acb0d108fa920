"""Split passages into sentences / list items and score them against a question."""

from __future__ import annotations

from dataclasses import dataclass
from itertools import pairwise

from baocao.vntext import fold, tokenize
from ingest.sentences import Sentence, split_sentences

__all__ = ["Sentence", "TermWeights", "coverage", "split_sentences", "token_sets"]

@dataclass
class TermWeights:
    """Question terms as "units": a two-syllable word (when the corpus knows it as one)
    or a single syllable, each with an idf weight. A unit matches a text exactly or
    folded (no diacritics); a two-syllable unit only matches the syllables adjacent."""

    units: list[tuple[tuple[str, ...], float]]

    @property
    def total(self) -> float:
        return sum(w for _, w in self.units)


def token_sets(text: str) -> tuple[set[str], set[str], set[str]]:
    toks = tokenize(text)
    folded = [fold(t) for t in toks]
    bigrams = {f"{a}_{b}" for a, b in pairwise(toks)} | {f"~{a}_{b}" for a, b in pairwise(folded)}
    if "%" in text:  # "92,5%" answers "bao nhiêu phần trăm"
        bigrams.update(("phần_trăm", "~phan_tram"))
    return set(toks), set(folded), bigrams


def _unit_match(unit: tuple[str, ...], ex: set[str], fo: set[str], bi: set[str]) -> float:
    if len(unit) == 1:
        t = unit[0]
        if t in ex:
            return 1.0
        return 0.9 if fold(t) in fo else 0.0
    a, b = unit
    if f"{a}_{b}" in bi:
        return 1.0
    if f"~{fold(a)}_{fold(b)}" in bi:
        return 0.9
    # both syllables present but apart: weak evidence of the same word
    return 0.3 if fold(a) in fo and fold(b) in fo else 0.0


def coverage(weights: TermWeights, text: str, context: str = "", context_factor: float = 0.6) -> float:
    """Share of the question's weighted units found in ``text`` (``context`` counts less)."""
    if weights.total <= 0:
        return 0.0
    ex, fo, bi = token_sets(text)
    cex, cfo, cbi = token_sets(context) if context else (set(), set(), set())
    got = 0.0
    for unit, w in weights.units:
        m = _unit_match(unit, ex, fo, bi)
        if m == 0.0 and context:
            m = context_factor * _unit_match(unit, cex, cfo, cbi)
        got += m * w
    return got / weights.total
