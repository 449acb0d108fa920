"""The Vietnamese-aware BM25 index (``vectorstore.lexical``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from vectorstore.lexical import LexicalIndex, lexical_tokens

pytestmark = pytest.mark.unit

CORPUS = {
    "c_budget": "Tổng thu ngân sách phường ước đạt 17.384.571.763 đồng, đạt 104,4% kế hoạch.",
    "c_spend": "Tổng chi ngân sách ước thực hiện 11.000.000.000 đồng.",
    "c_vet": "Công tác thú y được thực hiện tốt, không để dịch bệnh lây lan.",
    "c_gpmb": "Công tác giải phóng mặt bằng dự án đường vành đai được tập trung chỉ đạo.",
    "c_school": "Trường Mầm non Ngô Quyền đạt chuẩn quốc gia mức độ 1.",
    "c_culture": "Phong trào toàn dân đoàn kết xây dựng đời sống văn hoá được duy trì.",
}


def build(corpus: dict[str, str] = CORPUS, fingerprint: str = "fp") -> LexicalIndex:
    ids = list(corpus)
    return LexicalIndex.build(ids, [corpus[i] for i in ids], [f"doc_{i}" for i in ids], fingerprint)


def test_lexical_tokens_kinds() -> None:
    toks = lexical_tokens("Ngân sách")
    assert toks == ["ngân", "sách", "ngân_sách", "~ngan", "~sach", "~ngan_sach"]


def test_exact_accent_ranks_above_folded() -> None:
    idx = LexicalIndex.build(
        ["thu_plain", "thu_accent"],
        ["báo cáo thu kết quả", "báo cáo thú kết quả"],
        ["d1", "d2"],
    )
    res = idx.search("thu")
    assert [cid for cid, _ in res] == ["thu_plain", "thu_accent"]
    assert res[0][1] > res[1][1] > 0
    res = idx.search("thú")
    assert [cid for cid, _ in res] == ["thu_accent", "thu_plain"]
    assert res[0][1] > res[1][1] > 0


def test_unaccented_query_finds_accented_docs() -> None:
    idx = build()
    assert idx.search("giai phong mat bang", k=1)[0][0] == "c_gpmb"
    assert idx.search("ngan sach", k=2)[0][0] in {"c_budget", "c_spend"}
    assert idx.search("thu y dich benh", k=1)[0][0] == "c_vet"
    # both tone placements of "hoá" match each other
    assert idx.search("văn hóa", k=1)[0][0] == "c_culture"


def test_number_tokens_match_exactly() -> None:
    idx = build()
    assert idx.search("17.384.571.763", k=1)[0][0] == "c_budget"
    assert idx.search("104,4%", k=1)[0][0] == "c_budget"


def test_allowed_set_filter() -> None:
    idx = build()
    res = idx.search("ngân sách", allowed={"c_spend", "c_vet"})
    assert [cid for cid, _ in res] == ["c_spend"]
    assert idx.search("ngân sách", allowed=set()) == []
    assert idx.search("ngân sách", allowed={"unknown"}) == []


def test_unknown_words_and_empty_index() -> None:
    idx = build()
    assert idx.search("xyzzy qwerty") == []
    empty = LexicalIndex.build([], [], [], "fp0")
    assert len(empty) == 0
    assert empty.search("ngân sách") == []
    assert empty.idf("ngân") == 0.0


def test_k_limits_results() -> None:
    idx = build()
    assert len(idx.search("công tác đạt", k=2)) == 2
    assert len(idx.search("công tác đạt", k=100)) <= len(CORPUS)


def _all_queries() -> list[str]:
    return [
        "ngân sách",
        "ngan sach",
        "thú y",
        "17.384.571.763",
        "văn hoá",
        "Ngô Quyền",
        "giải phóng mặt bằng",
    ]


def test_save_load_round_trip(tmp_path: Path) -> None:
    idx = build(fingerprint="abc123")
    d = tmp_path / "lexical"
    idx.save(d)
    loaded = LexicalIndex.load(d)
    assert loaded is not None
    assert loaded.ids == idx.ids
    assert loaded.doc_of == idx.doc_of
    assert loaded.fingerprint == "abc123"
    for q in _all_queries():
        assert loaded.search(q) == idx.search(q), q
        for t in lexical_tokens(q):
            assert loaded.idf(t) == pytest.approx(idx.idf(t))
    # saving again over an existing directory swaps it atomically
    idx2 = build({"x": "thu ngân sách", "y": "thú y"}, fingerprint="v2")
    idx2.save(d)
    again = LexicalIndex.load(d)
    assert again is not None and again.fingerprint == "v2" and again.ids == ["x", "y"]
    assert not (tmp_path / "lexical.old").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["lexical"]


def test_save_load_empty(tmp_path: Path) -> None:
    LexicalIndex.build([], [], [], "empty").save(tmp_path / "lex")
    loaded = LexicalIndex.load(tmp_path / "lex")
    assert loaded is not None and len(loaded) == 0 and loaded.fingerprint == "empty"


def test_load_missing_dir(tmp_path: Path) -> None:
    assert LexicalIndex.load(tmp_path / "nope") is None


def test_load_corrupt_meta(tmp_path: Path) -> None:
    d = tmp_path / "lex"
    build().save(d)
    (d / "baocao_lexical.json").write_text("{not json", encoding="utf-8")
    assert LexicalIndex.load(d) is None


def test_load_corrupt_bm25_files(tmp_path: Path) -> None:
    d = tmp_path / "lex"
    build().save(d)
    others = [p for p in d.iterdir() if p.name != "baocao_lexical.json"]
    assert others
    for p in others:
        p.write_bytes(b"\x00garbage")
    assert LexicalIndex.load(d) is None


def test_load_missing_bm25_files(tmp_path: Path) -> None:
    d = tmp_path / "lex"
    build().save(d)
    for p in d.iterdir():
        if p.name != "baocao_lexical.json":
            p.unlink()
    assert LexicalIndex.load(d) is None


def test_idf_ordering() -> None:
    idx = build()
    rare = idx.idf("thú")  # one passage
    common = idx.idf("công")  # three passages
    unknown = idx.idf("xyzzy")
    assert unknown > rare > common > 0
    assert idx.idf("~thu") < idx.idf("thú")  # folded token is shared by thu/thú
