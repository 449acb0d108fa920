"""The command line on both stores: ``python -m ingest add`` then ``python -m assistant ask`` give
the same answer with ``BAOCAO_VECTOR_BACKEND=chroma`` and ``=milvus`` (Milvus Lite file)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
REPORT = sorted((REPO / "data" / "reports").glob("003_*.txt"))[0]
QUESTION = "Tổng thu ngân sách phường Ngô Quyền năm 2023 đạt bao nhiêu?"


def run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=600
    )


def answer_with(backend: str, tmp_path: Path) -> dict[str, object]:
    env = {
        **os.environ,
        "BAOCAO_DATA_DIR": str(tmp_path / backend),
        "BAOCAO_EMBEDDING_MODEL": "hash:256",
        "BAOCAO_VECTOR_BACKEND": backend,
        "BAOCAO_MILVUS_URI": str(tmp_path / backend / "store.db"),
    }
    env.pop("BAOCAO_CHROMA_HOST", None)
    added = run(["ingest", "add", str(REPORT)], env)
    assert added.returncode == 0, added.stderr[-2000:]
    assert "ĐÃ NẠP" in added.stdout
    again = run(["ingest", "add", str(REPORT)], env)
    assert "KHÔNG ĐỔI" in again.stdout
    asked = run(["assistant", "ask", QUESTION, "--json"], env)
    assert asked.returncode == 0, asked.stderr[-2000:]
    rec: dict[str, object] = json.loads(asked.stdout)
    return rec


def test_same_answer_on_chroma_and_milvus(tmp_path: Path) -> None:
    chroma = answer_with("chroma", tmp_path)
    milvus = answer_with("milvus", tmp_path)
    assert (tmp_path / "milvus" / "store.db").is_dir() and not (tmp_path / "milvus" / "chroma").exists()
    assert "17.384.571.763" in str(milvus["answer"])
    assert milvus["answer"] == chroma["answer"]
    assert milvus["refused"] is chroma["refused"] is False
