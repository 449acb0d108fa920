"""Crash safety: a real ingest subprocess is SIGKILLed at several points of its work;
the index must come back consistent (committed docs whole, no orphans, lexical ==
committed chunks) and re-running the ingest must complete the job."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.reliability.conftest import Worker
from tests.reliability.ingest_worker import doc_for
from tests.vectorstore.conftest import assert_consistent, chunk_ids_of, hash_settings
from vectorstore.index import Index, document_units

pytestmark = [pytest.mark.integration, pytest.mark.slow]

N = 8
PARAS = 40
RNG = random.Random(20231130)  # deterministic "random" kill delays


def expected(version: int = 1) -> dict[str, set[str]]:
    docs = [doc_for(i, version, PARAS) for i in range(N)]
    return {d.metadata.doc_id: {c.id for c in d.chunks} for d in docs}


def check_after_crash(data_dir: Path, allowed: dict[str, set[str]]) -> dict[str, int]:
    idx = Index(hash_settings(data_dir))
    idx.recover()
    counts = assert_consistent(idx)
    assert set(counts) <= set(allowed), "an unknown document was committed"
    for doc_id in counts:
        got = chunk_ids_of(idx, doc_id)
        assert got == allowed[doc_id]
    sources = [d.source for d in idx.list_documents()]
    assert len(sources) == len(set(sources)), "two versions of one source survived recover()"
    idx.close()
    return counts


def rerun_completes(spawn: Callable[..., Worker], data_dir: Path, version: int = 1) -> None:
    lines = spawn(str(data_dir), "--n", str(N), "--paras", str(PARAS), "--version", str(version)).finish()
    statuses = [ln.split()[2] for ln in lines if ln.startswith("done ")]
    assert len(statuses) == N
    assert set(statuses) <= {"added", "unchanged", "replaced"}
    want = expected(version)
    counts = check_after_crash(data_dir, want)
    assert set(counts) == set(want), "every document ingested, each once"
    assert all(counts[d] == PARAS for d in want)


def _done(k: int) -> Callable[[str], bool]:
    return lambda ln: ln == f"done {k - 1} added" if k else ln == "begin 0"


KILL_POINTS = [
    ("after_0_docs", 0, 0.0),
    ("after_2_docs", 2, 0.0),
    ("after_5_docs", 5, 0.0),
    ("mid_write_random", 3, RNG.uniform(0.005, 0.06)),
]


@pytest.mark.parametrize(("name", "after", "delay"), KILL_POINTS, ids=[k[0] for k in KILL_POINTS])
def test_sigkill_during_ingest(
    spawn: Callable[..., Worker], tmp_path: Path, name: str, after: int, delay: float
) -> None:
    data = tmp_path / "data"
    w = spawn(str(data), "--n", str(N), "--paras", str(PARAS), "--refresh-lexical")
    if name == "mid_write_random":
        w.wait_for(lambda ln: ln == f"begin {after}")
        time.sleep(delay)
    else:
        w.wait_for(_done(after))
    w.kill()
    counts = check_after_crash(data, expected())
    assert len(counts) >= after
    rerun_completes(spawn, data)


def test_sigkill_between_chunks_and_commit(spawn: Callable[..., Worker], tmp_path: Path) -> None:
    """Killed with all chunks of doc 2 written but no commit record: orphans, then recovered."""
    data = tmp_path / "data"
    w = spawn(str(data), "--n", str(N), "--paras", str(PARAS), "--slow-commit", "0.5")
    w.wait_for(lambda ln: ln == "chunks 2")
    time.sleep(0.1)  # well inside the 0.5 s pause before the commit record
    w.kill()
    idx = Index(hash_settings(data))
    want = expected()
    doc2 = list(want)[2]
    assert set(idx.documents(fresh=True)) == set(list(want)[:2])
    orphans = chunk_ids_of(idx, doc2)
    assert orphans == want[doc2], "the worker was killed after writing doc 2's chunks"
    # invisible before recovery
    assert not orphans & set(idx.lexical().ids)
    hits = idx.dense_search(idx.embedder.embed_query("Báo cáo số 2: nội dung 1 mã tài liệu tl2x1"), 20)
    assert not orphans & {c.chunk_id for c in hits}
    assert idx.recover() == PARAS + len(document_units(doc_for(2, 1, PARAS)))  # chunks + sentence units
    idx.close()
    check_after_crash(data, want)
    rerun_completes(spawn, data)


def test_sigkill_between_commit_and_drop_of_old_version(spawn: Callable[..., Worker], tmp_path: Path) -> None:
    """Replacing v1 by v2: killed after v2's commit, before v1 is dropped -> recover keeps v2."""
    data = tmp_path / "data"
    spawn(str(data), "--n", str(N), "--paras", str(PARAS)).finish()
    w = spawn(str(data), "--n", str(N), "--paras", str(PARAS), "--version", "2", "--slow-drop", "5")
    w.wait_for(lambda ln: ln == "committed 1")
    w.kill()
    v1, v2 = list(expected(1)), list(expected(2))
    idx = Index(hash_settings(data))
    docs = idx.documents(fresh=True)
    assert {v2[0], v2[1], v1[1]} <= set(docs)  # doc 0 replaced; both versions of doc 1 committed
    idx.recover()
    docs = idx.documents(fresh=True)
    assert v2[1] in docs and v1[1] not in docs, "recover() must keep the newest version"
    idx.close()
    counts = check_after_crash(data, {**expected(1), **expected(2)})
    assert len(counts) == N
    rerun_completes(spawn, data, version=2)
