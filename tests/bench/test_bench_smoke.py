"""End to end: ``python -m bench --quick --scales 2 --no-server`` into a temp dir (hash embedder):
the scale run covers Chroma embedded and Milvus Lite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]

pytestmark = [pytest.mark.integration, pytest.mark.slow]


def test_quick_bench_writes_results(tmp_path: Path) -> None:
    out = tmp_path / "results"
    env = {
        **os.environ,
        "BAOCAO_EMBEDDING_MODEL": "hash:256",
        "BAOCAO_DATA_DIR": str(tmp_path / "never-used"),
    }
    env.pop("BAOCAO_CHROMA_HOST", None)
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--scales", "2", "--no-server", "--out", str(out)],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "[bench" in proc.stderr, "progress goes to stderr"
    res = json.loads((out / "latest.json").read_text(encoding="utf-8"))
    assert {"meta", "ingest", "query", "scale", "targets", "notes"} <= set(res)
    assert res["meta"]["quick"] is True and res["meta"]["embedding_model"] == "hash:256"
    ing = res["ingest"]
    assert {"cold", "warm", "parse_repair", "embedding", "store_writes", "peak_rss_mb"} <= set(ing)
    assert ing["cold"]["chunks"] > 0 and ing["parse_repair"]["docs_per_s"] > 0
    q = res["query"]
    assert {"product", "baseline", "comparison", "app_rss"} <= set(q)
    for block in ("embed_ms", "retrieve_ms", "answer_ms"):
        assert q["product"][block]["p50"] is not None and q["product"][block]["p95"] is not None
    assert q["baseline"]["answer_ms"]["p50"] is not None
    assert 0.0 <= q["product"]["accuracy"] <= 1.0
    assert q["app_rss"].get("after_answer_mb", 0) > 0
    assert [r["mode"] for r in res["scale"]] == ["embedded", "milvus"]
    for row in res["scale"]:
        assert "error" not in row, row
        assert row["scale"] == 2
        assert row["docs"] == 2 * len(ing["files"]) and row["chunks"] == 2 * ing["cold"]["chunks"]
        assert {"build_s", "retrieve_ms", "answer_ms", "index_mb", "app_rss_mb", "rss_mb"} <= set(row)
        assert row["store_mb"] > 0
    assert any(t["name"].startswith("Milvus Lite answer p50") for t in res["targets"])
    assert {t["status"] for t in res["targets"]} <= {"met", "missed", "not run"}
    md = (out / "latest.md").read_text(encoding="utf-8")
    assert "## Targets" in md and "## Scale" in md
    assert (out / "latest-growth.png").stat().st_size > 1000
    assert len(list(out.glob("bench-*.json"))) == 1
    assert not (tmp_path / "never-used").exists(), "the bench must only use its own temp dirs"
