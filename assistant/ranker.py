"""Answer selection as a fitted model.

Each candidate (a sentence or list lead of the retrieved passages) is described by a few
signals — dense similarity of the question to the sentence (the embedding model), lexical
coverage with the thesaurus, answer-type match, asked year and plan-vs-actual, section
heading match, retrieval rank. Two models fitted on the ``train`` split
(``python -m eval fit``) turn them into an answer:

1. a linear score per candidate, fitted listwise (softmax over the question's candidates:
   the candidate that holds the answer should come first, whatever the others look like);
2. a logistic regression over how the candidate stands among the others (its score, its
   margin over the best rival, its softmax share, how well the best candidate covers the
   question's words, how close in meaning it is) giving the probability that it is the right
   answer. It is fitted on
   out-of-fold scores, so it learns how far to trust scores on questions the scorer never saw.

The weights, the scaling and the refusal threshold are data (``assistant/data/ranker.json``),
written by the code that fits them; nothing here is a hand-set weight. The assistant answers
when the best candidate's probability clears the threshold chosen on ``train``; otherwise it
says the reports do not state it.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

RANKER_PATH = Path(__file__).parent / "data" / "ranker.json"

BASE_FEATURES: tuple[str, ...] = (
    "cov",  # weighted share of question terms in the sentence + its context
    "own",  # ... in the sentence alone
    "sec",  # ... in the section heading path
    "dense",  # cosine(question, sentence) from the embedding model
    "dense_unacc",  # dense similarity when the question is typed without diacritics
    "unit_hit",  # 1/(rank) of the sentence in the sentence-level dense search
    "prank",  # 1/(rank) of its passage in hybrid retrieval
    "figure",  # holds a figure (not a year, not a list number)
    "num_miss",  # the question asks a number, the sentence has none
    "pct_miss",  # the question asks a rate, the sentence has no %
    "unit_match",  # a figure counted in the asked unit ("bao nhiêu hộ" -> "266 hộ")
    "unit_miss",  # asked unit, no figure of it
    "subject_miss",  # "tỷ lệ X": X is not in the quote
    "name_miss",  # a proper name of the question is not in the passage
    "year",  # asked year matches the section (+) / another year's section (-)
    "plan_match",  # plan-vs-actual of question and section agree (+1) / disagree (-1)
    "list_fit",  # a list question and a list lead with items
    "heading",  # a heading line, not a statement
    "short",  # fewer than 25 characters
    "closing",  # the report's closing formula ("Trên đây là …")
    "log_len",
    "who_fit",  # "ai ký …" and the signature block
)
# Each candidate against the question's other candidates: ranking is relative, and how
# well the best candidate covers the question says whether the passages answer it at all.
RELATIVE_FEATURES: tuple[str, ...] = (
    "dense_gap",
    "dense_top",
    "cov_gap",
    "own_gap",
    "cov_top",
    "sec_gap",
    "cov_max",
)
FEATURES: tuple[str, ...] = BASE_FEATURES + RELATIVE_FEATURES
# Signals whose scale belongs to the embedding model the ranker was fitted with.
DENSE_FEATURES = frozenset({"dense", "dense_unacc", "unit_hit", "dense_gap", "dense_top"})


def add_relative(feats: list[dict[str, float]]) -> None:
    """Add the relative features to every candidate of one question (in place)."""
    if not feats:
        return
    top = {k: max(f.get(k, 0.0) for f in feats) for k in ("dense", "cov", "own", "sec")}
    for f in feats:
        f["dense_gap"] = top["dense"] - f.get("dense", 0.0)
        f["dense_top"] = float(f.get("dense", 0.0) >= top["dense"])
        f["cov_gap"] = top["cov"] - f.get("cov", 0.0)
        f["own_gap"] = top["own"] - f.get("own", 0.0)
        f["cov_top"] = float(f.get("cov", 0.0) >= top["cov"])
        f["sec_gap"] = top["sec"] - f.get("sec", 0.0)
        f["cov_max"] = top["cov"]


# How a candidate stands among the question's candidates (stage 2).
# Its stage-1 score, margin over the best rival and softmax share, and a few of its own
# signals that say whether the question is answered at all: how well the best candidate
# covers the question's words, how close in meaning the candidate is (and whether it is the
# closest, and its rank in the sentence search). Chosen among a few sets by cross-validated
# cost on train (README, "Chất lượng và tốc độ").
STANDING_SIGNALS: tuple[str, ...] = ("cov_max", "dense", "dense_top", "unit_hit")
QUESTION_FEATURES: tuple[str, ...] = ("top", "margin", "share", *STANDING_SIGNALS)
NO_RIVAL_MARGIN = 5.0  # the margin of a lone candidate (scores are standardised-feature sums)


def standing(scores: Sequence[float], candidates: Sequence[dict[str, float]]) -> list[list[float]]:
    """QUESTION_FEATURES of every candidate given all the candidates' stage-1 scores."""
    s = [float(x) for x in scores]
    if not s:
        return []
    m = max(s)
    z = sum(math.exp(x - m) for x in s)
    order = sorted(s, reverse=True)
    runner_up = order[1] if len(order) > 1 else order[0] - NO_RIVAL_MARGIN
    out = []
    for x, f in zip(s, candidates, strict=True):
        margin = x - (order[0] if x < order[0] else runner_up)  # the best: its lead over the runner-up
        out.append([x, margin, math.exp(x - m) / z, *(f.get(n, 0.0) for n in STANDING_SIGNALS)])
    return out


