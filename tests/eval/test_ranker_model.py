"""The two-stage answer ranker: listwise scorer, standing, refusal threshold."""

from __future__ import annotations

import random

import numpy as np
import pytest

from assistant.ranker import NO_RIVAL_MARGIN, QUESTION_FEATURES, load_ranker, standing
from eval.ranker_model import cross_validated, fit_two_stage, fit_with_threshold, probabilities

pytestmark = pytest.mark.unit

FEATS = ["signal", "noise", "cov_max", "dense", "dense_top", "unit_hit"]


def _rows(n: int = 120, seed: int = 3) -> list[dict[str, object]]:
    """Questions whose right candidate has a higher ``signal``; a sixth are unanswerable
    (no candidate stands out)."""
    rng = random.Random(seed)
    rows = []
    for q in range(n):
        answerable = q % 6 != 0
        k = rng.randint(5, 12)
        right = rng.randrange(k) if answerable else -1
        X = []
        for i in range(k):
            sig = rng.gauss(2.0 if i == right else 0.0, 0.7)
            X.append([sig, rng.gauss(0, 1), 0.8 if answerable else 0.3, 0.0, 0.0, 0.0])
        rows.append(
            {
                "qid": f"q{q}",
                "answerable": answerable,
                "X": X,
                "y": [int(i == right) for i in range(k)],
                "w": 1.0,
            }
        )
    return rows


def test_standing_of_candidates() -> None:
    cands = [{"cov_max": 0.5}, {"cov_max": 0.5}, {"cov_max": 0.5}]
    rows = standing([2.0, 1.0, -1.0], cands)
    assert [r[0] for r in rows] == [2.0, 1.0, -1.0]
    assert rows[0][1] == pytest.approx(1.0) and rows[1][1] == pytest.approx(-1.0)
    assert sum(r[2] for r in rows) == pytest.approx(1.0)
    assert len(rows[0]) == len(QUESTION_FEATURES)
    assert standing([0.3], [{}])[0][1] == NO_RIVAL_MARGIN


def test_fitted_ranker_puts_the_signal_first_and_refuses_the_unanswerable() -> None:
    rows = _rows()
    model = fit_two_stage(rows, FEATS, 0.01)
    assert model["coef"][0] > abs(model["coef"][1])  # the signal, not the noise
    test = _rows(60, seed=9)
    top_right = [r["y"][int(np.argmax(probabilities(model, r)))] for r in test if r["answerable"]]
    assert np.mean(top_right) > 0.7
    p_ans = [max(probabilities(model, r)) for r in test if r["answerable"]]
    p_unans = [max(probabilities(model, r)) for r in test if not r["answerable"]]
    assert np.mean(p_ans) > np.mean(p_unans) + 0.2


def test_threshold_is_chosen_on_cross_validated_cost() -> None:
    rows = _rows()
    model, table = fit_with_threshold(rows, FEATS)
    best = min(table, key=lambda t: (t["cost"], -t["accuracy"]))
    assert model["threshold"] == best["threshold"]
    assert table == cross_validated(rows, FEATS, model["l2"])[0]
    assert all(t["wrong"] + t["false_refusal"] <= 1.0 for t in table)


def test_l2_is_the_strongest_within_one_standard_error_of_the_lowest_cost() -> None:
    model, _ = fit_with_threshold(_rows(), FEATS)
    tried = {float(k): v for k, v in model["cv_l2"].items()}
    lowest = min(tried.values(), key=lambda v: v["cost"])
    within = [l2 for l2, v in tried.items() if v["cost"] <= lowest["cost"] + lowest["se"]]
    assert model["l2"] == max(within)
    assert all(v["se"] > 0 for v in tried.values())


def test_shipped_ranker_reads_and_scores() -> None:
    rk = load_ranker()
    assert rk.features and len(rk.answer_coef) == len(QUESTION_FEATURES)
    good = {"cov": 1.0, "own": 1.0, "figure": 1.0, "prank": 1.0, "cov_max": 1.0, "cov_top": 1.0}
    bad = {"cov": 0.1, "own": 0.0, "num_miss": 1.0, "prank": 0.2, "cov_max": 1.0, "cov_gap": 0.9}
    p_good, p_bad = rk.probabilities([good, bad])
    assert p_good > p_bad
