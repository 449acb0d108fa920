"""Answer selection as a fitted model.

Each candidate (a sentence or list lead of the retrieved passages) is described by a few
signals — dense similarity of the question to the sentence (the embedding model), lexical
coverage with the thesaurus, answer-type match, asked year and plan-vs-actual, section
heading match, retrieval rank — and a logistic regression fitted on the ``train`` split
(``python -m eval.fit_ranker``) turns them into the probability that the candidate holds
the answer. The weights, the feature scaling and the refusal threshold are data
(``assistant/data/ranker.json``), written by the code that fits them; nothing here is a
hand-set weight. The assistant answers when the best candidate's probability clears the
threshold chosen on ``train``; otherwise it says the reports do not state it.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

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


@dataclass
class Ranker:
    coef: list[float]
    intercept: float
    mean: list[float]
    scale: list[float]
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

    def probability(self, feats: dict[str, float]) -> float:
        """P(candidate holds the answer)."""
        z = self.intercept
        for name, c, m, s in zip(self.features, self.coef, self.mean, self.scale, strict=True):
            z += c * (feats.get(name, 0.0) - m) / (s or 1.0)
        return 1.0 / (1.0 + math.exp(-max(-40.0, min(40.0, z))))


@lru_cache(maxsize=2)
def load_ranker(path: Path = RANKER_PATH) -> Ranker:
    if not path.is_file():
        raise FileNotFoundError(
            f"{path} is missing: fit it with `python -m eval.fit_ranker` (uses eval/data/train.jsonl)"
        )
    d = json.loads(path.read_text(encoding="utf-8"))
    return _ranker(d)


def _ranker(d: dict[str, object]) -> Ranker:
    return Ranker(
        coef=list(d["coef"]),  # type: ignore[call-overload]
        intercept=float(d["intercept"]),  # type: ignore[arg-type]
        mean=list(d["mean"]),  # type: ignore[call-overload]
        scale=list(d["scale"]),  # type: ignore[call-overload]
        threshold=float(d["threshold"]),  # type: ignore[arg-type]
        features=tuple(d["features"]),  # type: ignore[arg-type]
        fusion=dict(d.get("fusion") or {}),  # type: ignore[call-overload]
        embedding_model=str(d.get("embedding_model", "")),
        lexical_only=_ranker(d["lexical_only"]) if d.get("lexical_only") else None,  # type: ignore[arg-type]
    )