def _sigmoid(z: float) -> float:
    return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


@dataclass
class Ranker:
    coef: list[float]  # stage 1: candidate score over standardised FEATURES
    mean: list[float]
    scale: list[float]
    answer_coef: list[float]  # stage 2: over standardised QUESTION_FEATURES
    answer_intercept: float
    answer_mean: list[float]
    answer_scale: list[float]
    threshold: float = 0.5
    features: tuple[str, ...] = FEATURES
    fusion: dict[str, float] = field(default_factory=dict)
    embedding_model: str = ""
    lexical_only: Ranker | None = None

    def for_model(self, model: str) -> Ranker:
        """The ranker to use with vectors of ``model``: another embedding model's similarities
        are on another scale, so the model fitted without the dense signals is used."""
        if model and self.embedding_model and model != self.embedding_model and self.lexical_only:
            return self.lexical_only
        return self

    def score(self, feats: dict[str, float]) -> float:
        """Stage 1: the candidate's score (only its order among the question's candidates counts)."""
        return sum(
            c * (feats.get(name, 0.0) - m) / (s or 1.0)
            for name, c, m, s in zip(self.features, self.coef, self.mean, self.scale, strict=True)
        )

    def answer_probability(self, standing_row: Sequence[float]) -> float:
        z = self.answer_intercept
        for x, c, m, s in zip(
            standing_row, self.answer_coef, self.answer_mean, self.answer_scale, strict=True
        ):
            z += c * (x - m) / (s or 1.0)
        return _sigmoid(z)

    def probabilities(self, candidates: Sequence[dict[str, float]]) -> list[float]:
        """P(candidate is the answer) for each candidate of one question."""
        if not candidates:
            return []
        rows = standing([self.score(f) for f in candidates], candidates)
        return [self.answer_probability(r) for r in rows]


@lru_cache(maxsize=2)
def load_ranker(path: Path = RANKER_PATH) -> Ranker:
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: fit it with `python -m eval fit` (the train split, eval/data/train*.jsonl)"
        )
    d = json.loads(path.read_text(encoding="utf-8"))
    return ranker_from_dict(d)


def ranker_from_dict(d: dict[str, Any]) -> Ranker:
    return Ranker(
        coef=list(d["coef"]),
        mean=list(d["mean"]),
        scale=list(d["scale"]),
        answer_coef=list(d["answer"]["coef"]),
        answer_intercept=float(d["answer"]["intercept"]),
        answer_mean=list(d["answer"]["mean"]),
        answer_scale=list(d["answer"]["scale"]),
        threshold=float(d["threshold"]),
        features=tuple(d["features"]),
        fusion=dict(d.get("fusion") or {}),
        embedding_model=str(d.get("embedding_model", "")),
        lexical_only=ranker_from_dict(d["lexical_only"]) if d.get("lexical_only") else None,
    )
