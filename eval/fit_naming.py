"""Fit the name chooser (``ingest/data/naming.json``) on the train reports.

``python -m eval.fit_naming`` extracts the two sample reports' figures
(``eval.indicators.TRAIN_REPORTS``) with an ``ingest.naming.NameChooser`` that records every
figure's candidate names and their features, labels a candidate 1 when it names the same thing
as the hand-labelled indicator (``eval.indicators.same_indicator``), and fits a logistic
regression on the candidates. It prints the name accuracy of picking the best-scored candidate,
out-of-fold (fitted on one report, applied to the other) and on both. The held-out reports are
never read.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

from baocao.settings import Settings, load_settings
from eval.fit_figures import _matrix
from eval.indicators import TRAIN_REPORTS, _find, gold_by_source, same_indicator, score_report
from ingest import naming
from ingest.indicators import document_figures
from ingest.naming import NameChooser
from ingest.pipeline import parse_file

C = 1.0  # scikit-learn's default, not tuned


def embed_function(settings: Settings) -> naming.Embed:
    from vectorstore.embeddings import load_embedder

    return load_embedder(settings).embed_documents


Group = list[tuple[dict[str, float], int]]  # one figure: its candidates' features and labels


def figures(chooser: NameChooser, sources: frozenset[str] = TRAIN_REPORTS) -> dict[str, list[Group]]:
    settings = load_settings()
    gold = gold_by_source()
    out: dict[str, list[Group]] = {}
    for src in sorted(sources):
        parsed = parse_file(_find(src), settings)
        pairs = list(document_figures(parsed.metadata, parsed.chunks, None, chooser))
        matched = score_report([r for _, r in pairs], gold[src], []).matched_idx
        groups = []
        for i, (f, _) in enumerate(pairs):
            if i in matched and f.names:
                want = gold[src][matched[i]]["indicator"]
                groups.append([(feats, int(same_indicator(name, want))) for name, feats in f.names])
        out[src] = groups
    return out


def _fit(groups: list[Group], names: list[str]) -> LogisticRegression:
    rows = [c for g in groups for c in g]
    x = _matrix([r[0] for r in rows], names)
    y = np.array([r[1] for r in rows])
    return LogisticRegression(C=C, max_iter=5000).fit(x, y)


def accuracy(model: LogisticRegression, groups: list[Group], names: list[str]) -> float:
    ok = 0
    for g in groups:
        p = model.predict_proba(_matrix([c[0] for c in g], names))[:, 1]
        ok += g[int(np.argmax(p))][1]
    return ok / len(groups) if groups else 0.0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.fit_naming", description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=naming.CONFIG_PATH)
    args = ap.parse_args(argv)
    settings = load_settings()
    by_src = figures(NameChooser(embed_function(settings)))
    names = sorted({k for gs in by_src.values() for g in gs for c in g for k in c[0]})
    every = [g for gs in by_src.values() for g in gs]
    words = sum(g[0][1] for g in every) / len(every)  # the first candidate: the word cascade
    ceiling = sum(any(c[1] for c in g) for g in every) / len(every)
    oof = {
        held: accuracy(_fit([g for s, gs in by_src.items() if s != held for g in gs], names), gs, names)
        for held, gs in by_src.items()
    }
    model = _fit(every, names)
    cfg = {
        "about": "fitted by python -m eval.fit_naming on " + ", ".join(sorted(by_src)),
        "model": settings.embedding_model,
        "intercept": round(float(model.intercept_[0]), 6),
        "weights": {n: round(float(w), 6) for n, w in zip(names, model.coef_[0], strict=True)},
        "train_name_accuracy": {
            "word_cascade": round(words, 4),
            "fitted": round(accuracy(model, every, names), 4),
            "out_of_fold": {k: round(v, 4) for k, v in oof.items()},
            "ceiling": round(ceiling, 4),
        },
    }
    args.out.write_text(json.dumps(cfg, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    naming.config.cache_clear()
    print(json.dumps(cfg["train_name_accuracy"], ensure_ascii=False))
    print(f"Đã ghi {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
