"""Fit the answer ranker on the ``train`` split and write ``assistant/data/ranker.json``.

    python -m eval fit [--questions eval/data/train*.jsonl] [--reports data/reports] [--reuse]

1. Builds (or reuses) an index of the reports with the default embedding model. When the model
   is tuned on train questions (``vectorstore.tuning``), it is cross-fitted: the train questions
   are split in two folds, and each fold is answered over an index embedded by a model tuned on
   the other fold's pairs only, so the ranker learns how far to trust the dense signals on
   questions the tuned model has not seen (the questions an official will ask).
2. Chooses the retrieval fusion weights (dense chunks, dense sentences, BM25) by train
   MRR of the evidence passage on a small grid.
3. Collects every candidate sentence the answerer considers for each train question,
   labelled 1 when its quote holds the question's expected strings (the most of them
   any candidate holds), 0 otherwise; unanswerable questions give only negatives.
4. Fits the two-stage ranker (``eval.ranker_model``: listwise candidate score, then the
   probability that the best candidate is right), picks the refusal threshold on 5-fold
   cross-validated probabilities (a wrong answer costs twice a false refusal), and prints
   the cross-validated train metrics. The same fit without the dense signals is stored as
   ``lexical_only`` (used with another embedding model's index).

Only ``train`` is read here. Held-out splits (``eval/data/heldout/``) are for reporting.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import sys
from functools import lru_cache
from pathlib import Path
from typing import Any

from assistant import ranker as ranker_mod
from assistant.answer import Pick
from assistant.ranker import (
    BASE_FEATURES,
    DENSE_FEATURES,
    FEATURES,
    QUESTION_FEATURES,
    RANKER_PATH,
    add_relative,
)
from baocao.settings import REPO_ROOT
from baocao.vntext import has_diacritics
from eval.metrics import normalise
from eval.ranker_model import fit_with_threshold
from eval.runner import index_settings, read_questions
from eval.splits import TRAIN_FILES

SKIP_CATEGORIES = {"comparison"}
CROSS_FOLDS = 4  # train questions answered by a model tuned without them (on the other 3/4)


def _hits(pk: Pick, must: list[str]) -> int:
    quote = " ".join(x.text for x in [pk.lead, pk.sentence, *pk.extra, *pk.notes] if x is not None)
    key = normalise(quote)
    return sum(1 for m in must if normalise(m) in key)


def _neutral(path: Path) -> None:
    """A first ranker (coverage and dense similarity only) so candidates can be collected,
    unless a ranker of the current format is there."""
    try:
        ranker_mod.ranker_from_dict(json.loads(path.read_text(encoding="utf-8")))
        return
    except (OSError, ValueError, KeyError, TypeError):
        pass
    coef = [1.0 if f in ("cov", "dense") else 0.0 for f in FEATURES]
    n = len(QUESTION_FEATURES)
    answer = {"coef": [1.0] + [0.0] * (n - 1), "intercept": 0.0, "mean": [0.0] * n, "scale": [1.0] * n}
    path.write_text(
        json.dumps(
            {
                "features": list(FEATURES),
                "coef": coef,
                "mean": [0.0] * len(FEATURES),
                "scale": [1.0] * len(FEATURES),
                "answer": answer,
                "threshold": 0.0,
                "fusion": {},
            }
        ),
        encoding="utf-8",
    )


def _index(reports: Path, data_dir: Path, **overrides: Any) -> Any:
    from ingest.pipeline import parse_file
    from vectorstore.index import Index

    settings = index_settings(data_dir, **overrides)
    index = Index(settings)
    for path in sorted(p for p in reports.iterdir() if p.is_file()):
        index.add_document(parse_file(path, settings))
    index.refresh_lexical(force_save=True)
    emb = index.embedder
    original = emb.embed_query
    cached = lru_cache(maxsize=None)(lambda t: tuple(original(t)))
    emb.embed_query = lambda text: list(cached(text))  # type: ignore[method-assign]
    return settings, index


def _answerers(reports: Path, data_dir: Path, folds: int) -> tuple[Answerers, list[Any]]:
    """The fitting assistants and their indexes: one per cross-fitting fold when the embedding
    model is tuned (each fold's model tuned on the other folds' pairs), else one."""
    from assistant.service import Assistant
    from vectorstore.tuning import pairs_path, read_pairs, tuning_on, write_pairs

    base = index_settings(data_dir)
    if folds <= 1 or not tuning_on(base):
        settings, index = _index(reports, data_dir)
        return Answerers([Assistant(settings, index=index, use_llm=False)]), [index]
    pairs = read_pairs(pairs_path(base))
    assistants, indexes = [], []
    for k in range(folds):
        path = data_dir / f"tuning-pairs-fold{k}.jsonl"
        write_pairs([p for p in pairs if fold_of(p.qid, folds) != k], path)
        settings, index = _index(reports, data_dir, embedding_tuning_pairs=path)
        assistants.append(Assistant(settings, index=index, use_llm=False))
        indexes.append(index)
    return Answerers(assistants), indexes


def _evidence_rank(passages: list[Any], evidence: list[str]) -> int | None:
    keys = [normalise(e)[:60] for e in evidence if e.strip()]
    for r, p in enumerate(passages):
        t = normalise(p.text)
        if any(k and k in t for k in keys):
            return r + 1
    return None


class Answerers:
    """The assistants that answer the train questions while fitting. With cross-fitting, one per
    fold, each over an index embedded by a model tuned without that fold's questions: a train
    question's dense signals then look as they will for a question the tuned model never saw
    (with the model tuned on every question they look far better than that, and the ranker
    would learn to trust them too much)."""

    def __init__(self, assistants: list[Any]) -> None:
        self.assistants = assistants

    def __call__(self, q: Any) -> Any:
        return self.assistants[fold_of(q.id, len(self.assistants))]

    def set(self, name: str, value: float) -> None:
        for a in self.assistants:
            setattr(a.retriever, name, value)


def fold_of(qid: str, folds: int) -> int:
    return int(hashlib.sha256(qid.encode()).hexdigest()[:8], 16) % folds


def _mrr(answerers: Answerers, questions: list[Any]) -> tuple[float, int]:
    """MRR of the evidence passage over the questions with evidence, and their number."""
    from assistant.retrieval import Filters

    ranks = []
    for q in questions:
        if not q.answerable or not q.evidence or q.history:
            continue
        ps = answerers(q).retriever.retrieve(q.question, Filters(list(q.wards))).passages
        ranks.append(_evidence_rank(ps, q.evidence))
    return sum(1 / r for r in ranks if r is not None) / max(1, len(ranks)), len(ranks)


def choose_fusion(asst: Answerers, question_sets: list[list[Any]]) -> dict[str, float]:
    """Fusion weights by the mean reciprocal rank of the evidence passage among the passages
    the answerer reads (smoother than hit@5 on a few hundred questions), averaged over the
    train files (each file weighs the same, so questions worded as people talk count as much
    as questions worded like the reports). Then, with those weights, how much the dense ranks
    count for questions typed without diacritics (e5 reads them poorly), by the MRR of the
    train questions typed that way."""
    best: tuple[float, dict[str, float]] = (-1.0, {})
    for unit_w in (0.0, 0.5, 1.0, 1.5, 2.0):
        for lex_w in (0.6, 1.0, 1.4):
            asst.set("unit_weight", unit_w)
            asst.set("lexical_weight", lex_w)
            per_file = [_mrr(asst, qs)[0] for qs in question_sets]
            mrr = sum(per_file) / len(per_file)
            print(f"fusion unit={unit_w} lexical={lex_w}: mrr={mrr:.3f}", file=sys.stderr)
            if mrr > best[0] + 1e-9:
                best = (mrr, {"unit_weight": unit_w, "lexical_weight": lex_w})
    asst.set("unit_weight", best[1]["unit_weight"])
    asst.set("lexical_weight", best[1]["lexical_weight"])
    unaccented = [q for qs in question_sets for q in qs if not has_diacritics(q.question)]
    factor: tuple[float, float] = (-1.0, 0.0)
    for f in (0.0, 0.15, 0.3, 0.6, 1.0):
        asst.set("unaccented_dense_factor", f)
        mrr, n = _mrr(asst, unaccented)
        print(f"unaccented dense factor {f}: mrr={mrr:.3f} ({n} questions)", file=sys.stderr)
        if mrr > factor[0] + 1e-9:
            factor = (mrr, f)
    return {**best[1], "unaccented_dense_factor": factor[1]}


def collect(answerers: Answerers, questions: list[Any], weight: float = 1.0) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for q in questions:
        if q.category in SKIP_CATEGORIES:
            continue
        asst = answerers(q)
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


def _collect_all(
    asst: Answerers, sets: list[list[Any]], fusion: dict[str, float] | None = None
) -> tuple[dict[str, float], list[dict[str, Any]]]:
    fusion = fusion or choose_fusion(asst, sets)
    for name, value in fusion.items():
        asst.set(name, value)
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
        default=TRAIN_FILES,
    )
    ap.add_argument("--reports", type=Path, default=REPO_ROOT / "data" / "reports")
    ap.add_argument("--data-dir", type=Path, default=REPO_ROOT / ".data" / "fit")
    ap.add_argument("--out", type=Path, default=RANKER_PATH)
    ap.add_argument("--fusion", help="UNIT,LEXICAL weights instead of the grid search (e.g. 1.0,1.4)")
    ap.add_argument("--reuse", action="store_true", help="refit from the candidates collected last time")
    ap.add_argument(
        "--cross-folds",
        type=int,
        default=CROSS_FOLDS,
        help="answer each train question with a model tuned without it (1: with the shipped model)",
    )
    args = ap.parse_args(argv)
    from vectorstore.embeddings import vector_name

    _neutral(args.out)
    sets = []
    for path in args.questions:
        qs, problems = read_questions(path)
        for p in problems:
            print(f"{path}: {p}", file=sys.stderr)
        sets.append(qs)
    model_name = vector_name(index_settings(args.data_dir))
    cache = args.data_dir / "candidates.json"
    if args.reuse and cache.is_file():  # refit from the candidates collected last time
        saved = json.loads(cache.read_text(encoding="utf-8"))
        fusion, rows = saved["fusion"], saved["rows"]
    else:
        given = None
        if args.fusion:
            u, lx = (float(x) for x in args.fusion.split(","))
            given = {"unit_weight": u, "lexical_weight": lx}
        answerers, indexes = _answerers(args.reports, args.data_dir, args.cross_folds)
        fusion, rows = _collect_all(answerers, sets, given)
        for index in indexes:
            index.close()
        cache.parent.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({"fusion": fusion, "rows": rows}), encoding="utf-8")
    for r in rows:  # base features (dicts, as collected) -> the model's feature matrix
        feats = [dict(x) for x in r["X"]]
        add_relative(feats)
        r["X"] = [[f.get(name, 0.0) for name in FEATURES] for f in feats]

    model, table = fit_with_threshold(rows, list(FEATURES))
    keep = [i for i, f in enumerate(FEATURES) if f not in DENSE_FEATURES]
    lexical_rows = [{**r, "X": [[x[i] for i in keep] for x in r["X"]]} for r in rows]
    lexical, _ = fit_with_threshold(lexical_rows, [FEATURES[i] for i in keep])
    out = {
        **model,
        "fusion": fusion,
        "embedding_model": model_name,
        "fitted_on": [p.name for p in args.questions],
        "train_questions": len(rows),
        "train_candidates": sum(len(r["y"]) for r in rows),
        "cv_risk_coverage": table,
        "lexical_only": lexical,
    }
    args.out.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    ranker_mod.load_ranker.cache_clear()
    for name, m in (("ranker", model), ("lexical-only", lexical)):
        cv = m["cv"]
        print(
            f"{name}: l2 {m['l2']}, threshold {m['threshold']} (cv accuracy {cv['accuracy']:.3f}, "
            f"wrong {cv['wrong']:.3f}, false refusals {cv['false_refusal']:.3f})"
        )
    print(f"fusion {fusion}")
    for name, c in sorted(zip(FEATURES, model["coef"], strict=True), key=lambda x: -abs(x[1])):
        print(f"  {name:14s} {c:+.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
