"""Letterhead parsing (Nghị định 30/2020): the shapes text extraction gives a two-column header."""

from __future__ import annotations

import unicodedata

import pytest

from ingest.letterhead import parse, sentence_case

pytestmark = pytest.mark.unit

NATION = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"


def test_columns_merged_on_one_line_department_of_a_province() -> None:
    lh = parse(
        [
            f"UBND TỈNH BÌNH THUẬN {NATION}",
            f"SỞ TÀI CHÍNH {MOTTO}",
            "Số: 329/BC-STC Bình Thuận, ngày 19 tháng 12 năm 2025",
            "BÁO CÁO",
            "Tình hình thu chi",
            "Căn cứ Quyết định số 12/QĐ-UBND ngày 28/2/2025 của UBND xã Hàm Tân",
        ]
    )
    assert (lh.issuer, lh.issuer_parent) == ("Sở Tài chính", "Ủy ban nhân dân tỉnh Bình Thuận")
    assert (lh.area_level, lh.area_name) == ("tỉnh", "Bình Thuận")
    assert (lh.doc_number, lh.date, lh.title_index) == ("329/BC-STC", "2025-12-19", 3)


def test_a_place_date_wrapped_by_its_column_is_read_whole() -> None:
    lh = parse(
        [
            f"UỶ BAN NHÂN DÂN {NATION}",
            f"PHƯỜNG NGÔ QUYỀN {MOTTO}",
            "Số: 137/BC-UBND Phường Ngô Quyền, ngày 30 tháng 11",
            "năm 2023",
            "BÁO CÁO",
            "Tình hình thực hiện nhiệm vụ KT-XH năm 2023",
        ]
    )
    assert (lh.doc_number, lh.date, lh.title_index) == ("137/BC-UBND", "2023-11-30", 4)
    assert lh.area_name == "Ngô Quyền"
    cut_at_year = parse(
        ["Số: /KH-UBND P. Xương Giang, ngày 30 tháng 8 năm", "2023", "KẾ HOẠCH", "Phát triển"]
    )
    assert cut_at_year.date == "2023-08-30"
    split_title = parse(
        [
            "UỶ BAN NHÂN DÂN",
            "PHƯỜNG NGÔ QUYỀN",
            "Số: 137/BC-UBND",
            "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT",
            "NAM",
            MOTTO,
            "Phường Ngô Quyền, ngày 30 tháng 11 năm 2023",
            "BÁO CÁO",
        ]
    )
    assert (split_title.area_name, split_title.date) == ("Ngô Quyền", "2023-11-30")
    # a line that merely ends the sentence before a year is not a cut date
    assert (
        parse(["Số: 12/BC-UBND", "Hà Nội, ngày 5 tháng 1 năm 2024", "2023", "BÁO CÁO"]).date == "2024-01-05"
    )


def test_number_split_from_its_code_by_the_other_column() -> None:
    lh = parse(
        [
            "ỦY BAN NHÂN DÂN",
            "XÃ HÀM TÂN",
            "Số: 329",
            NATION,
            MOTTO,
            "Hàm Tân, ngày 19 tháng 12 năm 2025",
            "/BC-UBND",
            "BÁO CÁO",
        ]
    )
    assert (lh.issuer, lh.area_level, lh.area_name) == ("Ủy ban nhân dân xã Hàm Tân", "xã", "Hàm Tân")
    assert (lh.doc_number, lh.date) == ("329/BC-UBND", "2025-12-19")


def test_right_column_first() -> None:
    lh = parse(
        [
            f"{NATION} ỦY BAN NHÂN DÂN",
            "Độc lập – Tự do – Hạnh phúc TỈNH QUẢNG TRỊ",
            "Quảng Trị, ngày 5 tháng 1 năm 2026 Số: 12/KH-UBND",
            "KẾ HOẠCH",
        ]
    )
    assert (lh.issuer, lh.area_level, lh.doc_number, lh.date) == (
        "Ủy ban nhân dân tỉnh Quảng Trị",
        "tỉnh",
        "12/KH-UBND",
        "2026-01-05",
    )


def test_nfd_fragments_and_blank_number_and_day() -> None:
    lines = [
        "UBND TI\u0309NH BI\u0300NH THUÂ\u0323N",
        "TRUNG TÂM PHA \u0301T TRIÊ\u0309N QUY\u0303 ĐÂ\u0301T",
        "Số:   /BC-TTPTQĐ",
        "Phan Thiết, ngày  tháng 12 năm 2025",
        "BÁO CÁO",
    ]
    lh = parse([unicodedata.normalize("NFD", x) for x in lines])
    assert lh.issuer == "Trung tâm Phát triển quỹ đất"
    assert (lh.area_level, lh.area_name) == ("tỉnh", "Bình Thuận")
    assert (lh.doc_number, lh.number_code, lh.date) == ("", "BC-TTPTQĐ", "")


