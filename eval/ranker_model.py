"""Fitting the two-stage answer ranker (``assistant.ranker``) from collected candidates.

A *row* is one train question: ``X`` (its candidates' FEATURES, one list per candidate),
``y`` (1 for the candidates whose quote holds the expected strings), ``answerable`` and
``w`` (the question's candidates' weight, so each train file weighs the same).

Stage 1 is a conditional logit: a linear score per candidate, fitted by the softmax
cross-entropy of the question's right candidates among all its candidates (L2 on the
standardised weights). Stage 2 is a logistic regression from each question's best
candidate's standing (``assistant.ranker.standing``) to "that candidate is right", fitted on
stage-1 scores of questions the stage-1 model did not see (inner folds). The refusal
threshold minimises ``WRONG_COST * wrong + false refusals`` over 5-fold cross-validated
probabilities (the folds drawn ``REPEATS`` times, so one lucky split does not decide), and the
L2 strength by the same cost with the one-standard-error rule: the strongest L2 whose cost is
within one standard error of the lowest (the cost surface over L2 is flat and noisy; the
simpler model is the one to trust on questions unlike train's).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from assistant.ranker import QUESTION_FEATURES, standing

WRONG_COST = 2.0  # a wrong answer is worse than a refusal
L2_GRID = (0.01, 0.03, 0.1, 0.3)
FOLDS = 5
REPEATS = 3
THRESHOLDS = [round(t, 2) for t in np.arange(0.05, 0.96, 0.05)]

Row = dict[str, Any]


def _standardise(rows: list[Row]) -> tuple[np.ndarray, np.ndarray]:
    X = np.array([x for r in rows for x in r["X"]], dtype=float)
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    return mean, scale


def fit_scorer(rows: list[Row], l2: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stage 1: (coef, mean, scale) of the listwise linear score."""
    import torch

    mean, scale = _standardise(rows)
    used = [r for r in rows if r["X"] and any(r["y"])]
    width = max(len(r["y"]) for r in used)
    # every question's candidates in one padded tensor: one batched softmax per step
    X = np.zeros((len(used), width, len(mean)))
    valid = np.zeros((len(used), width), dtype=bool)
    right = np.zeros((len(used), width), dtype=bool)
    for q, r in enumerate(used):
        n = len(r["y"])
        X[q, :n] = (np.array(r["X"]) - mean) / scale
        valid[q, :n] = True
        right[q, :n] = np.array(r["y"], dtype=bool)
    w = np.array([r["w"] * len(r["y"]) for r in used])
    Xt, Vt, Rt = torch.tensor(X), torch.tensor(valid), torch.tensor(right)
    wt = torch.tensor(w / w.sum())
    coef = torch.zeros(len(mean), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.LBFGS([coef], max_iter=300, line_search_fn="strong_wolfe")

    def closure() -> Any:
        opt.zero_grad()
        s = Xt @ coef
        all_ = torch.logsumexp(s.masked_fill(~Vt, -1e9), 1)
        pos = torch.logsumexp(s.masked_fill(~Rt, -1e9), 1)
        loss = l2 * (coef**2).sum() + (wt * (all_ - pos)).sum()
        loss.backward()
        return loss

    opt.step(closure)
    return coef.detach().numpy(), mean, scale


def _scores(r: Row, scorer: tuple[np.ndarray, np.ndarray, np.ndarray]) -> np.ndarray:
    coef, mean, scale = scorer
    if not r["X"]:
        return np.zeros(0)
    return np.asarray(((np.array(r["X"]) - mean) / scale) @ coef)


def _dicts(r: Row, features: list[str]) -> list[dict[str, float]]:
    return [dict(zip(features, x, strict=True)) for x in r["X"]]


def _top_standing(
    rows: list[Row], scorers: list[tuple[np.ndarray, np.ndarray, np.ndarray]], features: list[str]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stage-2 training data: each question's best candidate's standing, whether it is right,
    and the question's weight (``scorers[i]`` scores row ``i``)."""
    Q, Y, W = [], [], []
    for r, scorer in zip(rows, scorers, strict=True):
        s = _scores(r, scorer)
        if len(s) == 0:
            continue
        top = int(np.argmax(s))
        Q.append(standing(s.tolist(), _dicts(r, features))[top])
        Y.append(int(bool(r["answerable"]) and r["y"][top] == 1))
        W.append(r["w"] * len(r["y"]))
    return np.array(Q), np.array(Y), np.array(W)


def _folds(n: int, k: int, seed: int = 0) -> np.ndarray:
    """Fold of each row: interleaved (seed 0), or a seeded shuffle of that for repeats."""
    folds = np.arange(n) % k
    if seed:
        np.random.default_rng(seed).shuffle(folds)
    return folds


def fit_two_stage(rows: list[Row], features: list[str], l2: float) -> dict[str, Any]:
    """Both stages fitted on ``rows`` (stage 2 on inner out-of-fold scores)."""
    from sklearn.linear_model import LogisticRegression

    inner = _folds(len(rows), 4)
    oof: list[Any] = [None] * len(rows)
    for g in range(4):
        sc = fit_scorer([r for i, r in enumerate(rows) if inner[i] != g], l2)
        for i in np.flatnonzero(inner == g):
            oof[i] = sc
    Q, Y, W = _top_standing(rows, oof, features)
    q_mean, q_scale = Q.mean(axis=0), Q.std(axis=0)
    q_scale[q_scale == 0] = 1.0
    answer = LogisticRegression(C=1.0, max_iter=3000)
    answer.fit((Q - q_mean) / q_scale, Y, sample_weight=W * len(W) / W.sum())
    coef, mean, scale = fit_scorer(rows, l2)
    return {
        "features": list(features),
        "coef": [round(float(c), 6) for c in coef],
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "answer": {
            "features": list(QUESTION_FEATURES),
            "coef": [round(float(c), 6) for c in answer.coef_[0]],
            "intercept": round(float(answer.intercept_[0]), 6),
            "mean": [round(float(v), 6) for v in q_mean],
            "scale": [round(float(v), 6) for v in q_scale],
        },
        "l2": l2,
    }


def probabilities(model: dict[str, Any], r: Row) -> np.ndarray:
    from assistant.ranker import ranker_from_dict

    rk = ranker_from_dict({**model, "threshold": 0.0})
    return np.array(rk.probabilities(_dicts(r, model["features"])))


def outcomes(rows: list[Row], probs: list[np.ndarray]) -> list[tuple[float, str]]:
    """Per question: the best candidate's probability and what answering would be."""
    out = []
    for r, p in zip(rows, probs, strict=True):
        if len(p) == 0:
            out.append((0.0, "none" if r["answerable"] else "unans"))
            continue
        i = int(np.argmax(p))
        kind = "unans" if not r["answerable"] else ("right" if r["y"][i] else "wrong")
        out.append((float(p[i]), kind))
    return out


def risk_coverage(outs: list[tuple[float, str]], thresholds: list[float]) -> list[dict[str, float]]:
    table = []
    n = len(outs)
    for t in thresholds:
        right = sum(1 for p, k in outs if p >= t and k == "right")
        wrong = sum(1 for p, k in outs if p >= t and k in ("wrong", "unans"))
        good_refusal = sum(1 for p, k in outs if p < t and k == "unans")
        false_refusal = sum(1 for p, k in outs if p < t and k in ("right", "wrong", "none"))
        table.append(
            {
                "threshold": t,
                "accuracy": (right + good_refusal) / n,
                "wrong": wrong / n,
                "false_refusal": false_refusal / n,
                "answered": (right + wrong) / n,
                "cost": (WRONG_COST * wrong + false_refusal) / n,
            }
        )
    return table


def cross_validated(
    rows: list[Row], features: list[str], l2: float, repeats: int = REPEATS
) -> tuple[list[dict[str, float]], list[list[tuple[float, str]]]]:
    """Risk–coverage table of 5-fold cross-validated probabilities (folds by question), pooled
    over ``repeats`` fold draws; and each draw's outcomes."""
    draws = []
    for seed in range(repeats):
        folds = _folds(len(rows), FOLDS, seed)
        probs: list[np.ndarray] = [np.zeros(0)] * len(rows)
        for f in range(FOLDS):
            model = fit_two_stage([r for i, r in enumerate(rows) if folds[i] != f], features, l2)
            for i in np.flatnonzero(folds == f):
                if rows[i]["X"]:
                    probs[i] = probabilities(model, rows[i])
        draws.append(outcomes(rows, probs))
    return risk_coverage([o for d in draws for o in d], THRESHOLDS), draws


def cost_se(draws: list[list[tuple[float, str]]], threshold: float) -> float:
    """Standard error of the mean per-question cost at ``threshold`` (each question's cost
    averaged over the draws, so repeats do not count as more questions)."""
    per_q = np.mean(
        [
            [
                (WRONG_COST if k in ("wrong", "unans") else 0.0) if p >= threshold else float(k != "unans")
                for p, k in d
            ]
            for d in draws
        ],
        axis=0,
    )
    return float(per_q.std(ddof=1) / np.sqrt(len(per_q))) if len(per_q) > 1 else 0.0


def fit_with_threshold(rows: list[Row], features: list[str]) -> tuple[dict[str, Any], list[dict[str, float]]]:
    """The model fitted on every row with the refusal threshold of the lowest cross-validated
    cost and the strongest L2 within one standard error of the best L2's cost; returns (model
    with ``threshold``, that L2's risk–coverage table)."""
    tried = []  # (l2, table, best row, its standard error)
    for l2 in L2_GRID:
        table, draws = cross_validated(rows, features, l2)
        row = min(table, key=lambda t: (t["cost"], -t["accuracy"]))
        tried.append((l2, table, row, cost_se(draws, row["threshold"])))
    lowest = min(tried, key=lambda t: (t[2]["cost"], -t[2]["accuracy"]))
    l2, table, row, _se = max(
        (t for t in tried if t[2]["cost"] <= lowest[2]["cost"] + lowest[3]), key=lambda t: t[0]
    )
    model = fit_two_stage(rows, features, l2)
    model["threshold"] = row["threshold"]
    model["cv"] = {k: round(v, 4) for k, v in row.items()}
    model["cv_l2"] = {str(t[0]): {"cost": round(t[2]["cost"], 4), "se": round(t[3], 4)} for t in tried}
    return model, table
