"""Concurrent readers and writers: threads on one Index, and separate processes on one
data dir (embedded Chroma) or one Chroma server. Readers must never see a partial
document and must keep answering correctly for documents already present."""

from __future__ import annotations

import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from assistant.retrieval import Filters, HybridRetriever
from assistant.service import Assistant
from baocao.settings import Settings
from tests.reliability.conftest import Worker
from tests.reliability.ingest_worker import doc_for
from tests.vectorstore.conftest import (
    ChromaServer,
    assert_consistent,
    hash_settings,
    ngo_quyen_doc,
    numbered_doc,
    xuong_giang_doc,
)
from vectorstore.index import Index

pytestmark = pytest.mark.integration

BUDGET = "17.384.571.763"
BUDGET_Q = "Tổng thu ngân sách phường Ngô Quyền năm 2023 đạt bao nhiêu?"
NEW_DOC_QUERIES = [f"Báo cáo số {i}: nội dung 3 về chỉ tiêu kinh tế, mã tài liệu tl{i}x3" for i in range(8)]


class SlowCommit:
    """A document hook (the write step's public seam): a pause between a document's chunks
    and its commit record, so readers get a real chance to observe uncommitted chunks."""

    def __init__(self, pause: float) -> None:
        self.pause = pause

    def write_document(self, parsed: Any) -> None:
        time.sleep(self.pause)

    def delete_document(self, doc_id: str) -> None:
        return None


def committed_now(idx: Index) -> set[str]:
    return set(idx.documents(fresh=True))


def check_passages(
    idx: Index, passages: list[Any], problems: list[str], where: str, before: set[str]
) -> None:
    """Every passage belongs to a document committed when the search started or ended
    (a replaced version may legitimately be seen while it is being dropped), and a
    still-committed document is whole (its chunks match its record's chunk count)."""
    if not passages:
        return
    now = committed_now(idx)
    for doc_id in {p.doc_id for p in passages}:
        if doc_id not in now | before:
            problems.append(f"{where}: passage of uncommitted document {doc_id}")
            continue
        if doc_id not in now:
            continue  # an old version being dropped right now (record first, then chunks)
        want = idx.chunk_count(doc_id)
        n = len(list(idx.iter_chunks([doc_id])))
        if n != want and doc_id in committed_now(idx):  # not dropped meanwhile
            problems.append(f"{where}: document {doc_id} has {n}/{want} chunks")


def reader_loop(
    idx: Index,
    settings: Settings,
    stop: threading.Event,
    problems: list[str],
    stats: dict[str, int],
    deadline: float,
    max_iter: int = 400,
    use_assistant: bool = True,
    modes: tuple[str, ...] = ("hybrid", "dense", "lexical"),
) -> None:
    assistant = Assistant(settings, index=idx, use_llm=False) if use_assistant else None
    i = 0
    try:
        while not stop.is_set() and i < max_iter and time.monotonic() < deadline:
            r = HybridRetriever(index=idx, mode=modes[i % len(modes)], k=6)
            q = NEW_DOC_QUERIES[i % len(NEW_DOC_QUERIES)]
            before = committed_now(idx)
            got = r.search(q)
            check_passages(idx, got, problems, f"search {q!r}", before)
            before = committed_now(idx)
            got = r.search(BUDGET_Q, Filters(wards=["Ngô Quyền"]))
            if not got or {p.ward for p in got} != {"Ngô Quyền"} or not any(BUDGET in p.text for p in got):
                problems.append(f"budget passage missing ({r.mode}): {[p.text[:40] for p in got]}")
            check_passages(idx, got, problems, "budget search", before)
            if assistant is not None and i % 4 == 0:
                before = committed_now(idx)
                rec = assistant.ask(BUDGET_Q)
                if rec.refused or BUDGET not in rec.answer:
                    problems.append(f"assistant answer lost the budget figure: {rec.answer[:120]}")
                check_passages(idx, rec.retrieved, problems, "assistant", before)
            i += 1
            stats["iterations"] = stats.get("iterations", 0) + 1
    except Exception as exc:  # any exception in a reader is a failure
        where = traceback.extract_tb(exc.__traceback__)
        frames = " <- ".join(f"{f.name}:{f.lineno}" for f in reversed(where[-4:]))
        problems.append(f"reader crashed: {type(exc).__name__}: {exc} at {frames}")


def test_threads_read_while_main_thread_writes(tmp_path: Path) -> None:
    settings = hash_settings(tmp_path / "data")
    idx = Index(settings)
    idx.add_document(ngo_quyen_doc())
    idx.add_document(xuong_giang_doc())
    idx.lexical()
    idx.hooks.append(SlowCommit(0.15))
    problems: list[str] = []
    stats: dict[str, int] = {}
    stop = threading.Event()
    deadline = time.monotonic() + 90
    threads = [
        threading.Thread(
            target=reader_loop, args=(idx, settings, stop, problems, stats, deadline), daemon=True
        )
        for _ in range(4)
    ]
    for t in threads:
        t.start()
    added = []
    try:
        for i in range(8):
            res = idx.add_document(numbered_doc(i, n_paras=20))
            assert res.status == "added"
            added.append(res.doc_id)
            time.sleep(0.05)
        # a replacement too: the old version's record goes first, then its chunks
        res = idx.add_document(doc_for(0, 2, 20))
        assert res.status == "replaced"
    finally:
        time.sleep(0.3)
        stop.set()
        for t in threads:
            t.join(timeout=60)
    idx.hooks.clear()
    assert not any(t.is_alive() for t in threads)
    assert not problems, problems[:10]
    assert stats["iterations"] >= 8
    counts = assert_consistent(idx)
    assert len(counts) == 2 + 8
    # the readers see every new document now
    r = HybridRetriever(index=idx, mode="lexical", k=3)
    assert r.search("tl5x3")[0].doc_id == added[5]


