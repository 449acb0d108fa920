"""Embedding backends side by side: torch vs ONNX Runtime (int8 / fp32), one run.

Each variant runs in its own fresh process (``python -m bench.embed_bench --worker SPEC``) so
that model load time and RSS are its own:

* *ingest*: ~500 distinct chunks (copies of the sample reports with wards renamed and figures
  changed, :mod:`bench.synth`) through ``Index.add_document`` into an empty data dir, the
  embedding cache off; chunks/s end to end **including model load** (process start excluded),
  then the same texts again through the cache (*cached* chunks/s);
* *dense retrieval* on the real sample chunks: hit@1/hit@5 of every dev (and held-out) question
  with evidence, dense only, and the top-1 chunk per question (→ agreement with torch);
* *ms/query*: ``embed_query`` p50/p95 over the questions (after a warm-up);
* *answers*: the sample reports ingested, every question answered by the assistant
  (grounded, no LLM) → accuracy, hit@5, answer p50;
* RSS after all of that, peak RSS.

``--threads`` measures thread counts instead: 1 and 2 threads, single queries and batches of
16 chunks, for each backend (run it on an idle and on a loaded machine).

The models come from the configured ``BAOCAO_DATA_DIR/models`` (``make model`` builds them);
everything else lives in a temp dir.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from bench.util import REPO_ROOT, bench_settings, log, peak_rss_mb, rss_mb, source_files, stats

VARIANTS = {
    "torch": {"embedding_backend": "torch"},
    "onnx-int8": {"embedding_backend": "onnx", "embedding_onnx_precision": "int8"},
    "onnx-fp32": {"embedding_backend": "onnx", "embedding_onnx_precision": "fp32"},
}
HELDOUT_DIR = REPO_ROOT / "eval" / "data" / "heldout"
DEV = REPO_ROOT / "eval" / "data" / "dev.jsonl"
TRAIN = REPO_ROOT / "eval" / "data" / "train.jsonl"


def question_files() -> list[Path]:
    """The development questions (dev.jsonl, or train.jsonl since the split) + every held-out set."""
    return [p for p in (DEV, TRAIN) if p.is_file()][:1] + sorted(HELDOUT_DIR.glob("*.jsonl"))


def _settings(data_dir: Path, models_dir: Path, variant: str, **extra: Any) -> Any:
    data_dir.mkdir(parents=True, exist_ok=True)
    link = data_dir / "models"
    if not link.exists():
        link.symlink_to(models_dir.resolve(), target_is_directory=True)
    return bench_settings(data_dir, **VARIANTS[variant], **extra)


def _synth_docs(n_chunks: int) -> list[Any]:
    from bench.synth import Synthesizer
    from ingest.pipeline import parse_file

    sources = [parse_file(f, bench_settings(Path(tempfile.gettempdir()))) for f in source_files()]
    synth = Synthesizer(sources)
    docs, total, copy = [], 0, 0
    while total < n_chunks:
        for j in range(synth.n_sources):
            d = synth.document(copy, j).parsed
            docs.append(d)
            total += len(d.chunks)
        copy += 1
    return docs


# ----------------------------------------------------------------------------- worker parts
def _ingest(spec: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    from vectorstore.embeddings import load_embedder
    from vectorstore.index import Index

    docs = _synth_docs(int(spec["chunks"]))
    work = Path(spec["work"])
    settings = _settings(work / "ingest", Path(spec["models_dir"]), spec["variant"], embedding_cache=False)
    t0 = time.perf_counter()
    embedder = load_embedder(settings)
    load_s = time.perf_counter() - t0
    index = Index(settings, embedder=embedder)
    chunks = embed_s = 0.0
    for d in docs:
        res = index.add_document(d)
        chunks += res.chunks
        embed_s += res.timings.get("embed_s", 0.0)
    total_s = time.perf_counter() - t0
    index.close()
    texts = [c.embed_text for d in docs for c in d.chunks]
    # the embedding cache: first pass fills it, the second is all hits
    cached = _settings(work / "cached", Path(spec["models_dir"]), spec["variant"])
    from vectorstore.embeddings import CachedEmbedder, cache_path, model_key

    inner = embedder
    cache_emb = CachedEmbedder(inner, _cache(cache_path(cached), model_key(inner, _location(cached))))
    cache_emb.embed_documents(texts)
    t1 = time.perf_counter()
    cache_emb.embed_documents(texts)
    cached_s = time.perf_counter() - t1
    return {
        "chunks": int(chunks),
        "docs": len(docs),
        "model_load_s": round(load_s, 2),
        "embed_s": round(embed_s, 2),
        "total_s": round(total_s, 2),
        "chunks_per_s": round(chunks / total_s, 2),
        "embed_chunks_per_s": round(chunks / embed_s, 2) if embed_s else None,
        "cached_chunks_per_s": round(len(texts) / cached_s, 1) if cached_s else None,
    }, embedder


def _cache(path: Path, key: str) -> Any:
    from vectorstore.embed_cache import EmbeddingCache

    return EmbeddingCache(path, key)


def _location(settings: Any) -> str:
    from vectorstore.embeddings import resolve_model_location

    return resolve_model_location(settings)


def _sample_chunks() -> list[Any]:
    from ingest.pipeline import parse_file

    return [c for f in source_files() for c in parse_file(f, bench_settings(Path("/tmp"))).chunks]


def _dense(embedder: Any, chunks: list[Any], mat: np.ndarray, questions: Sequence[Any]) -> dict[str, Any]:
    """Dense-only retrieval over the real sample chunks (vectors ``mat``) + query latency."""
    from eval.metrics import has_retrieval_target, hit_at, retrieval_rank

    for q in questions[:5]:
        embedder.embed_query(q.question)  # warm-up
    ranks: list[int | None] = []
    top1: dict[str, str] = {}
    ms: list[float] = []
    for q in questions:
        t0 = time.perf_counter()
        v = np.asarray(embedder.embed_query(q.question), dtype=np.float32)
        ms.append((time.perf_counter() - t0) * 1000)
        order = np.argsort(-(mat @ v))
        top1[q.id] = chunks[int(order[0])].id
        if q.answerable and has_retrieval_target(q):
            ranks.append(retrieval_rank([chunks[int(i)].text for i in order[:10]], q.evidence))
    return {
        "questions": len(questions),
        "with_evidence": len(ranks),
        "hit@1": round(hit_at(ranks, 1), 4) if ranks else None,  # None: no question with evidence
        "hit@5": round(hit_at(ranks, 5), 4) if ranks else None,
        "query_ms": stats(ms),
        "top1": top1,
    }


def _answers(spec: dict[str, Any], embedder: Any, files: Sequence[Path]) -> dict[str, Any]:
    from assistant.service import Assistant
    from eval.metrics import summarise
    from eval.runner import run_questions
    from ingest.pipeline import parse_file
    from vectorstore.index import Index

    settings = _settings(Path(spec["work"]) / "answers", Path(spec["models_dir"]), spec["variant"])
    index = Index(settings, embedder=embedder)
    for f in source_files():
        index.add_document(parse_file(f, settings))
    index.refresh_lexical(force_save=True)
    assistant = Assistant(settings, index=index, use_llm=False)
    out: dict[str, Any] = {}
    for path in files:
        recs, qs, problems = run_questions(
            assistant, path, Path(spec["work"]) / f"{path.stem}.out.jsonl", path.stem
        )
        if not recs:
            out[path.stem] = {"questions": 0, "problems": problems[:3]}
            continue
        s = summarise(recs, qs)["overall"]
        keys = ("questions", "accuracy", "accuracy_all", "hit@1", "hit@5", "latency_p50_ms")
        out[path.stem] = {k: s.get(k) for k in keys}
        out[path.stem]["correct_ids"] = sorted(r.id for r, q in zip(recs, qs, strict=True) if _correct(r, q))
    index.close()
    return out


def _correct(rec: Any, q: Any) -> bool:
    from eval.metrics import answer_correct

    return bool(answer_correct(rec, q))


def worker(spec: dict[str, Any]) -> dict[str, Any]:
    from bench.util import load_questions

    base = rss_mb()
    res: dict[str, Any] = {"variant": spec["variant"], "python_mb": round(base, 1)}
    res["ingest"], embedder = _ingest(spec)
    files = [Path(p) for p in spec["question_files"]]
    chunks = _sample_chunks()
    mat = np.asarray(embedder.embed_documents([c.embed_text for c in chunks]), dtype=np.float32)
    res["dense"] = {p.stem: _dense(embedder, chunks, mat, load_questions(p)) for p in files}
    if spec.get("answers", True):
        res["answers"] = _answers(spec, embedder, files)
    res["rss_mb"] = round(rss_mb(), 1)
    res["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return res


# ---------------------------------------------------------------------------------- threads
def threads_worker(spec: dict[str, Any]) -> dict[str, Any]:
    """ms per single query and chunks/s per batch of 16, with 1 and 2 threads."""
    from vectorstore.embeddings import load_embedder

    chunks = [c.embed_text for c in _sample_chunks()]
    queries = [q.question for q in _dev_questions()[:40]]
    out: dict[str, Any] = {"load_avg": [round(x, 2) for x in os.getloadavg()]}
    for n in (1, 2):
        s = _settings(Path(spec["work"]) / f"t{n}", Path(spec["models_dir"]), spec["variant"])
        emb = load_embedder(s.model_copy(update={"embedding_threads": n, "embedding_cache": False}))
        emb.embed_documents(chunks[:16])
        emb.embed_query(queries[0])
        ms = []
        for q in queries:
            t0 = time.perf_counter()
            emb.embed_query(q)
            ms.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        emb.embed_documents(chunks[:64])
        batch_s = time.perf_counter() - t0
        out[f"{n}_threads"] = {"query_ms": stats(ms), "batch_chunks_per_s": round(64 / batch_s, 1)}
    return out


def _dev_questions() -> list[Any]:
    from bench.util import load_questions

    return load_questions(question_files()[0])


# ----------------------------------------------------------------------------------- parent
def _spawn(spec: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "bench.embed_bench", "--worker", json.dumps(spec)]
    env = {**os.environ, "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "2")}
    try:
        out = subprocess.run(
            cmd, capture_output=True, text=True, timeout=timeout_s, check=True, env=env, cwd=REPO_ROOT
        )
        return dict(json.loads(out.stdout.strip().splitlines()[-1]))
    except subprocess.CalledProcessError as exc:
        return {"variant": spec["variant"], "error": (exc.stderr or "")[-2000:]}
    except (subprocess.SubprocessError, ValueError, IndexError) as exc:
        return {"variant": spec["variant"], "error": str(exc)}


def agreement(a: dict[str, str], b: dict[str, str]) -> float | None:
    common = [k for k in a if k in b]
    return round(sum(a[k] == b[k] for k in common) / len(common), 4) if common else None


def run(
    work: Path,
    variants: Sequence[str] = ("torch", "onnx-int8"),
    chunks: int = 500,
    answers: bool = True,
    timeout_s: float = 3600.0,
) -> dict[str, Any]:
    """Every variant in its own process, then agreement and deltas against torch."""
    from baocao.settings import load_settings
    from vectorstore.onnx_export import ensure_model

    settings = load_settings()
    ensure_model(settings.model_copy(update={"embedding_backend": "onnx"}))  # models built once
    files = [str(p) for p in question_files()]
    rows: dict[str, Any] = {}
    for v in variants:
        log(f"embed bench: {v} …")
        spec = {
            "variant": v,
            "work": str(work / v),
            "models_dir": str(settings.models_dir),
            "chunks": chunks,
            "question_files": files,
            "answers": answers,
        }
        rows[v] = _spawn(spec, timeout_s)
        if "error" in rows[v]:
            log(f"embed bench: {v} FAILED: {rows[v]['error'][-500:]}")
    ref = rows.get("torch", {})
    for v, row in rows.items():
        if v == "torch" or "error" in row or "error" in ref:
            continue
        row["vs_torch"] = {
            "ingest_speedup": round(row["ingest"]["chunks_per_s"] / ref["ingest"]["chunks_per_s"], 2),
            "top1_agreement": {
                k: agreement(ref["dense"][k]["top1"], row["dense"][k]["top1"]) for k in row["dense"]
            },
        }
        if "answers" in row:
            row["vs_torch"]["accuracy_delta_points"] = {
                k: round(100 * (row["answers"][k]["accuracy"] - ref["answers"][k]["accuracy"]), 2)
                for k in row["answers"]
                if row["answers"][k].get("accuracy") is not None
                and (ref["answers"].get(k) or {}).get("accuracy") is not None
            }
    for row in rows.values():  # keep the report readable
        for d in row.get("dense", {}).values():
            d.pop("top1", None)
        for a in row.get("answers", {}).values():
            a.pop("correct_ids", None)
    return {"variants": rows, "load_avg": [round(x, 2) for x in os.getloadavg()]}


def markdown(res: dict[str, Any]) -> str:
    """The side-by-side table for bench/results/latest.md."""
    rows = res.get("variants", {})
    names = list(rows)
    if not names:
        return ""

    def cell(v: str, *path: str) -> str:
        d: Any = rows[v]
        for p in path:
            d = d.get(p) if isinstance(d, dict) else None
        return "—" if d is None else str(d)

    lines = ["## Embedding backends (torch vs ONNX Runtime)", ""]
    if any("error" in rows[v] for v in names):
        lines += [f"- {v}: FAILED `{rows[v]['error'][-300:]}`" for v in names if "error" in rows[v]] + [""]
    ok = [v for v in names if "error" not in rows[v]]
    spec = [
        ("ingest chunks/s (end to end, incl. model load)", ("ingest", "chunks_per_s")),
        ("chunks ingested", ("ingest", "chunks")),
        ("model load s", ("ingest", "model_load_s")),
        ("embedding chunks/s", ("ingest", "embed_chunks_per_s")),
        ("cached re-embed chunks/s", ("ingest", "cached_chunks_per_s")),
        ("speed-up vs torch (end to end)", ("vs_torch", "ingest_speedup")),
        ("RSS MB (after all)", ("rss_mb",)),
        ("peak RSS MB", ("peak_rss_mb",)),
    ]
    for qf in rows[ok[0]].get("dense", {}) if ok else []:
        spec += [
            (f"{qf}: ms/query p50", ("dense", qf, "query_ms", "p50")),
            (f"{qf}: dense hit@1", ("dense", qf, "hit@1")),
            (f"{qf}: dense hit@5", ("dense", qf, "hit@5")),
            (f"{qf}: dense top-1 same as torch", ("vs_torch", "top1_agreement", qf)),
            (f"{qf}: answer accuracy", ("answers", qf, "accuracy")),
            (f"{qf}: answer hit@5 (hybrid)", ("answers", qf, "hit@5")),
            (f"{qf}: accuracy Δ vs torch (points)", ("vs_torch", "accuracy_delta_points", qf)),
            (f"{qf}: answer p50 ms", ("answers", qf, "latency_p50_ms")),
        ]
    lines += ["| | " + " | ".join(ok) + " |", "|---|" + "---|" * len(ok)]
    lines += [f"| {label} | " + " | ".join(cell(v, *path) for v in ok) + " |" for label, path in spec]
    lines += ["", f"Load average at the end: {res.get('load_avg')}.", ""]
    return "\n".join(lines)


def run_threads(work: Path, variants: Sequence[str] = ("torch", "onnx-int8")) -> dict[str, Any]:
    from baocao.settings import load_settings

    settings = load_settings()
    out = {}
    for v in variants:
        spec = {"variant": v, "work": str(work / v), "models_dir": str(settings.models_dir), "threads": True}
        out[v] = _spawn(spec, 1800)
    return out


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.embed_bench", description=__doc__.split("\n")[0])
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--variants", default="torch,onnx-int8", help=f"comma-separated, of {sorted(VARIANTS)}")
    ap.add_argument("--chunks", type=int, default=500, help="distinct chunks to ingest per variant")
    ap.add_argument("--no-answers", action="store_true", help="skip the assistant accuracy runs")
    ap.add_argument("--threads", action="store_true", help="measure 1 vs 2 threads instead")
    ap.add_argument("--out", type=Path, default=None, help="write the JSON result here")
    args = ap.parse_args(argv)
    if args.worker:
        spec = json.loads(args.worker)
        res = threads_worker(spec) if spec.get("threads") else worker(spec)
        print(json.dumps(res, ensure_ascii=False))
        return 0
    variants = [v.strip() for v in args.variants.split(",") if v.strip()]
    bad = [v for v in variants if v not in VARIANTS]
    if bad:
        ap.error(f"--variants: unknown {bad}; valid: {sorted(VARIANTS)}")
    with tempfile.TemporaryDirectory(prefix="baocao-embed-bench-") as tmp:
        if args.threads:
            res = run_threads(Path(tmp), variants)
        else:
            res = run(Path(tmp), variants, args.chunks, answers=not args.no_answers)
    text = json.dumps(res, ensure_ascii=False, indent=2)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
