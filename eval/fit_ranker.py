"""Fit the answer ranker on the ``train`` split and write ``assistant/data/ranker.json``.

    python -m eval.fit_ranker [--questions eval/data/train.jsonl] [--reports data/reports]

1. Builds (or reuses) an index of the reports with the default embedding model.
2. Chooses the retrieval fusion weights (dense chunks, dense sentences, BM25) by train
   hit@5 on a small grid.
3. Collects every candidate sentence the answerer considers for each train question,
   labelled 1 when its quote holds the question's expected strings (the most of them
   any candidate holds), 0 otherwise; unanswerable questions give only negatives.
4. Fits a logistic regression (scikit-learn) on standardised features, picks the refusal
   threshold on 5-fold cross-validated probabilities (a wrong answer costs twice a false
   refusal), and prints the cross-validated train metrics and the risk–coverage table.

Only ``train`` is read here. Held-out splits (``eval/data/heldout/``) are for reporting.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np

from assistant import ranker as ranker_mod
from assistant.answer import Pick
from assistant.ranker import BASE_FEATURES, FEATURES, RANKER_PATH, add_relative
from baocao.settings import REPO_ROOT, load_settings
from eval.metrics import normalise
from eval.runner import read_questions

WRONG_COST = 2.0  # a wrong answer is worse than a refusal
SKIP_CATEGORIES = {"comparison"}  # one question, several wards: scored per ward elsewhere


def _hits(pk: Pick, must: list[str]) -> int:
    quote = " ".join(x.text for x in [pk.lead, pk.sentence, *pk.extra, *pk.notes] if x is not None)
    key = normalise(quote)
    return sum(1 for m in must if normalise(m) in key)


def _neutral(path: Path) -> None:
    """A first ranker (coverage and dense similarity only) so candidates can be collected."""
    if path.is_file():
        return
    coef = [1.0 if f in ("cov", "dense") else 0.0 for f in FEATURES]
    path.write_text(
        json.dumps(
            {
                "features": list(FEATURES),
                "coef": coef,
                "intercept": 0.0,
                "mean": [0.0] * len(FEATURES),
                "scale": [1.0] * len(FEATURES),
                "threshold": 0.0,
                "fusion": {},
            }
        ),
        encoding="utf-8",
    )


def _index(reports: Path, data_dir: Path) -> Any:
    from ingest.pipeline import parse_file
    from vectorstore.index import Index

    settings = load_settings(data_dir=data_dir, llm_base_url=None, llm_model=None, chroma_host=None)
    index = Index(settings)
    for path in sorted(p for p in reports.iterdir() if p.is_file()):
        index.add_document(parse_file(path, settings))
    index.refresh_lexical(force_save=True)
    emb = index.embedder
    original = emb.embed_query
    cached = lru_cache(maxsize=None)(lambda t: tuple(original(t)))
    emb.embed_query = lambda text: list(cached(text))  # type: ignore[method-assign]
    return settings, index


def _evidence_rank(passages: list[Any], evidence: list[str]) -> int | None:
    keys = [normalise(e)[:60] for e in evidence if e.strip()]
    for r, p in enumerate(passages):
        t = normalise(p.text)
        if any(k and k in t for k in keys):
            return r + 1
    return None


def choose_fusion(asst: Any, question_sets: list[list[Any]]) -> dict[str, float]:
    """Fusion weights by hit@5 averaged over the train files (each file weighs the same, so
    questions worded as people talk count as much as questions worded like the reports)."""
    from assistant.retrieval import Filters

    best: tuple[float, dict[str, float]] = (-1.0, {})
    for unit_w in (0.0, 0.5, 1.0, 1.5, 2.0):
        for lex_w in (0.6, 1.0, 1.4):
            asst.retriever.unit_weight, asst.retriever.lexical_weight = unit_w, lex_w
            per_file = []
            for questions in question_sets:
                ranks = []
                for q in questions:
                    if not q.answerable or not q.evidence or q.history:
                        continue
                    ps = asst.retriever.retrieve(q.question, Filters(list(q.wards))).passages
                    ranks.append(_evidence_rank(ps, q.evidence))
                per_file.append(sum(1 for r in ranks if r is not None and r <= 5) / max(1, len(ranks)))
            hit5 = sum(per_file) / len(per_file)
            print(f"fusion unit={unit_w} lexical={lex_w}: hit@5={hit5:.3f}", file=sys.stderr)
            if hit5 > best[0] + 1e-9:
                best = (hit5, {"unit_weight": unit_w, "lexical_weight": lex_w})
    return best[1]


def collect(asst: Any, questions: list[Any], weight: float = 1.0) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for q in questions:
        if q.category in SKIP_CATEGORIES:
            continue
        log: list[list[Pick]] = []
        asst.candidate_log = log
        asst.ask(q.question, list(q.history))
        asst.candidate_log = None
        picks = [pk for group in log for pk in group]
        if not picks:
            rows.append({"qid": q.id, "answerable": q.answerable, "X": [], "y": [], "w": weight})
            continue
        must = list(q.must_contain) if q.answerable else []
        hits = [_hits(pk, must) for pk in picks] if must else [0] * len(picks)
        top = max(hits)
        need = math.ceil(len(must) / 2) if must else 1
        y = [int(bool(must) and h == top and h >= need) for h in hits]
        X = [{f: pk.features.get(f, 0.0) for f in BASE_FEATURES} for pk in picks]
        rows.append({"qid": q.id, "answerable": q.answerable, "X": X, "y": y, "w": weight})
    return rows


def _fit(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> tuple[Any, np.ndarray, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    w = w * len(w) / w.sum()  # mean weight 1: the regularisation strength keeps its meaning
    mean = X.mean(axis=0)
    scale = X.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=1.0, max_iter=3000)
    model.fit((X - mean) / scale, y, sample_weight=w)
    return model, mean, scale


def outcomes(rows: list[dict[str, Any]], probs: list[np.ndarray]) -> list[tuple[float, str]]:
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


def _matrices(rows: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = np.array([x for r in rows for x in r["X"]], dtype=float)
    y = np.array([v for r in rows for v in r["y"]], dtype=int)
    w = np.array([r["w"] for r in rows for _ in r["y"]], dtype=float)
    return X, y, w


def fit_with_threshold(
    rows: list[dict[str, Any]],
) -> tuple[Any, np.ndarray, np.ndarray, list[dict[str, float]], dict[str, float]]:
    """The model fitted on every row, and the refusal threshold chosen on 5-fold
    cross-validated probabilities (folds by question): model, mean, scale, table, best row."""
    folds = np.arange(len(rows)) % 5
    cv_probs: list[np.ndarray] = [np.zeros(0)] * len(rows)
    for f in range(5):
        m, mu, sc = _fit(*_matrices([r for i, r in enumerate(rows) if folds[i] != f]))
        for i, r in enumerate(rows):
            if folds[i] == f and r["X"]:
                cv_probs[i] = m.predict_proba((np.array(r["X"]) - mu) / sc)[:, 1]
    table = risk_coverage(outcomes(rows, cv_probs), [round(t, 2) for t in np.arange(0.05, 0.96, 0.05)])
    best = min(table, key=lambda r: (r["cost"], -r["accuracy"]))
    model, mean, scale = _fit(*_matrices(rows))
    return model, mean, scale, table, best


def _lexical_only(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The same fit without the dense signals: used when the index was built with another
    embedding model than the one fitted on (its similarities are on another scale)."""
    from assistant.ranker import DENSE_FEATURES

    keep = [i for i, f in enumerate(FEATURES) if f not in DENSE_FEATURES]
    sub = [{**r, "X": [[x[i] for i in keep] for x in r["X"]]} for r in rows]
    model, mean, scale, _table, best = fit_with_threshold(sub)
    return {
        "features": [FEATURES[i] for i in keep],
        "coef": [round(float(c), 6) for c in model.coef_[0]],
        "intercept": round(float(model.intercept_[0]), 6),
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "threshold": best["threshold"],
    }


