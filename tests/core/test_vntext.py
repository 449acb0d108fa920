"""Vietnamese text normalisation (``baocao.vntext``)."""

from __future__ import annotations

import unicodedata

import pytest

from baocao.vntext import canonical_tones, fold, has_diacritics, match_key, nfc, tokenize

pytestmark = pytest.mark.unit


def nfd(s: str) -> str:
    return unicodedata.normalize("NFD", s)


def test_nfc_composes_decomposed_input() -> None:
    word = "Ngô Quyền"
    assert nfd(word) != word
    assert nfc(nfd(word)) == word
    assert unicodedata.is_normalized("NFC", nfc(nfd("Tổng thu ngân sách")))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("hoá", "hóa"),
        ("hoà", "hòa"),
        ("thuỷ", "thủy"),
        ("khoẻ", "khỏe"),
        ("HOÁ", "HÓA"),
        ("Thuỷ", "Thủy"),
        ("KHOẺ", "KHỎE"),
        ("văn hoá xã hội", "văn hóa xã hội"),
    ],
)
def test_both_tone_placements_become_one(a: str, b: str) -> None:
    assert canonical_tones(a) == canonical_tones(b)
    assert canonical_tones(nfd(a)) == canonical_tones(b)
    assert match_key(a) == match_key(b)


@pytest.mark.parametrize(
    "word",
    [
        "Quyền",
        "quý",
        "Quý",
        "QUÝ",
        "giữa",
        "GIỮA",
        "gì",
        "người",
        "nước",
        "tuổi",
        "quốc",
        "giường",
        "Xương",
        "NGÔ QUYỀN",
    ],
)
def test_correct_words_unchanged(word: str) -> None:
    assert canonical_tones(word) == word
    assert canonical_tones(nfd(word)) == word


def test_canonical_form_is_old_style() -> None:
    assert canonical_tones("hoá") == "hóa"
    assert canonical_tones("thuỷ") == "thủy"
    assert canonical_tones("khoẻ") == "khỏe"


def test_upper_case_kept() -> None:
    assert canonical_tones("THUỶ LỢI") == "THỦY LỢI"
    assert canonical_tones("Hoá") == "Hóa"


def test_fold_strips_all_diacritics() -> None:
    assert fold("đường Đại Việt") == "duong Dai Viet"
    assert fold("Ngô Quyền") == "Ngo Quyen"
    assert fold("giữa hoá thuỷ khoẻ") == "giua hoa thuy khoe"
    assert fold(nfd("Xương Giang")) == "Xuong Giang"
    assert not has_diacritics("ngan sach")
    assert has_diacritics("ngân sách")
    assert has_diacritics("đ")


def test_match_key_whitespace_case_tones() -> None:
    assert match_key("  Ngô   QUYỀN\n\t hoá ") == "ngô quyền hóa"
    assert match_key("Văn hoá") == match_key("văn   HÓA")
    assert match_key(nfd("Thuỷ lợi")) == match_key("thủy lợi")
    assert match_key("") == ""


def test_tokenize_numbers_and_percent() -> None:
    toks = tokenize("Tổng thu 17.384.571.763 đồng, đạt 104,4% dự toán")
    assert toks == ["tổng", "thu", "17.384.571.763", "đồng", "đạt", "104,4%", "dự", "toán"]


def test_tokenize_normalises_case_and_tones() -> None:
    assert tokenize("Văn HOÁ") == tokenize("văn hóa") == ["văn", "hóa"]
    assert tokenize(nfd("Thuỷ")) == ["thủy"]
    assert tokenize("năm 2023, 35ha") == ["năm", "2023", "35", "ha"]


@pytest.mark.parametrize(
    "text",
    [
        "UBND phường Ngô Quyền xây dựng kế hoạch phát triển kinh tế - xã hội năm 2024.",
        "Tỉ lệ hộ nghèo giảm còn 0,5%; hộ cận nghèo 1,1%.",
        "Đường giữa hai khu dân cư được giải phóng mặt bằng.",
    ],
)
def test_vietnamese_round_trip(text: str) -> None:
    # NFC is idempotent and lossless; canonical tones are idempotent and change nothing
    # that is already canonical; folding keeps the length of the text.
    assert nfc(nfd(text)) == text
    assert nfc(text.encode("utf-8").decode("utf-8")) == text
    assert canonical_tones(canonical_tones(text)) == canonical_tones(text)
    assert canonical_tones(text) == text
    assert len(fold(text)) == len(text)
    assert fold(fold(text)) == fold(text)
    assert " ".join(tokenize(text)).count(" ") + 1 == len(tokenize(text))


@pytest.mark.unit
@pytest.mark.parametrize(
    ("a", "b"),
    [("Tỷ lệ", "Tỉ lệ"), ("Ngô Sỹ Liên", "Ngô Sĩ Liên"), ("kỹ thuật", "kĩ thuật"), ("lý do", "lí do")],
)
def test_final_y_and_i_spellings_match(a: str, b: str) -> None:
    # both spellings are in use ("Ngô Sỹ Liên" / "Ngô Sĩ Liên" in the same report)
    assert canonical_tones(a) == canonical_tones(b)
    assert match_key(a) == match_key(b)


@pytest.mark.unit
@pytest.mark.parametrize("word", ["quý", "y tế", "thủy", "hay", "tuy", "Quyền"])
def test_y_that_is_not_a_final_i_is_kept(word: str) -> None:
    assert canonical_tones(word) == word