@pytest.mark.parametrize(
    ("lines", "issuer", "level", "area"),
    [
        (
            ["HỘI ĐỒNG NHÂN DÂN", "PHƯỜNG PHÚ THỦY", "Số: 05/NQ-HĐND"],
            "Hội đồng nhân dân phường Phú Thủy",
            "phường",
            "Phú Thủy",
        ),
        (
            ["UBND HUYỆN HÀM TÂN", "PHÒNG TÀI CHÍNH - KẾ HOẠCH"],
            "Phòng Tài chính - Kế hoạch",
            "huyện",
            "Hàm Tân",
        ),
        (
            ["UBND TỈNH LÀO CAI", "SỞ NÔNG NGHIỆP VÀ MÔI TRƯỜNG"],
            "Sở Nông nghiệp và Môi trường",
            "tỉnh",
            "Lào Cai",
        ),
        (["ỦY BAN NHÂN DÂN", "ĐẶC KHU PHÚ QUỐC"], "Ủy ban nhân dân đặc khu Phú Quốc", "đặc khu", "Phú Quốc"),
        (["UỶ BAN NHÂN DÂN", "THỊ XÃ BỈM SƠN"], "Uỷ ban nhân dân thị xã Bỉm Sơn", "thị xã", "Bỉm Sơn"),
        (["ỦY BAN NHÂN DÂN", "THÀNH PHỐ HÀ NỘI"], "Ủy ban nhân dân thành phố Hà Nội", "thành phố", "Hà Nội"),
        (
            ["ỦY BAN NHÂN DÂN", "THỊ TRẤN NGÃI GIAO"],
            "Ủy ban nhân dân thị trấn Ngãi Giao",
            "thị trấn",
            "Ngãi Giao",
        ),
    ],
)
def test_issuer_at_every_level(lines: list[str], issuer: str, level: str, area: str) -> None:
    lh = parse([*lines, "Nơi A, ngày 1 tháng 2 năm 2025", "BÁO CÁO"])
    assert (lh.issuer, lh.area_level, lh.area_name) == (issuer, level, area)


def test_nothing_past_the_title_is_read() -> None:
    lh = parse(["BÁO CÁO", "Tình hình", "UBND xã Hàm Tân, ngày 28 tháng 2 năm 2025", "Số: 1/BC-UBND"])
    assert (lh.issuer, lh.doc_number, lh.date) == ("", "", "")


def test_sentence_case_keeps_mixed_case() -> None:
    assert sentence_case("Sở Tài chính") == "Sở Tài chính"
    assert sentence_case("VĂN PHÒNG HĐND VÀ UBND") == "Văn phòng HĐND và UBND"


# Head lines exactly as Tesseract read the real scans of tests/data/real (tone marks lost or
# wrong, words glued, specks, handwritten numbers and days unreadable).
OCR_HEADS = [
    (
        [
            "_—_ UBNDTỈNHPHÚ THỌ... CỘNG HOÀ XÃ HỌI CHỦ NGHĨA VIỆT NAM",
            "SỞ THÔNG TIN VÀ TRUYÈN THÔNG Độc lập - Tự do - Hạnh phúc",
            "Số: /†§ /STTTT-CNTT Phú Thọ, ngày | tháng 12 năm 2011",
            "V/v đăng ký danh sách tham gia Hội thi kỹ",
            "năng sử dụng máy tính.",
            "Kính gửi:",
            "- Các đơn vị trực thuộc sở; `",
        ],
        ["Sở Thông tin và Truyền thông", "tỉnh", "Phú Thọ", "", ""],
    ),
    (
        [
            "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "THÀNH PHÓ HỖ CHÍ MINH Độc lập - Tự do - Hạnh phúc",
            "SỞ Y TẺ T—.——=-=.<—",
            "só: 53 /KH-SYT Thành phố Hồ Chí Minh, ngày tháng 02 năm 2021",
            "KẾ HOẠCH",
            "Công tác kiểm tra, rà soát, xử lý văn bản quy phạm pháp luật trong lĩnh vực",
            "y tế trên địa bàn Thành phố Hồ Chí Minh năm 2021",
        ],
        ["Sở Y tế", "thành phố", "Hồ Chí Minh", "53/KH-SYT", ""],
    ),
    (
        [
            "ỦY BAN NHÂN DÂN CỌNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "TỈNH ĐÔNG NAI Đậc lập - Tự do - Hạnh phúc",
            ":2Öc s2mdannisaglidi Độc p 5V” 7",
            "số: 4#'†J/QĐ-UBND Đông Nai, ngày 4 0 tháng Š năm 2023",
            "QUYẾT ĐỊNH",
            "Chấp thuận các vị trí được thực hiện chuyển nhượng quyền sử dụng đất",
            "dưới hình thức phân lô, bán nên cho cá nhân tự xây dựng nhà ở theo quy",
        ],
        ["Ủy ban nhân dân tỉnh Đồng Nai", "tỉnh", "Đồng Nai", "", ""],
    ),
    (
        [
            "ỦY BAN NHÂN DÂN CỘNG HOÀ XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "_ TỈNH PHÚ THỌ Độc lập - Tự do - Hạnh phúc",
            "| ai ng an",
            "Số: ///4///UBND- KSTTHC Phú Thọ, ngày /tháng 12 năm 2011",
            "Về việc xây dựng kế hoạch rà",
            "soát quy định, thủ tục hành chính.",
            "Kính gửi:",
        ],
        ["Ủy ban nhân dân tỉnh Phú Thọ", "tỉnh", "Phú Thọ", "", ""],
    ),
    (
        [
            "ỦY BAN NHÂN DÂN CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
            "THANH PHO HÀ NỌI Độc lập - Tự do - Hạnh phúc",
            "Số: M' /CT-UBND ¬¬ -",
            "Hà Nội, ngày.‡† tháng 7 năm 2025",
            "CHÍ THỊ",
            "„Triển khai Chiến dịch “45 ngày đêm ra quân hỗ trợ hoạt động chuyền đối số",
            "._ tại các xã, phường trong giai đoạn đầu vận hành mô hình chính quyền",
        ],
        ["Ủy ban nhân dân thành phố Hà Nội", "thành phố", "Hà Nội", "", ""],
    ),
]


@pytest.mark.parametrize(("lines", "expected"), OCR_HEADS)
def test_ocr_read_letterheads(lines: list[str], expected: list[str]) -> None:
    lh = parse(lines)
    # "53/KH-SYT": the printed code is right, the number is Tesseract's guess at handwriting
    assert [lh.issuer, lh.area_level, lh.area_name, lh.doc_number, lh.date] == expected
