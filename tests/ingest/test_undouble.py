"""Collapsing "fake bold" doubled characters without touching real doubles."""

from __future__ import annotations

import unicodedata

import pytest

from ingest.undouble import doubled_tokens, undouble

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("src", "want"),
    [
        ("TThhưươơnngg  mmạạii", "Thương mại"),
        ("1177..338844..557711..776633", "17.384.571.763"),
        ("IIII..  VVỀỀ  LLĨĨNNHH  VVỰỰCC", "II. VỀ LĨNH VỰC"),
        ("nnăămm  22002222..", "năm 2022."),
        (
            "((ttăănngg  00,,33%%  ssoo  vvớớii  ccùùnngg  kkỳỳ  nnăămm  2200222); tỷ lệ",
            "(tăng 0,3% so với cùng kỳ năm 2022); tỷ lệ",
        ),
        ("TTMM  --  DDVV  ưướớcc", "TM - DV ước"),
        ("ttổổnngg  ssốố  1188  hhọọcc  ssiinnhh", "tổng số 18 học sinh"),
        ("đđạạtt  110044,,44%%  ssoo", "đạt 104,4% so"),
        ("hhọọcc  ssiinnhh  ((so với năm học trước", "học sinh (so với năm học trước"),
    ],
)
def test_collapses_doubled_runs(src: str, want: str) -> None:
    assert undouble(src) == want


def test_imperfect_run_at_the_end() -> None:
    assert undouble("nnăămm  2200222)") == "năm 2022)"


def test_mixed_line_doubled_then_normal() -> None:
    src = "TTrroonngg  nnăămm  22002233,,  pphhốốii  hhợợpp  Ngân hàng Chính sách xã hội tỉnh đã cho 173"
    assert undouble(src) == "Trong năm 2023, phối hợp Ngân hàng Chính sách xã hội tỉnh đã cho 173"


def test_normal_then_doubled_on_one_line() -> None:
    assert undouble("2. Công tác QQuuảảnn  llýý  đđôô  tthhịị") == "2. Công tác Quản lý đô thị"


def test_partial_token_after_doubled_line() -> None:
    src = "nnhhâânn  vviiêênn  5511  đđồồnngg  cchhíí;;  \n\nTTrường đạt danh hiệu"
    assert undouble(src) == "nhân viên 51 đồng chí; \n\nTrường đạt danh hiệu"


@pytest.mark.parametrize(
    "text",
    [
        "huy động 11.309 lượt người tham gia năm 2023",
        "Quyết định thành lập 77 Tổ liên gia tự quản",
        "phường Ngô Quyền, TTĐT, TTATGT, CCCD, QĐ-TTg",
        "thu được 1100 tấn, chi 2200 triệu, accord",
        "xã hội   cc   ---- 0000 và   ....",
        "II. VỀ LĨNH VỰC ĐẦU TƯ",
        "phó ban TT và 03 đ/c phó ban",
    ],
)
def test_real_doubles_survive(text: str) -> None:
    assert undouble(text) == text


def test_real_doubles_next_to_doubled_text_on_other_lines_survive() -> None:
    src = "ttổổnngg  tthhuu  22002233\nhuy động 11.309 lượt, 77 Tổ liên gia"
    assert undouble(src).split("\n")[1] == "huy động 11.309 lượt, 77 Tổ liên gia"


def test_decomposed_doubled_diacritics() -> None:
    # "mạại" with the dot below as a combining mark, doubled
    src = unicodedata.normalize("NFD", "mmạạii  vvàà")
    assert unicodedata.normalize("NFC", undouble(src)) == "mại và"


def test_doubled_token_detector() -> None:
    assert doubled_tokens("TThhưươơnngg  mmạạii và 11.309") == ["TThhưươơnngg", "mmạạii"]
    assert doubled_tokens("2023 Quyền 1100 ---- TTĐT") == []
