"""Fit the figure/not-a-figure model (``ingest/data/figure_model.json``) on the train reports.

``python -m eval.fit_figures`` reads the two sample reports of the gold set
(``eval.indicators.TRAIN_REPORTS``) with the real pipeline, takes every number span the grammar
finds (``ingest.numbers.candidates``) and gives no other role (list number, date, year…), labels a span 1 when it matches a hand-labelled figure
(the scorer's one-to-one matching) and 0 otherwise, and fits a logistic regression on the
spans' features. The threshold maximises F1 over out-of-fold probabilities (one fold per
report), then the model is refitted on both reports. The held-out reports are never read.
"""

from __future__ import annotations

import argparse
import json
import logging
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression

from baocao.settings import load_settings
from eval.indicators import TRAIN_REPORTS, _find, gold_by_source, score_report
from ingest import figure_model
from ingest.indicators import document_figures
from ingest.pipeline import parse_file

log = logging.getLogger(__name__)
C = 1.0  # the regulariser's strength: scikit-learn's default, not tuned


def spans(sources: frozenset[str] = TRAIN_REPORTS) -> tuple[list[dict[str, float]], list[int], list[str]]:
    """(features, label, report) of every candidate span of the given gold reports."""
    settings = load_settings()
    gold = gold_by_source()
    feats: list[dict[str, float]] = []
    labels: list[int] = []
    groups: list[str] = []
    for src in sorted(sources):
        parsed = parse_file(_find(src), settings)
        pairs = [
            (f, r)
            for f, r in document_figures(parsed.metadata, parsed.chunks, -math.inf)
            if f.approx != "/"  # the plan of "A/B đồng" follows its numerator, not the model
        ]
        # every candidate is matched (a ruled-out span must not take a figure's gold label) …
        matched = score_report([r for _, r in pairs], gold[src], []).matched_idx
        for i, (f, _) in enumerate(pairs):
            if f.features.get("rule"):
                continue  # … but the model learns only the spans the grammar leaves open
            feats.append(f.features)
            labels.append(int(i in matched))
            groups.append(src)
    return feats, labels, groups


def _matrix(feats: list[dict[str, float]], names: list[str]) -> np.ndarray:
    x = np.zeros((len(feats), len(names)))
    col = {n: j for j, n in enumerate(names)}
    for i, f in enumerate(feats):
        for k, v in f.items():
            x[i, col[k]] = v
    return x


def best_threshold(prob: np.ndarray, y: np.ndarray) -> float:
    best = (-1.0, 0.5)
    for t in np.unique(prob):
        pred = prob >= t
        tp = float((pred & (y == 1)).sum())
        if not tp:
            continue
        p, r = tp / pred.sum(), tp / (y == 1).sum()
        f1 = 2 * p * r / (p + r)
        if f1 > best[0]:
            best = (f1, float(t))
    return best[1]


def fit(feats: list[dict[str, float]], labels: list[int], groups: list[str]) -> dict[str, Any]:
    names = sorted({k for f in feats for k in f})
    x, y, g = _matrix(feats, names), np.array(labels), np.array(groups)
    oof = np.zeros(len(y))
    for held in sorted(set(groups)):
        tr = g != held
        oof[~tr] = LogisticRegression(C=C, max_iter=2000).fit(x[tr], y[tr]).predict_proba(x[~tr])[:, 1]
    threshold = best_threshold(oof, y)
    model = LogisticRegression(C=C, max_iter=2000).fit(x, y)
    return {
        "about": "fitted by python -m eval.fit_figures on " + ", ".join(sorted(set(groups))),
        "threshold": round(threshold, 6),
        "intercept": round(float(model.intercept_[0]), 6),
        "weights": {n: round(float(w), 6) for n, w in zip(names, model.coef_[0], strict=True)},
        "spans": len(y),
        "positives": int(y.sum()),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.fit_figures", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=figure_model.MODEL_PATH)
    args = ap.parse_args(argv)
    feats, labels, groups = spans()
    model = fit(feats, labels, groups)
    args.out.write_text(json.dumps(model, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    figure_model.reset()
    print(f"{model['spans']} khoảng số, {model['positives']} là số liệu; ngưỡng {model['threshold']:.3f}")
    print(f"Đã ghi {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
