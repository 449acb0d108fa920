"""The index against a REAL Chroma server (``chroma run`` subprocess)."""

from __future__ import annotations

from pathlib import Path

import pytest

from assistant.retrieval import Filters, HybridRetriever
from tests.vectorstore.conftest import (
    REPO_ROOT,
    ChromaServer,
    assert_consistent,
    ngo_quyen_doc,
    xuong_giang_doc,
)
from vectorstore.chroma_store import ChromaUnavailable
from vectorstore.errors import EmbeddingModelMismatch
from vectorstore.index import Index

pytestmark = pytest.mark.integration

QUERIES = ["Tổng thu ngân sách phường năm 2023", "ty le ho ngheo", "thú y dịch bệnh", "GPMB"]


def results(idx: Index, mode: str = "hybrid") -> dict[str, list[tuple[str, str]]]:
    r = HybridRetriever(index=idx, mode=mode, k=5)
    return {q: [(p.chunk_id, p.ward) for p in r.search(q)] for q in QUERIES}


def test_ingest_retrieve_reopen(chroma_server: ChromaServer, tmp_path: Path) -> None:
    s1 = chroma_server.settings(tmp_path / "app1", collection="twodocs")
    a = Index(s1)
    assert a.add_document(ngo_quyen_doc()).status == "added"
    assert a.add_document(xuong_giang_doc()).status == "added"
    assert a.add_document(ngo_quyen_doc()).status == "unchanged"
    assert not s1.chroma_dir.exists(), "server mode must not create a local Chroma dir"
    got = HybridRetriever(index=a, k=5).search(
        "Tổng thu ngân sách phường Ngô Quyền", Filters(wards=["Ngô Quyền"])
    )
    assert got and {p.ward for p in got} == {"Ngô Quyền"}
    assert "17.384.571.763" in got[0].text
    want = {m: results(a, m) for m in ("hybrid", "dense", "lexical")}
    assert all(want["hybrid"].values())
    assert_consistent(a)

    # another app instance: same server, its own EMPTY data dir -> lexical rebuilt from Chroma
    s2 = chroma_server.settings(tmp_path / "app2", collection="twodocs")
    assert not s2.lexical_dir.exists()
    b = Index(s2)
    assert [d.doc_id for d in b.list_documents()] == [d.doc_id for d in a.list_documents()]
    assert {m: results(b, m) for m in ("hybrid", "dense", "lexical")} == want
    assert s2.lexical_dir.is_dir()
    assert b.lexical().fingerprint == a.lexical().fingerprint

    # a removal through one instance is seen by the other
    b.remove_document("xuong_giang_2024.txt")
    a.documents(fresh=True)
    assert {p.ward for p in HybridRetriever(index=a, k=10).search("ngân sách")} == {"Ngô Quyền"}
    assert_consistent(a)


def test_model_mismatch_on_server(chroma_server: ChromaServer, tmp_path: Path) -> None:
    s = chroma_server.settings(tmp_path / "m1", collection="mismatch")
    Index(s).add_document(ngo_quyen_doc())
    with pytest.raises(EmbeddingModelMismatch):
        Index(chroma_server.settings(tmp_path / "m2", collection="mismatch", dim=128))


def test_server_unreachable(tmp_path: Path) -> None:
    from tests.vectorstore.conftest import free_port, hash_settings

    s = hash_settings(tmp_path, chroma_host="127.0.0.1", chroma_port=free_port())
    with pytest.raises(ChromaUnavailable):
        Index(s)


@pytest.mark.slow
def test_real_reports_budget_question(chroma_server: ChromaServer, tmp_path: Path) -> None:
    from ingest.pipeline import parse_file

    s = chroma_server.settings(tmp_path / "real", collection="reports")
    idx = Index(s)
    reports = sorted((REPO_ROOT / "data" / "reports").glob("*.txt"))
    assert len(reports) >= 2
    for path in reports:
        parsed = parse_file(path, s)
        assert parsed.chunks
        assert idx.add_document(parsed).status == "added"
    wards = {d.ward for d in idx.list_documents()}
    assert "Ngô Quyền" in wards
    assert_consistent(idx)
    r = HybridRetriever(index=idx, k=5)
    for q, f in [
        ("Tổng thu ngân sách phường Ngô Quyền năm 2023 đạt bao nhiêu?", Filters(wards=["Ngô Quyền"])),
        ("Tổng thu ngân sách phường Ngô Quyền năm 2023 đạt bao nhiêu?", None),
    ]:
        got = r.search(q, f)
        assert any("17.384.571.763" in p.text for p in got[:5]), [p.text[:80] for p in got]
    # a second app instance with an empty data dir finds it too
    other = Index(chroma_server.settings(tmp_path / "real2", collection="reports"))
    got = HybridRetriever(index=other, k=5).search(
        "thu ngân sách phường Ngô Quyền", Filters(wards=["Ngô Quyền"])
    )
    assert any("17.384.571.763" in p.text for p in got)