def _reader_until(
    w: Worker, idx: Index, settings: Settings, problems: list[str], timeout: float = 150.0, **kw: Any
) -> int:
    stats: dict[str, int] = {}
    stop = threading.Event()
    deadline = time.monotonic() + timeout
    watcher = threading.Thread(target=lambda: (w.proc.wait(timeout=timeout), stop.set()), daemon=True)
    watcher.start()
    reader_loop(idx, settings, stop, problems, stats, deadline, max_iter=10_000, **kw)
    return stats.get("iterations", 0)


# Embedded Chroma is not multi-process aware: the Index re-opens its client when another
# process changed the committed documents (or a query hits a stale segment).
def test_process_writes_while_this_process_reads_embedded(
    spawn: Callable[..., Worker], tmp_path: Path
) -> None:
    settings = hash_settings(tmp_path / "data")
    idx = Index(settings)
    idx.add_document(ngo_quyen_doc())
    idx.lexical()
    w = spawn(str(settings.data_dir), "--n", "8", "--paras", "20", "--sleep-between", "0.2")
    w.wait_for(lambda ln: ln == "ready")
    problems: list[str] = []
    iterations = _reader_until(w, idx, settings, problems)
    w.finish()
    assert not problems, problems[:10]
    assert iterations >= 3
    fresh = Index(settings)
    counts = assert_consistent(fresh)
    assert len(counts) == 1 + 8


def test_process_writes_while_this_process_reads_embedded_lexical(
    spawn: Callable[..., Worker], tmp_path: Path
) -> None:
    """What does work across processes on one embedded data dir: lexical retrieval
    (built from Chroma's documents, no vector query) keeps answering correctly."""
    settings = hash_settings(tmp_path / "data")
    idx = Index(settings)
    idx.add_document(ngo_quyen_doc())
    idx.lexical()
    w = spawn(str(settings.data_dir), "--n", "8", "--paras", "20", "--sleep-between", "0.2")
    w.wait_for(lambda ln: ln == "ready")
    problems: list[str] = []
    iterations = _reader_until(w, idx, settings, problems, use_assistant=False, modes=("lexical",))
    w.finish()
    assert not problems, problems[:10]
    assert iterations >= 3
    counts = assert_consistent(Index(settings))
    assert len(counts) == 1 + 8
    idx.documents(fresh=True)
    got = HybridRetriever(index=idx, mode="lexical", k=3).search("tl7x3")
    assert got and got[0].source == "doc_07.txt"


def test_embedded_dense_sees_documents_added_by_another_process(
    spawn: Callable[..., Worker], tmp_path: Path
) -> None:
    settings = hash_settings(tmp_path / "data")
    idx = Index(settings)
    idx.add_document(ngo_quyen_doc())
    assert idx.dense_search(idx.embedder.embed_query("thu ngân sách"), 3)
    spawn(str(settings.data_dir), "--n", "3", "--paras", "5").finish()
    idx.documents(fresh=True)
    new = numbered_doc(2, n_paras=5)
    assert new.metadata.doc_id in idx.documents()  # the commit record is visible...
    hits = idx.dense_search(idx.embedder.embed_query(new.chunks[3].embed_text), 5)
    assert new.chunks[3].id in {c.chunk_id for c in hits}  # ...its vectors must be too


def test_process_writes_while_this_process_reads_server(
    spawn: Callable[..., Worker], chroma_server: ChromaServer, tmp_path: Path
) -> None:
    settings = chroma_server.settings(tmp_path / "reader", collection="concurrency")
    idx = Index(settings)
    idx.add_document(ngo_quyen_doc())
    idx.lexical()
    w = spawn(
        str(tmp_path / "writer"),
        "--n",
        "8",
        "--paras",
        "20",
        "--sleep-between",
        "0.2",
        "--chroma-port",
        str(chroma_server.port),
        "--collection",
        "concurrency",
        "--refresh-lexical",
    )
    w.wait_for(lambda ln: ln == "ready")
    problems: list[str] = []
    iterations = _reader_until(w, idx, settings, problems)
    w.finish()
    assert not problems, problems[:10]
    assert iterations >= 3
    counts = assert_consistent(Index(chroma_server.settings(tmp_path / "third", collection="concurrency")))
    assert len(counts) == 1 + 8
    idx.documents(fresh=True)
    got = HybridRetriever(index=idx, k=3).search("tl7x3")
    assert got and got[0].source == "doc_07.txt"
