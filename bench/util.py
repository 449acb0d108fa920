"""Small helpers shared by the benchmark modules: progress, memory, timing stats, settings."""

from __future__ import annotations

import contextlib
import logging
import os
import resource
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import psutil

from baocao.settings import DEFAULT_EMBEDDING_MODEL, REPO_ROOT, Settings, load_settings

REPORTS_DIR = REPO_ROOT / "data" / "reports"
DEV_QUESTIONS = REPO_ROOT / "eval" / "data" / "train.jsonl"
_T0 = time.monotonic()


def log(msg: str) -> None:
    """Progress line on stderr, with the elapsed time of the run."""
    sys.stderr.write(f"[bench {time.monotonic() - _T0:7.1f}s] {msg}\n")
    sys.stderr.flush()


def quiet_logs() -> None:
    """WARNING and above only; bm25s sets its own logger to DEBUG when imported."""
    import bm25s  # noqa: F401

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("bm25s").setLevel(logging.WARNING)


def rss_mb(pid: int | None = None) -> float:
    return float(psutil.Process(pid or os.getpid()).memory_info().rss) / 2**20


def peak_rss_mb() -> float:
    """Peak RSS of this process so far (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def dir_size_mb(*paths: Path) -> float:
    total = 0
    for p in paths:
        if not p.exists():
            continue
        for root, _dirs, files in os.walk(p):
            for f in files:
                with contextlib.suppress(OSError):
                    total += os.lstat(os.path.join(root, f)).st_size
    return total / 2**20


def percentile(values: Sequence[float], p: float) -> float | None:
    if not values:
        return None
    from eval.metrics import percentile as pct

    return round(pct(values, p), 2)


def stats(values: Sequence[float]) -> dict[str, Any]:
    """p50/p95/mean/max of latencies in ms (None when there are none)."""
    if not values:
        return {"n": 0, "p50": None, "p95": None, "mean": None, "max": None}
    return {
        "n": len(values),
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "mean": round(sum(values) / len(values), 2),
        "max": round(max(values), 2),
    }


def bench_settings(data_dir: Path, **overrides: Any) -> Settings:
    """Settings for a temp data dir: embedded Chroma unless overridden, never an LLM."""
    base: dict[str, Any] = {
        "data_dir": data_dir,
        "chroma_host": None,
        "llm_base_url": None,
        "llm_model": None,
    }
    base.update(overrides)
    return load_settings(**base)


def uses_real_model(settings: Settings) -> bool:
    return not settings.embedding_model.startswith("hash:")


def make_embedder(settings: Settings, model_dir: Path | None) -> Any:
    """The configured embedder (backend included), without the embedding cache so that every
    pass really embeds; the default model is loaded from an already built ``model_dir``."""
    from vectorstore.embeddings import load_embedder

    uncached = settings.model_copy(update={"embedding_cache": False})
    if settings.embedding_model == DEFAULT_EMBEDDING_MODEL and model_dir is not None:
        return load_embedder(uncached, location=str(model_dir))
    return load_embedder(uncached)


def load_questions(path: Path = DEV_QUESTIONS) -> list[Any]:
    from eval.runner import read_questions

    questions, problems = read_questions(path)
    for p in problems:
        log(f"questions: {p}")
    return questions


def source_files() -> list[Path]:
    return sorted(p for p in REPORTS_DIR.iterdir() if p.is_file())


def machine() -> dict[str, Any]:
    import platform

    la = os.getloadavg()
    return {
        "cpus": os.cpu_count(),
        "load_avg_1_5_15": [round(x, 2) for x in la],
        "mem_total_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
