"""Query benchmark on the sample corpus: embedding, retrieval and grounded-answer latency.

Every question is asked once as a warm-up pass (not measured), then once more,
measured. The naive LangChain baseline (``eval/baseline.py``) answers the same
questions in the same run, so its latency and accuracy are directly comparable.
App memory is measured in a fresh process that opens the index, loads the model
and answers one question (``python -m bench.query_bench --app-rss DATA_DIR``).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bench.util import bench_settings, log, rss_mb, stats


def _filters(wards: Sequence[str]) -> Any:
    from assistant.retrieval import Filters

    return Filters(wards=list(wards)) if wards else None


def measure(
    answerer: Any,
    questions: Sequence[Any],
    label: str,
    retriever: Any | None = None,
    embedder: Any | None = None,
    warmup: bool = True,
) -> dict[str, Any]:
    """Warm-up pass, then a measured pass: latency stats (ms) and accuracy."""
    from eval.metrics import answer_correct

    if warmup:
        log(f"{label}: warm-up pass over {len(questions)} questions")
        for q in questions:
            answerer.ask(q.question, list(q.history), qid=q.id)
    log(f"{label}: measured pass over {len(questions)} questions")
    embed_ms: list[float] = []
    retrieve_ms: list[float] = []
    answer_ms: list[float] = []
    correct = 0
    answerable_ok = refusals_ok = n_answerable = n_unanswerable = 0
    for q in questions:
        if embedder is not None:
            t0 = time.perf_counter()
            embedder.embed_query(q.question)
            embed_ms.append((time.perf_counter() - t0) * 1000)
        if retriever is not None:
            t0 = time.perf_counter()
            retriever.search(q.question, _filters(q.wards))
            retrieve_ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        rec = answerer.ask(q.question, list(q.history), qid=q.id)
        answer_ms.append((time.perf_counter() - t0) * 1000)
        ok = answer_correct(rec, q)
        correct += ok
        if q.answerable:
            n_answerable += 1
            answerable_ok += ok
        else:
            n_unanswerable += 1
            refusals_ok += ok
    n = len(questions)
    return {
        "questions": n,
        "embed_ms": stats(embed_ms),
        "retrieve_ms": stats(retrieve_ms),
        "answer_ms": stats(answer_ms),
        "accuracy": round(correct / n, 4) if n else None,
        "answerable_accuracy": round(answerable_ok / n_answerable, 4) if n_answerable else None,
        "refusal_recall": round(refusals_ok / n_unanswerable, 4) if n_unanswerable else None,
    }


def app_rss(data_dir: Path, timeout_s: float = 600) -> dict[str, Any]:
    """RSS of a fresh process with the index open, the model loaded and one answer given."""
    cmd = [sys.executable, "-m", "bench.query_bench", "--app-rss", str(data_dir)]
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout_s, check=True)
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))
    except (subprocess.SubprocessError, ValueError, IndexError) as exc:
        log(f"app RSS probe failed: {exc}")
        return {"error": str(exc)}


def _app_rss_main(data_dir: Path) -> int:
    from assistant.service import Assistant
    from vectorstore.index import Index

    base = rss_mb()
    settings = bench_settings(data_dir)
    index = Index(settings)
    _ = index.embedder
    index.lexical()
    loaded = rss_mb()
    assistant = Assistant(settings, index=index, use_llm=False)
    assistant.ask("Thu ngân sách phường năm 2023 đạt bao nhiêu?", [])
    print(
        json.dumps(
            {
                "python_mb": round(base, 1),
                "model_loaded_mb": round(loaded, 1),
                "after_answer_mb": round(rss_mb(), 1),
            }
        )
    )
    return 0


def run(
    settings: Any, index: Any, embedder: Any, questions: Sequence[Any], with_baseline: bool = True
) -> dict[str, Any]:
    """Product vs naive baseline on ``questions``, over the already built sample index."""
    from assistant.service import Assistant
    from bench.util import REPORTS_DIR
    from eval.baseline import NaiveBaseline

    index.lexical()
    assistant = Assistant(settings, index=index, use_llm=False)
    product = measure(assistant, questions, "product", assistant.retriever, embedder)
    product["rss_mb_in_bench"] = round(rss_mb(), 1)
    result: dict[str, Any] = {"product": product}
    if with_baseline:
        log("naive baseline: building its index (same embedding model)")
        t0 = time.perf_counter()
        naive = NaiveBaseline(embedder, reports=[REPORTS_DIR])
        build_s = time.perf_counter() - t0
        base = measure(naive, questions, "naive baseline")
        base["build_s"] = round(build_s, 2)
        base["chunks"] = naive.chunks
        result["baseline"] = base
        p50, b50 = product["answer_ms"]["p50"], base["answer_ms"]["p50"]
        p95, b95 = product["answer_ms"]["p95"], base["answer_ms"]["p95"]
        result["comparison"] = {
            "answer_p50_ratio_product_over_baseline": round(p50 / b50, 2) if p50 and b50 else None,
            "answer_p95_ratio_product_over_baseline": round(p95 / b95, 2) if p95 and b95 else None,
            "accuracy_product": product["accuracy"],
            "accuracy_baseline": base["accuracy"],
            "accuracy_gain_points": (
                round((product["accuracy"] - base["accuracy"]) * 100, 1)
                if product["accuracy"] is not None and base["accuracy"] is not None
                else None
            ),
        }
    log("app memory: fresh process, model loaded")
    result["app_rss"] = app_rss(settings.data_dir)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.query_bench")
    ap.add_argument("--app-rss", type=Path, required=True, help="data dir of a built index")
    args = ap.parse_args(argv)
    return _app_rss_main(args.app_rss)


if __name__ == "__main__":
    raise SystemExit(main())
