"""Ward parsing (document and --ward), document type/number/date/title."""

from __future__ import annotations

import pytest

from ingest.indicators import extract_parsed
from ingest.metadata import body_years, parse_ward_override, title_case
from ingest.pipeline import parse_text

pytestmark = pytest.mark.unit

BODY = "\n\nI. KINH TẾ\n\nThu ngân sách đạt 12 tỷ đồng, tăng 5% so với năm trước; chi đúng dự toán.\n"


@pytest.mark.parametrize(
    ("value", "want"),
    [
        ("Hội Phú", ("phường", "Hội Phú")),
        ("xã Đức Giang", ("xã", "Đức Giang")),
        ("Xã  Đức   Giang", ("xã", "Đức Giang")),
        ("phuong Xuong Giang", ("phường", "Xương Giang")),  # diacritics restored from the document
        ("P. Ngô Quyền", ("phường", "Ngô Quyền")),
        ("thị trấn Neo", ("thị trấn", "Neo")),
        ("THỊ TRẤN NEO", ("thị trấn", "Neo")),
        ("ngô quyền", ("phường", "Ngô Quyền")),
    ],
)
def test_parse_ward_override(value: str, want: tuple[str, str]) -> None:
    assert parse_ward_override(value, ["Xương Giang"], "phường") == want


def test_title_case() -> None:
    assert title_case("NGÔ QUYỀN") == "Ngô Quyền"
    assert title_case("Ngô Quyền") == "Ngô Quyền"
    assert title_case("3") == "3"


@pytest.mark.parametrize(
    ("head", "kind", "ward"),
    [
        (
            "UBND XÃ ĐỨC GIANG\nSố: 5/KH-UBND\nĐức Giang, ngày 1 tháng 2 năm 2024\nKẾ HOẠCH\nPhát triển năm 2024",
            "xã",
            "Đức Giang",
        ),
        (
            "ỦY BAN NHÂN DÂN\nTHỊ TRẤN NEO\nSố: 5/TTr-UBND\nTT. Neo, ngày 01 tháng 02 năm 2024\nTỜ TRÌNH\nVề dự toán",
            "thị trấn",
            "Neo",
        ),
        (
            "Số: 7/QĐ-UBND\nPhường 3, ngày 9 tháng 9 năm 2024\nQUYẾT ĐỊNH\nVề việc giao chỉ tiêu",
            "phường",
            "3",
        ),
    ],
)
def test_ward_and_header(head: str, kind: str, ward: str) -> None:
    doc = parse_text(head + BODY, "x.txt")
    assert (doc.metadata.ward_kind, doc.metadata.ward) == (kind, ward)


def test_header_fields() -> None:
    doc = parse_text(
        "UBND XÃ ĐỨC GIANG\nSố: 5/TTr-UBND\nĐức Giang, ngày 1 tháng 2 năm 2024\nTỜ TRÌNH\nVề dự toán ngân sách năm 2024"
        + BODY,
        "x.txt",
    )
    m = doc.metadata
    assert (m.doc_type, m.doc_number, m.date) == ("Tờ trình", "5/TTr-UBND", "2024-02-01")
    assert m.title == "Tờ trình Về dự toán ngân sách năm 2024"
    assert m.years == [2024]
    assert m.signer == ""


def test_doc_type_from_number_when_no_title_line() -> None:
    doc = parse_text("UBND XÃ ĐỨC GIANG\nSố: 9/NQ-HĐND\nĐức Giang, ngày 1 tháng 2 năm 2024" + BODY, "x.txt")
    assert doc.metadata.doc_type == "Nghị quyết"


WEB_TEXT = (
    "Kỳ họp thứ tám HĐND xã Tân Lập\n\n"
    "Ngày 20/12/2023, HĐND xã Tân Lập tổ chức kỳ họp thường lệ cuối năm.\n\n"
    "Năm 2023, UBND xã triển khai đồng bộ các giải pháp. Tổng thu ngân sách đạt 8,2 tỷ đồng, tăng 6% so với "
    "năm 2022. Thu nhập bình quân năm 2023 đạt 52 triệu đồng/người.\n\n"
    "Kỳ họp thông qua các mục tiêu năm 2024: tỷ lệ hộ nghèo giảm còn dưới 2%.\n"
)


def test_the_years_a_web_text_speaks_of_are_read_from_its_body() -> None:
    # the year it names most, not the baseline ("so với năm 2022"), with the plan year it names
    assert body_years(WEB_TEXT.split("\n\n")) == [2023, 2024]
    assert body_years(["Năm 2021 thu 3 tỷ đồng.", "So với năm 2020 tăng 5%."]) == [2021]
    assert body_years(["Không nêu năm nào."]) == []


def test_a_guess_from_the_body_does_not_become_the_years_the_document_covers() -> None:
    # the document's years filter retrieval and refuse other years: only title, headings or date
    doc = parse_text(WEB_TEXT, "x.txt", ward="xã Tân Lập")
    assert doc.metadata.years == []


def test_figures_of_a_web_text_take_their_year_from_its_body() -> None:
    doc = parse_text(WEB_TEXT, "x.txt", ward="xã Tân Lập")
    years = {r.value_text: r.year for r in extract_parsed(doc)}
    assert years["8,2 tỷ đồng"] == 2023
