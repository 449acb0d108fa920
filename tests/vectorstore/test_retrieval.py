"""Hybrid retrieval over hand-made documents (HashEmbedder, embedded Chroma)."""

from __future__ import annotations

import pytest
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever

from assistant.glossary import expand_query
from assistant.retrieval import MODES, Filters, HybridRetriever
from baocao.settings import Settings
from tests.vectorstore.conftest import make_doc, ngo_quyen_doc, xuong_giang_doc
from vectorstore.index import Index

pytestmark = pytest.mark.unit

NQ = "Ngô Quyền"
XG = "Xương Giang"
QUESTIONS = [
    "Tổng thu ngân sách phường năm 2023 đạt bao nhiêu?",
    "Tỷ lệ hộ nghèo là bao nhiêu?",
    "chi ngan sach",
    "Công tác thú y",
]


@pytest.fixture
def idx(two_ward_index: Index) -> Index:
    return two_ward_index


def wards(passages: list) -> set[str]:  # type: ignore[type-arg]
    return {p.ward for p in passages}


def test_filters_allows() -> None:
    nq, xg = ngo_quyen_doc().metadata, xuong_giang_doc().metadata
    assert Filters().empty and Filters().allows(nq)
    assert Filters(wards=["Ngô Quyền"]).allows(nq) and not Filters(wards=["Ngô Quyền"]).allows(xg)
    assert Filters(wards=["ngo quyen"]).allows(nq)  # unaccented, lower-case
    assert Filters(doc_types=["Kế hoạch"]).allows(xg) and not Filters(doc_types=["ke hoach"]).allows(nq)
    assert Filters(years=[2023]).allows(nq) and not Filters(years=[2023]).allows(xg)
    assert Filters(years=[2024]).allows(nq) and Filters(years=[2024]).allows(xg)
    undated = nq.model_copy(update={"years": []})
    assert Filters(years=[2019]).allows(undated)


@pytest.mark.parametrize("mode", MODES)
def test_ward_filter(idx: Index, mode: str) -> None:
    r = HybridRetriever(index=idx, mode=mode, k=10)
    for q in QUESTIONS:
        got = r.search(q, Filters(wards=[NQ]))
        assert wards(got) <= {NQ}, q
        got = r.search(q, Filters(wards=["xuong giang"]))
        assert wards(got) <= {XG}, q
    assert wards(r.search("ngân sách", Filters(wards=[NQ]))) == {NQ}


@pytest.mark.parametrize("mode", MODES)
def test_question_naming_one_ward_never_returns_other(idx: Index, mode: str) -> None:
    r = HybridRetriever(index=idx, mode=mode, k=10)
    # the question names Ngô Quyền but uses Xương Giang's wording
    q = "Thu ngân sách nhà nước trên địa bàn phường Ngô Quyền đạt bao nhiêu, bằng bao nhiêu % dự toán?"
    got = r.search(q, Filters(wards=[NQ]))
    assert got
    assert wards(got) == {NQ}
    assert any("17.384.571.763" in p.text for p in got)


def test_year_and_doc_type_filters(idx: Index) -> None:
    r = HybridRetriever(index=idx, k=10)
    assert wards(r.search("ngân sách", Filters(years=[2023]))) == {NQ}
    assert wards(r.search("ngân sách", Filters(years=[2024]))) == {NQ, XG}
    assert wards(r.search("ngân sách", Filters(doc_types=["Kế hoạch"]))) == {XG}
    assert wards(r.search("ngân sách", Filters(doc_types=["Báo cáo"], years=[2024]))) == {NQ}
    assert r.search("ngân sách", Filters(years=[2019])) == []
    assert r.search("ngân sách", Filters(wards=["Hoàng Văn Thụ"])) == []


def test_assistant_question_naming_a_ward(idx: Index, settings: Settings) -> None:
    from assistant.service import Assistant

    a = Assistant(settings, index=idx, use_llm=False)
    rec = a.ask("Tổng thu ngân sách phường Ngô Quyền năm 2023 đạt bao nhiêu?")
    assert rec.retrieved and wards(rec.retrieved) == {NQ}
    assert not rec.refused
    assert "17.384.571.763" in rec.answer
    rec = a.ask("Thu ngân sách phường Xuong Giang?")
    assert rec.retrieved and wards(rec.retrieved) == {XG}


def test_glossary_expansion_finds_full_form(idx: Index) -> None:
    expanded, applied = expand_query("Tiến độ GPMB")
    assert "giải phóng mặt bằng" in expanded and applied
    r = HybridRetriever(index=idx, mode="lexical", k=3)
    got = r.search("Tiến độ GPMB")
    assert got, "GPMB should reach the passage that spells out 'giải phóng mặt bằng'"
    assert "giải phóng mặt bằng" in got[0].text
    assert got[0].lexical_rank == 1 and got[0].dense_rank is None
    # and the reverse: the full form also finds a passage that only writes the abbreviation
    idx.add_document(make_doc("Thọ Xương", "tx.txt", ["Hoàn thành công tác GPMB khu dân cư số 3."], (2023,)))
    idx.refresh_lexical()
    got = HybridRetriever(index=idx, mode="lexical", k=5).search("giải phóng mặt bằng khu dân cư")
    assert any("GPMB" in p.text for p in got)


@pytest.mark.parametrize("mode", MODES)
def test_modes_return_passages(idx: Index, mode: str) -> None:
    r = HybridRetriever(index=idx, mode=mode, k=4)
    found = r.retrieve("Tổng thu ngân sách phường ước đạt")
    got, timings = found.passages, found.timings
    assert 0 < len(got) <= 4
    assert len({p.chunk_id for p in got}) == len(got)
    assert all(p.text and p.doc_id and p.ward and p.source for p in got)
    scores = [p.score for p in got]
    assert scores == sorted(scores, reverse=True)
    assert "17.384.571.763" in got[0].text
    if mode == "dense":
        assert all(p.dense_rank and p.lexical_rank is None for p in got)
        assert "embed_ms" in timings and "lexical_ms" not in timings
    elif mode == "lexical":
        assert all(p.lexical_rank and p.dense_rank is None for p in got)
        assert "lexical_ms" in timings and "embed_ms" not in timings
    else:
        assert got[0].dense_rank and got[0].lexical_rank
    p = got[0]
    assert p.document == "Báo cáo số 137/BC-UBND ngày 30/11/2023"
    assert p.years == [2023, 2024] and p.section == "I. KẾT QUẢ THỰC HIỆN" and p.page is None


def test_unaccented_question(idx: Index) -> None:
    got = HybridRetriever(index=idx, k=3).search("tong thu ngan sach phuong uoc dat")
    assert "17.384.571.763" in got[0].text


def test_langchain_invoke(idx: Index) -> None:
    r = HybridRetriever(index=idx, k=3, filters=Filters(wards=[XG]))
    assert isinstance(r, BaseRetriever)
    docs = r.invoke("thu ngân sách nhà nước")
    assert 0 < len(docs) <= 3
    assert all(isinstance(d, Document) for d in docs)
    assert {d.metadata["ward"] for d in docs} == {XG}
    assert docs[0].id == docs[0].metadata["chunk_id"]
    assert "25.120.000.000" in docs[0].page_content
    assert "text" not in docs[0].metadata
    batch = HybridRetriever(index=idx, k=2).batch(["ngân sách", "hộ nghèo"])
    assert len(batch) == 2 and all(batch)


def test_empty_index_returns_nothing(index: Index) -> None:
    for mode in MODES:
        assert HybridRetriever(index=index, mode=mode).search("ngân sách") == []