def _collect_all(
    asst: Any, sets: list[list[Any]], fusion: dict[str, float] | None = None
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    fusion = fusion or choose_fusion(asst, sets)
    asst.retriever.unit_weight = fusion["unit_weight"]
    asst.retriever.lexical_weight = fusion["lexical_weight"]
    ranker_mod.load_ranker.cache_clear()
    # every train file weighs the same in the fit, whatever its number of candidates
    rows = [r for qs in sets for r in collect(asst, qs)]
    for qs in sets:
        ids = {q.id for q in qs}
        n_cand = sum(len(r["y"]) for r in rows if r["qid"] in ids) or 1
        for r in rows:
            if r["qid"] in ids:
                r["w"] = 1.0 / n_cand
    return fusion, rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--questions",
        type=Path,
        nargs="+",
        default=[
            REPO_ROOT / "eval" / "data" / "train.jsonl",
            REPO_ROOT / "eval" / "data" / "train_paraphrase.jsonl",
        ],
    )
    ap.add_argument("--reports", type=Path, default=REPO_ROOT / "data" / "reports")
    ap.add_argument("--data-dir", type=Path, default=REPO_ROOT / ".data" / "fit")
    ap.add_argument("--out", type=Path, default=RANKER_PATH)
    ap.add_argument("--fusion", help="UNIT,LEXICAL weights instead of the grid search (e.g. 1.0,1.4)")
    ap.add_argument("--reuse", action="store_true", help="refit from the candidates collected last time")
    args = ap.parse_args(argv)
    from assistant.service import Assistant

    _neutral(args.out)
    sets = []
    for path in args.questions:
        qs, problems = read_questions(path)
        for p in problems:
            print(f"{path}: {p}", file=sys.stderr)
        sets.append(qs)
    settings, index = _index(args.reports, args.data_dir)
    asst = Assistant(settings, index=index, use_llm=False)
    cache = args.data_dir / "candidates.json"
    if args.reuse and cache.is_file():  # refit from the candidates collected last time
        saved = json.loads(cache.read_text(encoding="utf-8"))
        fusion, rows = saved["fusion"], saved["rows"]
    else:
        given = None
        if args.fusion:
            u, lx = (float(x) for x in args.fusion.split(","))
            given = {"unit_weight": u, "lexical_weight": lx}
        fusion, rows = _collect_all(asst, sets, given)
        cache.write_text(json.dumps({"fusion": fusion, "rows": rows}), encoding="utf-8")
    for r in rows:  # base features (dicts, as collected) -> the model's feature matrix
        feats = [dict(x) for x in r["X"]]
        add_relative(feats)
        r["X"] = [[f.get(name, 0.0) for name in FEATURES] for f in feats]

    model, mean, scale, table, best = fit_with_threshold(rows)
    out = {
        "features": list(FEATURES),
        "coef": [round(float(c), 6) for c in model.coef_[0]],
        "intercept": round(float(model.intercept_[0]), 6),
        "mean": [round(float(v), 6) for v in mean],
        "scale": [round(float(v), 6) for v in scale],
        "threshold": best["threshold"],
        "fusion": fusion,
        "embedding_model": settings.embedding_model,
        "fitted_on": [p.name for p in args.questions],
        "train_questions": len(rows),
        "train_candidates": sum(len(r["y"]) for r in rows),
        "cv_risk_coverage": table,
    }
    out["lexical_only"] = _lexical_only(rows)
    args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    ranker_mod.load_ranker.cache_clear()
    print(
        f"fusion {fusion}; threshold {best['threshold']} (cv accuracy {best['accuracy']:.3f}, "
        f"wrong {best['wrong']:.3f}, false refusals {best['false_refusal']:.3f})"
    )
    for name, c in sorted(zip(FEATURES, model.coef_[0], strict=True), key=lambda x: -abs(x[1])):
        print(f"  {name:14s} {c:+.3f}")
    index.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
