"""Table rows read with their (possibly two-level) column headers."""

from __future__ import annotations

import pytest

from ingest.tables import is_grid, render

pytestmark = pytest.mark.unit


def test_two_header_rows_with_a_spanning_cell() -> None:
    grid = [
        ["TT", "Chỉ tiêu", "ĐVT", "Năm 2024", None, "Tỷ lệ"],
        [None, None, None, "Kế hoạch", "Thực hiện", None],
        ["(1)", "(2)", "(3)", "(4)", "(5)", "(6)"],
        ["1", "Thu ngân sách", "triệu đồng", "1.200", "1.350", "112,5%"],
        ["2", "Hộ nghèo", "hộ", "40", "35", ""],
    ]
    t = render(grid)
    assert t.header == ["TT", "Chỉ tiêu", "ĐVT", "Năm 2024 Kế hoạch", "Năm 2024 Thực hiện", "Tỷ lệ"]
    assert t.rows == [
        "TT: 1 | Chỉ tiêu: Thu ngân sách | ĐVT: triệu đồng | Năm 2024 Kế hoạch: 1.200 | "
        "Năm 2024 Thực hiện: 1.350 | Tỷ lệ: 112,5%",
        "TT: 2 | Chỉ tiêu: Hộ nghèo | ĐVT: hộ | Năm 2024 Kế hoạch: 40 | Năm 2024 Thực hiện: 35",
    ]


def test_continued_table_reuses_the_header_of_the_previous_page() -> None:
    first = render([["Chỉ tiêu", "Kế hoạch", "Thực hiện"], ["Thu ngân sách", "10", "12"]])
    cont = render([["Chi ngân sách", "8", "9"]], header=first.header)
    assert cont.rows == ["Chỉ tiêu: Chi ngân sách | Kế hoạch: 8 | Thực hiện: 9"]


def test_table_without_header_keeps_its_cells() -> None:
    assert render([["Nơi nhận:", "CHỦ TỊCH"]]).rows == ["Nơi nhận: | CHỦ TỊCH"]


def test_a_page_frame_is_not_a_table() -> None:
    frame = [
        ["- Thực hiện việc thống kê, phân loại", None],
        ["định. Trang bị các sổ", None],
        ["BMNN", "BMNN"],
    ]
    assert not is_grid(frame)
    assert is_grid([["Chỉ tiêu", "Thực hiện"], ["Thu ngân sách", "12"]])


def test_pipe_and_tab_tables_in_text_become_rows() -> None:
    from ingest.loaders import load_text

    text = (
        "Biểu 1. Chỉ tiêu chủ yếu\n"
        "| STT | Chỉ tiêu | ĐVT | KH 2024 | TH 2024 |\n"
        "|---|:---|---|---:|---:|\n"
        "| 1 | **Thu ngân sách** | triệu đồng | 1.200 | 1.350 |\n"
        "| 2 | Tỷ lệ hộ nghèo | % | 1,5 | 1,2 |\n"
        "\n"
        "Chỉ tiêu\tĐVT\tNăm 2023\tNăm 2024\n"
        "Diện tích lúa\tha\t320\t315\n"
        "Một dòng | có gạch đứng nhưng không phải bảng\n"
    )
    raw = load_text(text, "x.txt")
    rows = [ln.text for ln in raw.lines if ln.table]
    assert rows == [
        "STT: 1 | Chỉ tiêu: Thu ngân sách | ĐVT: triệu đồng | KH 2024: 1.200 | TH 2024: 1.350",
        "STT: 2 | Chỉ tiêu: Tỷ lệ hộ nghèo | ĐVT: % | KH 2024: 1,5 | TH 2024: 1,2",
        "Chỉ tiêu: Diện tích lúa | ĐVT: ha | Năm 2023: 320 | Năm 2024: 315",
    ]
    assert [ln.text for ln in raw.lines if not ln.table and ln.text][-1].startswith("Một dòng")
