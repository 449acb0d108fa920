"""The indicator table: written with the document, removed with it, rebuilt when stale."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.indicators import IndicatorRecord
from tests.vectorstore.conftest import hash_settings, ngo_quyen_doc, xuong_giang_doc
from vectorstore import indicator_store
from vectorstore.embeddings import HashEmbedder
from vectorstore.index import Index
from vectorstore.indicator_store import IndicatorFilter, IndicatorStore


def rec(doc_id: str, ward: str, indicator: str, value: float, year: int = 2023) -> IndicatorRecord:
    return IndicatorRecord(
        ward=ward,
        indicator=indicator,
        value_text=str(value),
        value=value,
        year=year,
        doc_id=doc_id,
        text=str(value),
    )


def test_replace_delete_query(tmp_path: Path) -> None:
    st = IndicatorStore(tmp_path / "ind.sqlite")
    st.replace_document(
        "a", [rec("a", "Hòa Bình", "tỷ lệ hộ nghèo", 1.2), rec("a", "Hòa Bình", "thu ngân sách", 9)]
    )
    st.replace_document("b", [rec("b", "Lê Lợi", "tỷ lệ hộ nghèo", 0.5, 2024)])
    assert len(st.query()) == 3
    assert [r.value for r in st.query(IndicatorFilter(indicator="ho ngheo", years=[2024]))] == [0.5]
    st.replace_document("a", [rec("a", "Hòa Bình", "tỷ lệ hộ nghèo", 1.1)])  # a new version replaces
    assert [r.value for r in st.query(IndicatorFilter(wards=["Hòa Bình"]))] == [1.1]
    st.delete_document("a")
    assert [r.ward for r in st.query()] == ["Lê Lợi"]
    assert st.query(IndicatorFilter(doc_ids=[])) == []


def test_index_writes_and_removes_figures(tmp_path: Path) -> None:
    index = Index(hash_settings(tmp_path), embedder=HashEmbedder(256))
    nq, xg = ngo_quyen_doc(), xuong_giang_doc()
    index.add_document(nq)
    index.add_document(xg)
    table = index.indicator_table()
    got = table.query(IndicatorFilter(indicator="thu ngân sách"))
    assert {(r.ward, r.value_text) for r in got if r.unit == "đồng"} == {
        ("Ngô Quyền", "17.384.571.763 đồng"),
        ("Xương Giang", "25.120.000.000 đồng"),
    }
    assert all(r.value_text in r.text and r.chunk_id for r in table.query())
    index.remove_document(nq.metadata.source)
    assert {r.ward for r in index.indicator_table().query()} == {"Xương Giang"}


def test_rebuilt_when_extractor_changes(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = hash_settings(tmp_path)
    index = Index(settings, embedder=HashEmbedder(256))
    index.add_document(ngo_quyen_doc())
    before = len(index.indicator_table().query())
    monkeypatch.setattr(indicator_store, "EXTRACTOR_VERSION", "indicators-test")
    index.indicators.replace_document("stale-doc", [rec("stale-doc", "X", "y", 1)])  # a doc not committed
    table = index.indicator_table()
    assert set(table.doc_versions().values()) == {"indicators-test"}  # re-extracted under the new version
    assert {r.doc_id for r in table.query()} == set(index.documents())  # the uncommitted one dropped
    assert len(table.query()) == before
