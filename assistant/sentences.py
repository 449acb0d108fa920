"""Split passages into sentences / list items and score them against a question."""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise

from baocao.vntext import fold, tokenize

_BULLET_RE = re.compile(r"^\s*(?:[-+•*–]|\d{1,2}[.)]|[a-zđ][)])\s+")
# sentence end: . ; ! ? followed by space and an upper-case letter, digit, bullet or "("
_SENT_END_RE = re.compile(r"(?<=[.!?])\s+(?=[\"“(A-ZĐÀ-Ỹ0-9-])")
_MAX_SENT = 260


@dataclass
class Sentence:
    text: str
    passage: int  # index into the passage list
    order: int  # position inside the passage
    para: int = 0  # paragraph index inside the passage
    group: int = -1  # clauses split from one long sentence share a group
    is_bullet: bool = False
    ends_with_colon: bool = False


def split_sentences(text: str, passage: int = 0) -> list[Sentence]:
    out: list[Sentence] = []
    for pi, para in enumerate(re.split(r"\n+", text)):
        para = para.strip()
        if not para:
            continue
        bullet = bool(_BULLET_RE.match(para))
        parts: list[str] = []
        for part in _SENT_END_RE.split(para):
            # "TP. Bắc Giang", "Q. 1": a short abbreviation is not a sentence end
            if parts and re.search(r"(?:^|\s)(?:[A-ZĐ][\w]{0,3}|\d{1,2}(?:\.\d{1,2})*|[a-zđ])\.$", parts[-1]):
                parts[-1] = parts[-1] + " " + part
            else:
                parts.append(part)
        for part in parts:
            part = part.strip()
            if not part:
                continue
            pieces = [part]
            if len(part) > _MAX_SENT and ";" in part:
                pieces = _split_long(part)
            group = len(out)
            for pc in pieces:
                out.append(
                    Sentence(
                        pc,
                        passage,
                        len(out),
                        para=pi,
                        group=group,
                        is_bullet=bullet,
                        ends_with_colon=pc.endswith(":"),
                    )
                )
    return out


def _split_long(text: str) -> list[str]:
    """Split an over-long sentence at semicolons into clauses of reasonable size."""
    clauses = [c.strip() for c in text.split(";") if c.strip()]
    out: list[str] = []
    cur = ""
    for c in clauses:
        cand = f"{cur}; {c}" if cur else c
        if cur and len(cand) > _MAX_SENT:
            out.append(cur + ";")
            cur = c
        else:
            cur = cand
    if cur:
        out.append(cur)
    return out


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
