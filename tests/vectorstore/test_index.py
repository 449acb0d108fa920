"""The index facade (``vectorstore.index.Index``) on an embedded Chroma in tmp_path: the
bm25s lexical side and crash states (the backend-independent contract is ``contract.py``).
Crashes are simulated through the public document-hook seam of the write step."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from baocao.settings import Settings
from ingest.models import ParsedDocument
from tests.vectorstore.conftest import (
    NGO_QUYEN_PARAS,
    assert_consistent,
    chunk_ids_of,
    hash_settings,
    make_doc,
    ngo_quyen_doc,
    numbered_doc,
    xuong_giang_doc,
)
from vectorstore import index as index_mod
from vectorstore.embeddings import HashEmbedder
from vectorstore.errors import EmbeddingModelMismatch
from vectorstore.index import Index

pytestmark = pytest.mark.unit

QUERIES = [
    "thu ngân sách phường",
    "giai phong mat bang",
    "tỷ lệ hộ nghèo",
    "thú y dịch bệnh",
    "17.384.571.763",
]


def dense_ids(idx: Index, q: str, k: int = 5) -> list[str]:
    return [c.chunk_id for c in idx.dense_search(idx.embedder.embed_query(q), k)]


def lexical_ids(idx: Index, q: str, k: int = 5) -> list[str]:
    return [cid for cid, _ in idx.lexical().search(q, k)]


class Crash(RuntimeError):
    pass


class CrashHook:
    """Raises where a crash would stop the write: before the commit record (``at="commit"``)
    or after it, before an older version is dropped (``at="drop"``)."""

    def __init__(self, at: str, doc_id: str = "") -> None:
        self.at, self.doc_id = at, doc_id

    def write_document(self, parsed: ParsedDocument) -> None:
        if self.at == "commit":
            raise Crash("simulated crash before the commit record")

    def delete_document(self, doc_id: str) -> None:
        if self.at == "drop" and doc_id == self.doc_id:
            raise Crash("simulated crash before dropping the old version")


def upsert_chunks_only(idx: Index, doc: ParsedDocument) -> None:
    """What a crash between step 2 and 3 of the write protocol leaves behind."""
    idx.hooks.append(CrashHook("commit"))
    try:
        with pytest.raises(Crash):
            idx.add_document(doc)
    finally:
        idx.hooks.pop()


def commit_both_versions(idx: Index, doc: ParsedDocument, old: ParsedDocument) -> None:
    """What a crash after the commit record, before the older version is dropped, leaves."""
    idx.hooks.append(CrashHook("drop", old.metadata.doc_id))
    try:
        with pytest.raises(Crash):
            idx.add_document(doc)
    finally:
        idx.hooks.pop()


def stored_chunks(idx: Index) -> int:
    return sum(n for n, _units in idx.census().values())


def test_add_list_search(index: Index) -> None:
    nq = ngo_quyen_doc()
    res = index.add_document(nq)
    assert (res.status, res.doc_id, res.chunks, res.replaced) == ("added", nq.metadata.doc_id, 5, [])
    docs = index.list_documents()
    assert [d.doc_id for d in docs] == [nq.metadata.doc_id]
    d = docs[0]
    assert (d.ward, d.source, d.years, d.doc_number, d.date) == (
        "Ngô Quyền",
        "ngo_quyen_2023.txt",
        [2023, 2024],
        "137/BC-UBND",
        "2023-11-30",
    )
    assert d.ingested_at
    assert index.chunk_count(nq.metadata.doc_id) == 5
    budget = nq.chunks[0].id
    assert dense_ids(index, "Tổng thu ngân sách phường ước đạt")[0] == budget
    assert lexical_ids(index, "17.384.571.763") == [budget]
    got = index.get_chunks([budget, "missing"])
    assert set(got) == {budget}
    assert got[budget].text == NGO_QUYEN_PARAS[0]
    assert got[budget].metadata["ward"] == "Ngô Quyền"
    sec = index.section_chunks(nq.metadata.doc_id, "I. KẾT QUẢ THỰC HIỆN")
    assert [c.text for c in sec] == NGO_QUYEN_PARAS
    assert {c.chunk_id for c in index.iter_chunks([nq.metadata.doc_id], page=2)} == {c.id for c in nq.chunks}
    assert_consistent(index)


def test_empty_index(index: Index) -> None:
    assert index.list_documents() == []
    assert index.dense_search(index.embedder.embed_query("thu"), 5) == []
    assert len(index.lexical()) == 0
    assert index.remove_document("nothing") is None
    assert index.recover() == 0


def test_add_same_document_twice_is_unchanged(index: Index) -> None:
    nq = ngo_quyen_doc()
    index.add_document(nq)
    before = stored_chunks(index)
    res = index.add_document(ngo_quyen_doc())
    assert res.status == "unchanged"
    assert res.chunks == 5
    assert stored_chunks(index) == before == 5
    assert len(index.list_documents()) == 1


def test_changed_version_replaces_old(index: Index) -> None:
    v1 = ngo_quyen_doc()
    index.add_document(v1)
    index.add_document(xuong_giang_doc())
    lexical_ids(index, "ngân sách")  # build + save the lexical index for the old state
    v2 = make_doc(
        "Ngô Quyền", "ngo_quyen_2023.txt", [*NGO_QUYEN_PARAS[:2], "Đoạn sửa đổi về chợ Ngô Quyền."], (2023,)
    )
    assert v2.metadata.doc_id != v1.metadata.doc_id
    res = index.add_document(v2)
    assert res.status == "replaced"
    assert res.replaced == [v1.metadata.doc_id]
    docs = index.documents(fresh=True)
    assert v1.metadata.doc_id not in docs and v2.metadata.doc_id in docs
    assert chunk_ids_of(index, v1.metadata.doc_id) == set()
    assert chunk_ids_of(index, v2.metadata.doc_id) == {c.id for c in v2.chunks}
    counts = assert_consistent(index)
    assert counts[v2.metadata.doc_id] == 3
    old_ids = {c.id for c in v1.chunks}
    for q in QUERIES:
        assert not old_ids & set(dense_ids(index, q, 20))
        assert not old_ids & set(lexical_ids(index, q, 20))
    assert lexical_ids(index, "chợ")[0] == v2.chunks[2].id


def test_remove_by_doc_id_and_by_source(index: Index) -> None:
    nq, xg = ngo_quyen_doc(), xuong_giang_doc()
    index.add_document(nq)
    index.add_document(xg)
    assert len(index.lexical()) == 10
    removed = index.remove_document(nq.metadata.doc_id)
    assert removed is not None and removed.doc_id == nq.metadata.doc_id
    assert [d.doc_id for d in index.list_documents()] == [xg.metadata.doc_id]
    assert chunk_ids_of(index, nq.metadata.doc_id) == set()
    assert len(index.lexical()) == 5
    assert lexical_ids(index, "17.384.571.763") == []
    removed = index.remove_document("xuong_giang_2024.txt")
    assert removed is not None and removed.doc_id == xg.metadata.doc_id
    assert index.list_documents() == []
    assert stored_chunks(index) == 0
    assert len(index.lexical()) == 0
    assert index.remove_document("xuong_giang_2024.txt") is None


def test_reopen_persisted_index_same_results(settings: Settings) -> None:
    a = Index(settings, HashEmbedder(256, name="hash:256"))
    a.add_document(ngo_quyen_doc())
    a.add_document(xuong_giang_doc())
    dense_a = {q: dense_ids(a, q) for q in QUERIES}
    lex_a = {q: a.lexical().search(q, 5) for q in QUERIES}
    a.close()
    del a
    b = Index(settings)  # embedder loaded lazily from settings ("hash:256")
    assert not b.embedder_loaded
    assert len(b.list_documents()) == 2
    assert {q: dense_ids(b, q) for q in QUERIES} == dense_a
    assert {q: b.lexical().search(q, 5) for q in QUERIES} == lex_a
    assert b.embedder_loaded


def test_model_name_mismatch_refused(settings: Settings, tmp_path: Path) -> None:
    a = Index(settings, HashEmbedder(256, name="hash:256"))
    a.add_document(ngo_quyen_doc())
    with pytest.raises(EmbeddingModelMismatch, match="hash:256"):
        Index(hash_settings(settings.data_dir, 128))
    with pytest.raises(EmbeddingModelMismatch):
        Index(settings, HashEmbedder(256, name="other-model"))
    with pytest.raises(EmbeddingModelMismatch):
        Index(settings.model_copy(update={"embedding_model": "some/other-model"}))
    # the refusal changed nothing: the original model still opens and finds its chunks
    b = Index(settings)
    assert len(b.list_documents()) == 1
    assert dense_ids(b, "Tổng thu ngân sách")[0] == ngo_quyen_doc().chunks[0].id


def test_dimension_mismatch_refused(settings: Settings) -> None:
    Index(settings, HashEmbedder(256, name="hash:256")).add_document(ngo_quyen_doc())
    with pytest.raises(EmbeddingModelMismatch, match="256"):
        Index(settings, HashEmbedder(128, name="hash:256"))
    lazy = Index(settings.model_copy(update={"embedding_model": "hash:256"}))
    assert lazy.embedder.dimension == 256


def test_orphan_chunks_invisible_and_recovered(index: Index) -> None:
    nq = ngo_quyen_doc()
    index.add_document(nq)
    orphan = make_doc(
        "Ngô Quyền", "orphan.txt", ["Tổng thu ngân sách phường mồ côi 99.999.999 đồng."], (2023,)
    )
    upsert_chunks_only(index, orphan)
    orphan_id = orphan.chunks[0].id
    assert stored_chunks(index) == 6
    assert orphan.metadata.doc_id not in index.documents(fresh=True)
    # invisible to dense and lexical search (and to the hybrid retriever)
    q = "Tổng thu ngân sách phường mồ côi 99.999.999 đồng"
    assert orphan_id not in dense_ids(index, q, 20)
    assert orphan_id not in {c for c, _ in index.lexical().search(q, 20)}
    assert orphan_id not in index.lexical().ids
    from assistant.retrieval import HybridRetriever

    assert orphan_id not in {p.chunk_id for p in HybridRetriever(index=index).search(q, k=20)}
    # recover() removes it
    assert index.recover() == 2  # the chunk and its sentence unit
    assert stored_chunks(index) == 5
    assert_consistent(index)


def test_orphans_of_a_failed_first_ingest_recovered_on_next_add(index: Index) -> None:
    orphan = numbered_doc(1)
    upsert_chunks_only(index, orphan)
    assert index.documents(fresh=True) == {}
    assert index.dense_search(index.embedder.embed_query("báo cáo số 1"), 5) == []
    index.add_document(xuong_giang_doc())  # add_document runs recover() first
    assert stored_chunks(index) == 5
    assert_consistent(index)


def test_duplicate_versions_recover_keeps_newest(index: Index) -> None:
    old = ngo_quyen_doc()
    new = make_doc(
        "Ngô Quyền", "ngo_quyen_2023.txt", [*NGO_QUYEN_PARAS[:3], "Bản cập nhật tháng 12."], (2023,)
    )
    older = make_doc("Xương Giang", "xg.txt", ["Bản cũ Xương Giang."], (2024,))
    newer = make_doc("Xương Giang", "xg.txt", ["Bản mới Xương Giang."], (2024,))
    index.add_document(old)
    index.add_document(older)
    commit_both_versions(index, new, old)
    assert len(index.documents(fresh=True)) == 3
    commit_both_versions(index, newer, older)  # the failed write makes the next one recover first
    assert set(index.documents(fresh=True)) == {
        new.metadata.doc_id,
        older.metadata.doc_id,
        newer.metadata.doc_id,
    }
    removed = index.recover()
    assert removed == 1  # the stale record (its chunks go with it); no orphans
    docs = index.documents(fresh=True)
    assert set(docs) == {new.metadata.doc_id, newer.metadata.doc_id}
    assert chunk_ids_of(index, old.metadata.doc_id) == set()
    assert chunk_ids_of(index, older.metadata.doc_id) == set()
    assert_consistent(index)


def test_crash_after_commit_before_drop_keeps_new_version(index: Index) -> None:
    v1 = ngo_quyen_doc()
    index.add_document(v1)
    v2 = make_doc("Ngô Quyền", "ngo_quyen_2023.txt", [*NGO_QUYEN_PARAS[:2], "Phiên bản thứ hai."], (2023,))
    commit_both_versions(index, v2, v1)
    assert set(index.documents(fresh=True)) == {v1.metadata.doc_id, v2.metadata.doc_id}
    index.recover()
    assert set(index.documents(fresh=True)) == {v2.metadata.doc_id}
    assert_consistent(index)


def test_lexical_rebuilt_when_directory_deleted(settings: Settings) -> None:
    a = Index(settings, HashEmbedder(256, name="hash:256"))
    a.add_document(ngo_quyen_doc())
    a.add_document(xuong_giang_doc())
    want = {q: a.lexical().search(q, 5) for q in QUERIES}
    assert settings.lexical_dir.is_dir()
    shutil.rmtree(settings.lexical_dir)
    b = Index(settings)
    assert {q: b.lexical().search(q, 5) for q in QUERIES} == want
    assert settings.lexical_dir.is_dir()  # saved again
    # a corrupt directory is rebuilt too
    for p in settings.lexical_dir.iterdir():
        p.write_bytes(b"garbage")
    c = Index(settings)
    assert {q: c.lexical().search(q, 5) for q in QUERIES} == want


def test_lexical_rebuilt_when_another_instance_adds(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    a = Index(settings, HashEmbedder(256, name="hash:256"))
    b = Index(settings, HashEmbedder(256, name="hash:256"))
    a.add_document(ngo_quyen_doc())
    lex_a = a.lexical()
    fp1 = lex_a.fingerprint
    assert lexical_ids(a, "gieo trồng 35ha") == []
    assert len(b.lexical()) == 5
    xg = xuong_giang_doc()
    b.add_document(xg)
    # a's committed-documents cache expires (TTL), then its lexical index follows
    monkeypatch.setattr(index_mod, "_DOCS_TTL_S", 0.0)
    lex_a2 = a.lexical()
    assert lex_a2.fingerprint != fp1
    assert len(lex_a2) == 10
    assert lexical_ids(a, "gieo trồng 35ha")[0] in {c.id for c in xg.chunks}
    assert dense_ids(a, "Diện tích gieo trồng 35ha thú y")[0] == xg.chunks[2].id
    # the rebuilt index was saved: a third instance loads it without rebuilding
    c = Index(settings)
    assert c.lexical().fingerprint == lex_a2.fingerprint
    assert_consistent(a)


def test_refresh_lexical_after_add(index: Index) -> None:
    index.add_document(ngo_quyen_doc())
    assert len(index.lexical()) == 5
    index.add_document(xuong_giang_doc())
    index.refresh_lexical()
    assert len(index.lexical()) == 10


def test_many_documents_paging(index: Index) -> None:
    docs = [numbered_doc(i, n_paras=7) for i in range(6)]
    for d in docs:
        assert index.add_document(d).status == "added"
    got = list(index.iter_chunks([d.metadata.doc_id for d in docs], page=4))
    assert len(got) == len({c.chunk_id for c in got}) == 42
    counts = assert_consistent(index)
    assert set(counts.values()) == {7}


def test_dense_search_allowed_docs(two_ward_index: Index) -> None:
    idx = two_ward_index
    nq, xg = ngo_quyen_doc(), xuong_giang_doc()
    vec = idx.embedder.embed_query("thu ngân sách")
    only_xg = idx.dense_search(vec, 10, [xg.metadata.doc_id])
    assert only_xg and {c.doc_id for c in only_xg} == {xg.metadata.doc_id}
    assert idx.dense_search(vec, 10, []) == []
    both = idx.dense_search(vec, 10, [nq.metadata.doc_id, xg.metadata.doc_id])
    assert len(both) == 10
    assert idx.dense_search(vec, 3)[0].distance is not None


def test_sentence_units_follow_their_document(index: Index) -> None:
    doc = xuong_giang_doc()
    index.add_document(doc)
    chunk_ids = [c.id for c in doc.chunks]
    units = index.unit_vectors(chunk_ids)
    assert units, "every chunk's sentences are stored beside it"
    some = next(iter(units.values()))
    assert all(isinstance(t, str) and t and len(v) == index.embedder.dimension for t, v in some)
    vec = index.embedder.embed_query(some[0][0])
    hits = index.dense_search_units(vec, 3)
    assert hits and hits[0].parent in chunk_ids
    index.remove_document(doc.metadata.doc_id)
    assert index.unit_vectors(chunk_ids) == {}
    assert index.dense_search_units(vec, 3) == []
