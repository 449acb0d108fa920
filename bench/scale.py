"""Scale benchmark: the synthetic corpus at N× the sample on three stores side by side —
Chroma embedded, a Chroma server and Milvus Lite (``BAOCAO_VECTOR_BACKEND=milvus``).

Each (scale, mode) runs in two fresh processes (``python -m bench.scale build|query SPEC OUT``),
so RSS and timings are not polluted by earlier runs; in server mode the Chroma
server (``chroma run``) is started before the build and stopped after the queries.
* build: writes every synthetic document through the product's real write path,
  ``Index.add_document`` (recover → chunk upserts → document record = commit
  marker), with a stub embedder that hands back the stored sample vectors (+ tiny
  noise) instead of re-embedding chunks, and a cheap deterministic (hash) embedder for
  the sentence units (stored as the product stores them; their similarities carry no meaning);
  then ``refresh_lexical()``;
* query: a fresh app process opens the index, loads the real model, and asks a
  fixed sample of dev questions, each rewritten to a ward of the synthetic corpus
  (figures perturbed the same way, so accuracy stays measurable), after one
  warm-up pass. Comparisons that name no ward make the assistant compare EVERY
  ward; they are timed once, separately (``all_ward_comparison_ms``);
* reports build time, latency p50/p95, index size on disk, RSS (and the server's RSS).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Sequence
from contextlib import closing
from pathlib import Path
from typing import Any

import numpy as np

from bench.synth import Synthesizer, _seed, noisy_vectors
from bench.util import REPO_ROOT, bench_settings, dir_size_mb, log, peak_rss_mb, quiet_logs, rss_mb

CHROMA_BIN = Path(sys.executable).parent / "chroma"


class VectorStub:
    """Embedder whose ``embed_documents`` returns precomputed chunk vectors (then hash vectors for
    the sentence units that follow); queries use the real model."""

    def __init__(self, real: Any) -> None:
        from vectorstore.embeddings import HashEmbedder

        self.real = real
        self.name: str = real.name
        self.pending: list[list[float]] | None = None
        self.units = HashEmbedder(int(real.dimension), name=real.name)

    @property
    def dimension(self) -> int:
        return int(self.real.dimension)

    def embed_query(self, text: str) -> list[float]:
        vec: list[float] = self.real.embed_query(text)
        return vec

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        vecs, self.pending = self.pending, None
        if vecs is None:  # the sentence units of the document just written
            return list(self.units.embed_documents(texts))
        if len(vecs) != len(texts):
            raise RuntimeError(
                f"VectorStub: {len(texts)} texts but {0 if vecs is None else len(vecs)} vectors"
            )
        return vecs


# Chroma server -----------------------------------------------------------------------------
def free_port() -> int:
    with closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(path: Path, timeout_s: float = 60.0) -> tuple[subprocess.Popen[bytes], int]:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    port = free_port()
    path.mkdir(parents=True, exist_ok=True)
    logf = open(path.parent / "chroma-server.log", "wb")  # noqa: SIM115 - lives as long as the server
    proc = subprocess.Popen(
        [str(CHROMA_BIN), "run", "--host", "127.0.0.1", "--port", str(port), "--path", str(path)],
        stdout=logf,
        stderr=subprocess.STDOUT,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    logf.close()
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"chroma server exited with {proc.returncode}")
        try:
            chromadb.HttpClient(
                host="127.0.0.1", port=port, settings=ChromaSettings(anonymized_telemetry=False)
            ).heartbeat()
            return proc, port
        except Exception:
            time.sleep(0.3)
    stop_server(proc)
    raise RuntimeError(f"chroma server did not answer within {timeout_s}s")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


# questions ---------------------------------------------------------------------------------
def question_sample(questions: Sequence[Any], n: int) -> list[Any]:
    """A fixed, evenly spread sample of about ``n`` questions (every k-th by file order)."""
    step = max(1, len(questions) // max(1, n))
    return list(questions[::step])


def scale_question(q: Any, synth: Synthesizer, copies: int) -> Any:
    """The question addressed to the wards of one synthetic copy (figures perturbed alike)."""
    copy = _seed("question", q.id) % copies
    renames = synth.renames(copy)
    return q.model_copy(
        update={
            "question": synth.transform(q.question, copy),
            "history": [synth.transform(h, copy) for h in q.history],
            "wards": [renames.get(w, w) for w in q.wards],
            "must_contain": [synth.transform(s, copy) for s in q.must_contain],
        }
    )


# worker ------------------------------------------------------------------------------------
def build(
    index: Any, stub: VectorStub, synth: Synthesizer, base: list[np.ndarray], copies: int
) -> dict[str, Any]:
    from vectorstore.ingest_service import IngestService

    service = IngestService(index.settings, index)
    total_docs = copies * synth.n_sources
    store_s = gen_s = 0.0
    docs = chunks = 0
    t_all = time.perf_counter()
    step = max(1, total_docs // 10)
    for i in range(copies):
        for j in range(synth.n_sources):
            t0 = time.perf_counter()
            sd = synth.document(i, j)
            stub.pending = noisy_vectors(base[j], i, j, sd.source_chunks)
            gen_s += time.perf_counter() - t0
            res = service.add_parsed(sd.parsed)
            store_s += res.timings.get("store_s", 0.0)
            docs += 1
            chunks += res.chunks
            if docs % step == 0:
                log(f"  build: {docs}/{total_docs} docs, {chunks} chunks, {time.perf_counter() - t_all:.0f}s")
    write_s = time.perf_counter() - t_all - gen_s
    t0 = time.perf_counter()
    service.finish()
    lexical_s = time.perf_counter() - t0
    return {
        "docs": docs,
        "chunks": chunks,
        "generate_s": round(gen_s, 2),
        "write_s": round(write_s, 2),
        "upsert_s": round(store_s, 2),
        "lexical_s": round(lexical_s, 2),
        "build_s": round(write_s + lexical_s, 2),
        "write_chunks_per_s": round(chunks / write_s, 1) if write_s else None,
    }


def _is_all_ward_comparison(q: Any, synth: Synthesizer) -> bool:
    """A comparison naming no sample ward: the assistant compares EVERY ward (cost ∝ wards)."""
    from baocao.vntext import fold

    text = fold(" ".join([q.question, *q.history])).lower()
    return q.category == "comparison" and not any(fold(w).lower() in text for w in synth.source_wards)


def _setup(spec: dict[str, Any]) -> tuple[Any, Synthesizer, Any]:
    from bench.util import make_embedder, source_files
    from ingest.pipeline import parse_file

    overrides: dict[str, Any] = {}
    if spec.get("chroma_port"):
        overrides = {"chroma_host": "127.0.0.1", "chroma_port": int(spec["chroma_port"])}
    if spec.get("mode") == "milvus":
        overrides = {"vector_backend": "milvus"}
    settings = bench_settings(Path(spec["work_dir"]) / "data", **overrides)
    synth = Synthesizer([parse_file(f, settings) for f in source_files()])
    embedder = make_embedder(settings, Path(spec["model_dir"]) if spec.get("model_dir") else None)
    embedder.embed_query("khởi động")  # model warm before any timing
    return settings, synth, embedder


def build_worker(spec: dict[str, Any]) -> dict[str, Any]:
    from vectorstore.index import Index

    scale = int(spec["scale"])
    settings, synth, embedder = _setup(spec)
    loaded = np.load(spec["vectors"])
    base = [loaded[f"doc{j}"] for j in range(synth.n_sources)]
    stub = VectorStub(embedder)
    index = Index(settings, embedder=stub)
    log(f"scale {scale}× ({spec['mode']}): building {scale * synth.n_sources} docs")
    out = build(index, stub, synth, base, scale)
    out["build_rss_mb"] = round(rss_mb(), 1)
    out["build_peak_rss_mb"] = round(peak_rss_mb(), 1)
    log(f"scale {scale}× ({spec['mode']}): built {out['chunks']} chunks in {out['build_s']:.1f}s")
    index.close()
    return out


def query_worker(spec: dict[str, Any]) -> dict[str, Any]:
    """A fresh app process over the built index: open, load the model, answer the sample."""
    from assistant.service import Assistant
    from bench.query_bench import measure
    from bench.util import load_questions
    from vectorstore.index import Index

    scale, label = int(spec["scale"]), f"scale {spec['scale']}× ({spec['mode']})"
    settings, synth, embedder = _setup(spec)
    t0 = time.perf_counter()
    index = Index(settings, embedder=embedder)
    index.lexical()
    open_s = time.perf_counter() - t0
    out: dict[str, Any] = {"open_s": round(open_s, 2), "app_rss_mb": round(rss_mb(), 1)}
    questions = question_sample(load_questions(), int(spec.get("questions", 40)))
    scaled = [scale_question(q, synth, scale) for q in questions]
    every = [q for q in scaled if _is_all_ward_comparison(q, synth)]
    scaled = [q for q in scaled if not _is_all_ward_comparison(q, synth)]
    assistant = Assistant(settings, index=index, use_llm=False)
    m = measure(assistant, scaled, label, assistant.retriever)
    out.update({k: m[k] for k in ("questions", "retrieve_ms", "answer_ms", "accuracy")})
    if every and spec.get("all_ward_comparison", True):
        q = every[0]
        log(f"{label}: one comparison across all {scale * synth.n_sources} wards ({q.id})")
        t0 = time.perf_counter()
        assistant.ask(q.question, list(q.history), qid=q.id)
        out["all_ward_comparison_ms"] = round((time.perf_counter() - t0) * 1000, 1)
        out["all_ward_comparison_id"] = q.id
    out["excluded_all_ward_comparisons"] = [q.id for q in every]
    out["rss_mb"] = round(rss_mb(), 1)
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    if spec.get("server_pid"):
        out["server_rss_mb"] = round(rss_mb(int(spec["server_pid"])), 1)
    index.close()
    return out


def run_one(
    scale: int,
    mode: str,
    work: Path,
    vectors: Path,
    model_dir: Path | None,
    n_questions: int,
    timeout_s: float,
) -> dict[str, Any]:
    """One (scale, mode): build in one fresh process, query in another; ``error`` on failure."""
    work.mkdir(parents=True, exist_ok=True)
    spec: dict[str, Any] = {
        "scale": scale,
        "mode": mode,
        "work_dir": str(work),
        "vectors": str(vectors),
        "model_dir": str(model_dir) if model_dir else None,
        "questions": n_questions,
    }
    chroma_path = work / "data" / "chroma"
    server: subprocess.Popen[bytes] | None = None
    res: dict[str, Any] = {"scale": scale, "mode": mode}
    t0 = time.perf_counter()
    try:
        if mode == "server":
            chroma_path = work / "server-chroma"
            server, port = start_server(chroma_path)
            spec.update({"chroma_port": port, "server_pid": server.pid})
        for phase in ("build", "query"):
            spec_path, out_path = work / f"{phase}-spec.json", work / f"{phase}-result.json"
            spec_path.write_text(json.dumps(spec), encoding="utf-8")
            left = max(10.0, timeout_s - (time.perf_counter() - t0))
            proc = subprocess.run(
                [sys.executable, "-m", "bench.scale", phase, str(spec_path), str(out_path)],
                cwd=REPO_ROOT,
                timeout=left,
            )
            if proc.returncode != 0 or not out_path.exists():
                res["error"] = f"{phase} worker exited with {proc.returncode}"
                return res
            res.update(json.loads(out_path.read_text(encoding="utf-8")))
        store_path = work / "data" / "milvus.db" if mode == "milvus" else chroma_path
        res["store_mb"] = round(dir_size_mb(store_path), 1)
        res["lexical_mb"] = round(dir_size_mb(work / "data" / "lexical"), 1)
        res["index_mb"] = round(res["store_mb"] + res["lexical_mb"], 1)
    except subprocess.TimeoutExpired:
        res["error"] = f"timed out after {timeout_s:.0f}s"
    except RuntimeError as exc:
        res["error"] = str(exc)
    finally:
        if server is not None:
            stop_server(server)
        res["wall_s"] = round(time.perf_counter() - t0, 1)
    return res


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 3 or args[0] not in ("build", "query"):
        sys.stderr.write("usage: python -m bench.scale build|query SPEC.json OUT.json (internal worker)\n")
        return 2
    quiet_logs()
    spec = json.loads(Path(args[1]).read_text(encoding="utf-8"))
    out = build_worker(spec) if args[0] == "build" else query_worker(spec)
    Path(args[2]).write_text(json.dumps(out, ensure_ascii=False, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
