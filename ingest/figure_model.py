"""Which number spans are figures: a logistic model over the grammar's features.

``ingest.numbers.candidates`` describes every number of a sentence (``Figure.features``: the
role the grammar gives it — list number, date, document number, year… — its unit, its shape,
where it stands). A span the grammar gives another role is never a figure; for the others, this model, fitted by ``python -m eval.fit_figures`` on the hand labels of the
two sample reports only, weighs those features into the probability that the span states a
quantity; spans at or above the fitted threshold are figures. The weights live in
``data/figure_model.json`` (plain numbers: no scikit-learn at ingest time). Without that file
every span the grammar gives no other role is a figure.
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

MODEL_PATH = Path(__file__).parent / "data" / "figure_model.json"


@lru_cache(maxsize=1)
def _model() -> dict[str, Any] | None:
    if not MODEL_PATH.exists():
        return None
    data: dict[str, Any] = json.loads(MODEL_PATH.read_text(encoding="utf-8"))
    return data


def reset() -> None:
    """Forget the loaded weights (after ``eval.fit_figures`` rewrote them)."""
    _model.cache_clear()


def threshold() -> float:
    m = _model()
    return float(m["threshold"]) if m else 0.5


def score(features: dict[str, float]) -> float:
    """The probability that a span with these features is a figure. A span the grammar gives
    another role (a list number, date, document number, year, code…: feature ``rule``) is
    never one: the model weighs only the spans the grammar leaves open."""
    if features.get("rule"):
        return 0.0
    m = _model()
    if m is None:
        return 0.0 if features.get("label_list") else 1.0
    weights: dict[str, float] = m["weights"]
    z = float(m["intercept"]) + sum(weights.get(k, 0.0) * v for k, v in features.items())
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))
