"""The store contract, written once and run against every backend (``test_contract.py``):
Chroma embedded, a real Chroma server and Milvus Lite.

A backend class provides ``settings_for(tmp_path, **overrides)`` and ``worker_args``;
everything here goes through public APIs only (``Index``, ``IngestService``, the
retriever) — no test reads a private attribute.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from assistant.retrieval import Filters, HybridRetriever
from baocao.settings import Settings
from ingest.models import ParsedDocument
from tests.reliability.conftest import Worker
from tests.reliability.ingest_worker import doc_for
from tests.vectorstore.conftest import make_doc, ngo_quyen_doc, numbered_doc, xuong_giang_doc
from vectorstore.bm25_side import lexical_text
from vectorstore.embeddings import HashEmbedder
from vectorstore.errors import EmbeddingModelMismatch
from vectorstore.index import Index, document_units
from vectorstore.ingest_service import IngestService
from vectorstore.lexical import lexical_tokens

NQ, XG = "Ngô Quyền", "Xương Giang"


class RecordingHook:
    def __init__(self) -> None:
        self.written: list[str] = []
        self.deleted: list[str] = []

    def write_document(self, parsed: ParsedDocument) -> None:
        self.written.append(parsed.metadata.doc_id)

    def delete_document(self, doc_id: str) -> None:
        self.deleted.append(doc_id)


def assert_consistent(idx: Index) -> dict[str, int]:
    """Committed documents whole (chunks and units), nothing stored for anything else."""
    docs = idx.documents(fresh=True)
    census = idx.census()
    assert set(census) == set(docs), f"stored but not committed: {set(census) - set(docs)}"
    for doc_id in docs:
        chunks, units = census[doc_id]
        assert chunks == idx.chunk_count(doc_id) > 0
        assert units >= chunks
        assert len(list(idx.iter_chunks([doc_id]))) == chunks
    return {d: census[d][0] for d in docs}


class StoreContract:
    """Subclasses set ``backend`` and implement ``settings_for``."""

    backend = ""

    def settings_for(self, tmp_path: Path, **kw: Any) -> Settings:  # pragma: no cover - abstract
        raise NotImplementedError

    def worker_args(self, settings: Settings) -> list[str]:
        args = ["--backend", settings.vector_backend, "--collection", settings.collection]
        if settings.chroma_host:
            args += ["--chroma-port", str(settings.chroma_port)]
        return args

    @pytest.fixture
    def settings(self, tmp_path: Path) -> Settings:
        return self.settings_for(tmp_path)

    @pytest.fixture
    def idx(self, settings: Settings) -> Iterator[Index]:
        index = Index(settings, HashEmbedder(256, name="hash:256"))
        yield index
        index.close()

    # writes ------------------------------------------------------------------------------
    def test_idempotent_reingest_and_new_version(self, idx: Index) -> None:
        assert idx.backend == self.backend
        first = idx.add_document(ngo_quyen_doc())
        assert first.status == "added" and first.chunks == 5
        before = idx.census()
        again = idx.add_document(ngo_quyen_doc())
        assert (again.status, again.doc_id) == ("unchanged", first.doc_id)
        assert idx.census() == before
        newer = make_doc(NQ, "ngo_quyen_2023.txt", ["Tổng thu ngân sách phường đạt 18.000.000.000 đồng."])
        res = idx.add_document(newer)
        assert res.status == "replaced" and res.replaced == [first.doc_id]
        assert set(idx.documents(fresh=True)) == {newer.metadata.doc_id}
        assert assert_consistent(idx) == {newer.metadata.doc_id: 1}

    def test_removal_drops_chunks_units_and_hooks(self, settings: Settings) -> None:
        hook = RecordingHook()
        svc = IngestService(settings, embedder=HashEmbedder(256, name="hash:256"), hooks=[hook])
        try:
            nq = svc.add_parsed(ngo_quyen_doc())
            svc.add_parsed(xuong_giang_doc())
            svc.finish()
            assert hook.written == [nq.doc_id, xuong_giang_doc().metadata.doc_id]
            removed = svc.remove_document("xuong_giang_2024.txt")
            assert removed is not None and removed.ward == XG
            assert hook.deleted == [removed.doc_id]
            assert set(svc.documents(fresh=True)) == {nq.doc_id}
            assert assert_consistent(svc.index) == {nq.doc_id: 5}
            r = HybridRetriever(index=svc.index, k=10)
            assert {p.ward for p in r.search("ngân sách thú y")} == {NQ}
            assert svc.remove_document("không-có.txt") is None
        finally:
            svc.close()

    # reads -------------------------------------------------------------------------------
    def test_round_trip_of_a_chunk(self, idx: Index) -> None:
        doc = ngo_quyen_doc()
        idx.add_document(doc)
        c = doc.chunks[3]
        got = idx.get_chunks([c.id, "không-có"])
        assert list(got) == [c.id]
        s = got[c.id]
        assert (s.text, s.doc_id, s.ward, s.ward_kind) == (c.text, doc.metadata.doc_id, NQ, "phường")
        assert (s.doc_number, s.date, s.years, s.page, s.position) == (
            "137/BC-UBND",
            "2023-11-30",
            [2023, 2024],
            None,
            3,
        )
        assert s.section == "I. KẾT QUẢ THỰC HIỆN" and s.source == "ngo_quyen_2023.txt"
        assert sorted(x.position for x in idx.iter_chunks([doc.metadata.doc_id])) == [0, 1, 2, 3, 4]
        nxt = idx.chunk_at(doc.metadata.doc_id, 4)
        assert nxt is not None and nxt.text == doc.chunks[4].text
        assert idx.chunk_at(doc.metadata.doc_id, 99) is None
        sec = idx.section_chunks(doc.metadata.doc_id, "I. KẾT QUẢ THỰC HIỆN")
        assert [x.position for x in sec] == [0, 1, 2, 3, 4]

    def test_filters_on_dense_lexical_and_units(self, idx: Index) -> None:
        nq, xg = ngo_quyen_doc(), xuong_giang_doc()
        idx.add_document(nq)
        idx.add_document(xg)
        vec = idx.embedder.embed_query("thu ngân sách")
        only = [xg.metadata.doc_id]
        assert {c.doc_id for c in idx.dense_search(vec, 10, only)} == set(only)
        assert len(idx.dense_search(vec, 10)) == 10
        assert idx.dense_search(vec, 10, []) == []
        xg_ids = {c.id for c in xg.chunks}
        ids = idx.dense_search_ids(vec, 10, only)
        assert ids and {cid for cid, _ in ids} <= xg_ids
        assert [d for _, d in ids] == sorted(d for _, d in ids)  # nearest first
        assert [cid for cid, _ in idx.dense_search_ids(vec, 10)][:5] == [
            c.chunk_id for c in idx.dense_search(vec, 5)
        ]
        assert idx.dense_search_ids(vec, 10, []) == []
        assert set(idx.committed_chunks([cid for cid, _ in ids])) == {cid for cid, _ in ids}
        idx.remove_document(nq.metadata.doc_id)
        assert idx.committed_chunks([c.id for c in nq.chunks]) == {}
        idx.add_document(nq)
        lex = idx.lexical_search("ngân sách", 10, only)
        assert lex and {cid for cid, _ in lex} <= xg_ids
        assert [s for _, s in lex] == sorted((s for _, s in lex), reverse=True)
        assert idx.lexical_search("ngân sách", 10, []) == []
        units = idx.dense_search_units(vec, 5, only)
        assert units and {u.parent for u in units} <= xg_ids
        stored = idx.unit_vectors([xg.chunks[0].id])
        want = [u.text for u in document_units(xg) if u.parent == xg.chunks[0].id]
        assert [t for t, _ in stored[xg.chunks[0].id]] == want
        assert all(len(v) == 256 for _, v in stored[xg.chunks[0].id])
        r = HybridRetriever(index=idx, k=5)
        found = r.retrieve("Tổng thu ngân sách", Filters(wards=[NQ]))
        got, timings = found.passages, found.timings
        assert got and {p.ward for p in got} == {NQ} and "17.384.571.763" in got[0].text
        assert {"embed_ms", "dense_ms", "lexical_ms", "fuse_ms"} <= set(timings)
        assert r.retrieve("ngân sách", Filters(wards=["Không Có"])).passages == []
        assert "timings" not in vars(r) and not hasattr(r, "last_timings")

    def test_term_stats_are_exact(self, idx: Index) -> None:
        docs = [ngo_quyen_doc(), xuong_giang_doc()]
        for d in docs:
            idx.add_document(d)
        df: Counter[str] = Counter()
        for d in docs:
            for c in d.chunks:
                df.update(set(lexical_tokens(lexical_text(c.text, " > ".join(c.heading_path)))))
        stats = idx.term_stats()
        for tok in ["ngân", "ngân_sách", "~ngan", "hộ", "~ho_ngheo", "17.384.571.763", "không-có-từ-này"]:
            assert stats.df(tok) == df[tok], tok
        assert stats.idf("hộ") > stats.idf("ngân") > 0
        idx.remove_document("xuong_giang_2024.txt")
        assert idx.term_stats().df("ngân_sách") == sum(
            1
            for c in docs[0].chunks
            if "ngân_sách" in lexical_tokens(lexical_text(c.text, c.heading_path[0]))
        )

    # pinning -----------------------------------------------------------------------------
    def test_model_and_dimension_pinned(self, tmp_path: Path) -> None:
        a = Index(self.settings_for(tmp_path), HashEmbedder(256, name="hash:256"))
        a.add_document(ngo_quyen_doc())
        a.close()
        with pytest.raises(EmbeddingModelMismatch, match="hash:256"):
            Index(self.settings_for(tmp_path), HashEmbedder(64, name="hash:64"))
        with pytest.raises(EmbeddingModelMismatch, match="256"):
            Index(self.settings_for(tmp_path), HashEmbedder(64, name="hash:256"))
        b = Index(self.settings_for(tmp_path), HashEmbedder(256, name="hash:256"))
        assert len(b.documents(fresh=True)) == 1
        b.close()

    # concurrency and crashes -------------------------------------------------------------
    def test_concurrent_readers_see_whole_documents(self, idx: Index) -> None:
        idx.add_document(numbered_doc(0))
        problems: list[str] = []
        stop = threading.Event()
        vec = idx.embedder.embed_query("chỉ tiêu kinh tế xã hội")

        def reader() -> None:
            r = HybridRetriever(index=idx, k=8)
            while not stop.is_set():
                committed = set(idx.documents(fresh=True))
                for p in r.search("chỉ tiêu kinh tế xã hội giá trị"):
                    if p.doc_id not in committed and p.doc_id not in idx.documents(fresh=True):
                        problems.append(f"uncommitted {p.doc_id}")
                for c in idx.dense_search(vec, 8):
                    if c.doc_id not in idx.documents(fresh=True):
                        problems.append(f"dense uncommitted {c.doc_id}")

        threads = [threading.Thread(target=reader) for _ in range(3)]
        for t in threads:
            t.start()
        try:
            for i in range(1, 5):
                idx.add_document(numbered_doc(i))
        finally:
            stop.set()
            for t in threads:
                t.join(timeout=60)
        assert not problems, problems[:5]
        assert len(assert_consistent(idx)) == 5

    def test_sigkill_before_commit_leaves_old_state(self, tmp_path: Path) -> None:
        settings = self.settings_for(tmp_path)
        data = str(settings.data_dir)
        done = Worker(data, "--n", "1", "--paras", "6", *self.worker_args(settings)).finish()
        assert "done 0 added" in done
        # killed after its chunks and units are written, before the commit record
        w = Worker(
            data,
            "--start",
            "1",
            "--n",
            "1",
            "--paras",
            "6",
            "--slow-commit",
            "30",
            *self.worker_args(settings),
        )
        w.wait_for(lambda ln: ln == "chunks 1")
        w.kill()
        idx = Index(settings, HashEmbedder(256, name="hash:256"))
        try:
            killed_doc = doc_for(1, 1, 6)
            killed, killed_ids = killed_doc.metadata.doc_id, {c.id for c in killed_doc.chunks}
            assert set(idx.documents(fresh=True)) == {doc_for(0, 1, 6).metadata.doc_id}
            vec = idx.embedder.embed_query("Báo cáo số 1 nội dung")
            assert all(c.doc_id != killed for c in idx.dense_search(vec, 20))
            assert not {cid for cid, _ in idx.lexical_search("tl1x3 báo cáo số 1", 20)} & killed_ids
            assert all(u.parent not in killed_ids for u in idx.dense_search_units(vec, 20))
            found = idx.committed_chunks([cid for cid, _ in idx.dense_search_ids(vec, 20)])
            assert found and not set(found) & killed_ids
            orphans = idx.census().get(killed, (0, 0))
            assert orphans in {(0, 0), (6, idx_units(killed_doc))}, "a write is stored whole or not at all"
            assert idx.recover() == sum(orphans)
            assert_consistent(idx)
            assert idx.add_document(doc_for(1, 1, 6)).status == "added"
            assert len(assert_consistent(idx)) == 2
        finally:
            idx.close()


def idx_units(doc: ParsedDocument) -> int:
    return len(document_units(doc))
